"""Issue 16: interactions between recommendations of different modules, explained with both sides.

The rule fixtures (tests/rules/cases/{contradiction,repeated-action,alternative-actions,
compounding-harm}/) show each kind firing and a near miss staying silent on both
engines. Here: the outputs (JSON key, Markdown placement and merging, FHIR
DetectedIssue, CDS Hooks warning card), the stage being data, and a property over
many combined cases: no interaction between a result and itself, and both sides of
every interaction present in the same result.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from reasoner import KnowledgeBase, RecommendationResult, load_knowledge_base, recommend
from reasoner.pipeline.render.fhir import plan_bundle
from reasoner.hooks.cards import order_cards
from reasoner.kb.knowledge import discover_modules
from reasoner.pipeline.render.markdown import render_markdown

ROOT = Path(__file__).parents[2]
sys.path.insert(0, str(ROOT / "tests" / "rules"))
from test_rule_fixtures import split_fixture  # noqa: E402

GLR = Namespace("https://w3id.org/glr/ontology#")
OC = Namespace("https://w3id.org/glr/kb/opioids-cdc2022#")
CASES = ROOT / "tests" / "rules" / "cases"
REPEATED = CASES / "repeated-action" / "fires-post-fusion-oxycodone-90-mme-without-relief.ttl"
GAP = CASES / "compounding-harm-current-therapy" / "fires-gabapentinoid-with-opioid-under-50-mme.ttl"
UNKNOWN = CASES / "compounding-harm-current-therapy" / "fires-conditional-opioid-status-unknown.ttl"
PROV = Namespace("http://www.w3.org/ns/prov#")
COMPOUNDING = CASES / "compounding-harm" / "fires-relaxant-with-opioid-and-benzodiazepine-demo-source.ttl"
DEMO = ROOT / "tests" / "data" / "interaction-demo-module"
LISTS = {"recommendation": "recommendations", "not-recommended": "not_recommended", "caution": "cautions"}


@lru_cache(maxsize=1)
def _demo_kb() -> KnowledgeBase:
    return load_knowledge_base(modules=[*discover_modules(), DEMO])


def _run(path: Path, kb: KnowledgeBase, engine: str = "oxigraph") -> RecommendationResult:
    graph, _, as_of = split_fixture(path)
    return recommend(graph, kb=kb, engine=engine, as_of=as_of)


def test_json_interactions_key_names_both_sides_with_their_premises_and_evidence(kb) -> None:
    data = _run(REPEATED, kb).to_json()
    found = {x["id"]: x for x in data["interactions"]}
    x = found["repeated-action--limit-opioids--opioid-dosage-90-mme"]
    assert {"id", "kind", "between", "text", "premises", "evidence"} <= set(x)
    assert x["kind"] == "repeated-action" and x["between"] == ["limit-opioids", "opioid-dosage-90-mme"]
    assert {s["module"] for s in x["sides"]} == {"postfusion", "opioids-cdc2022"}
    evidence = {e["id"] for e in x["evidence"]}
    assert {"rec-04", "opioid-tolerance-4-weeks"} <= evidence  # each side's own source
    assert {e["role"] for e in x["evidence"] if e["id"] == "repeated-action"} == {"background"}  # the kind's definition
    subjects = {p["subject"].rsplit("/", 1)[-1] for p in x["premises"]}
    assert {"oxycodone", "oxycodone-dose"} <= subjects  # case facts of both sides (medication list; dose of the order)
    assert any(s["source"].startswith("Analyzing interactions") for s in data["source_status"])


def test_the_seed_case_has_no_interaction(kb) -> None:
    assert recommend(ROOT / "examples" / "seed-case.ttl", kb=kb).to_json()["interactions"] == []


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
def test_the_bundled_modules_alone_show_compounding_harm_alternatives_and_repetition_with_sourced_evidence(kb, engine: str) -> None:
    """A case combining both modules: every kind the two sources support, each side's evidence, no unsourced pair."""
    data = recommend(ROOT / "tests" / "data" / "interactions" / "both-modules-radicular-pain-on-opioid.ttl", kb=kb, engine=engine).to_json()
    found = {x["id"]: x for x in data["interactions"]}
    assert {x["kind"] for x in found.values()} == {"compounding-harm", "alternative-actions", "repeated-action"}
    harm = found["compounding-harm--neuropathic-agent-trial--opioid-dosage-50-mme"]
    assert {s["module"] for s in harm["sides"]} == {"postfusion", "opioids-cdc2022"}
    assert {"neuropathic-agent", "rec-11-other-cns-depressants", "opioid-respiratory-depression", "rec-04"} <= {e["id"] for e in harm["evidence"]}
    assert "compounding-harm--opioid-dosage-50-mme--short-term-muscle-relaxant" in found
    assert "compounding-harm--neuropathic-agent-trial--short-term-muscle-relaxant" not in found  # the source names them only with opioids
    alternative = found["alternative-actions--nsaid--opioid-dosage-50-mme"]
    assert "nsaid-opioid-low-back-pain" in {e["id"] for e in alternative["evidence"]}
    assert sum(1 for x in found.values() if x["kind"] == "repeated-action") == 1
    assert any(s["source"].endswith("(draft for public comment)") for s in data["source_status"])


def test_markdown_shows_a_repeated_action_once_under_the_item_it_affects_most(kb) -> None:
    result = _run(REPEATED, kb)
    markdown = render_markdown(result)
    assert markdown.count("⚠ Interaction — Repeated action with **Opioid dosage of 90 MME/day or more**") == 2  # one per pair
    # one per pair with the dosage caution: two repetitions, and the recommended NSAID as an alternative to the current opioid
    assert markdown.count("Reason (opioids-cdc2022, Opioid dosage of 90 MME/day or more)") == 3
    # the caution (shown later in the plan) only points back, once per pair
    cautions = markdown.split("## Cautions")[1].split("## ")[0]
    assert "⚠ Interaction (repeated action) with **Avoid prolonged opioid therapy**: shown there" in cautions
    assert "⚠ Interaction —" not in cautions
    # the block sits inside the recommendation it affects most, right after its Detail line
    block = markdown.split("4. **Avoid prolonged opioid therapy**")[1].split("\n5. ")[0]
    assert "Detail: id limit-opioids" in block and "Detail: interaction repeated-action--limit-opioids--opioid-dosage-90-mme" in block


def test_fhir_out_has_one_valid_detected_issue_per_interaction(kb) -> None:
    result = _run(REPEATED, kb)
    bundle = plan_bundle(result)
    Bundle.model_validate(bundle)
    issues = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "DetectedIssue"]
    assert len(issues) == len(result.interactions) == 3  # two repeated actions, one alternative (NSAID or the current opioid)
    issue = next(i for i in issues if "limit-opioids" in {x["identifier"]["value"] for x in i["implicated"]})
    assert issue["code"]["coding"][0]["code"] == "repeated-action" and issue["severity"] == "low"
    assert any("Recommendation 4" in d["display"] for ev in issue["evidence"] for d in ev["detail"])
    assert plan_bundle(result) == bundle  # deterministic


def test_a_draft_order_taking_part_in_an_interaction_gets_a_warning_card() -> None:
    result = _run(COMPOUNDING, _demo_kb())
    cards = order_cards(result, service="svc", module_label="glr", base_url="http://127.0.0.1", order_ref="MedicationRequest/1",
                        order_label="Cyclobenzaprine 5 mg", catalogue_ids=["short-term-muscle-relaxant"], missing=())
    warnings = [card for rid, card in cards if rid == "compounding-harm--opioid-benzodiazepine-concurrent--short-term-muscle-relaxant"]
    assert len(warnings) == 1
    card = warnings[0]
    assert card["indicator"] == "warning" and len(card["summary"]) < 140
    assert "compounding harm with Opioid and benzodiazepine prescribed concurrently (opioids-cdc2022)" in card["summary"]
    assert "**Both sides:**" in card["detail"] and "Recommendation 11" in card["detail"] and card["overrideReasons"]
    unrelated = order_cards(result, service="svc", module_label="glr", base_url="http://127.0.0.1", order_ref="ServiceRequest/2",
                            order_label="Lumbar CT", catalogue_ids=["repeat-lumbar-ct"], missing=())
    assert not any(rid.startswith("compounding-harm") for rid, _ in unrelated)


# --------------------------------------------------------------------------
# the safety gap: a current therapy no result speaks about is a case-fact side


def test_a_case_fact_side_names_the_node_and_between_keeps_result_ids_only(kb) -> None:
    result = _run(GAP, kb)
    x = next(i for i in result.to_json()["interactions"] if i["id"] == "compounding-harm--neuropathic-agent-trial--current-opioid")
    assert x["between"] == ["neuropathic-agent-trial"] and x["conditional"] is False
    fact = next(s for s in x["sides"] if "case_fact" in s)
    assert fact["case_fact"].endswith("/oxycodone") and fact["status"] == "current" and "module" not in fact and "result" not in fact
    assert {"label", "text"} <= set(fact) and "drug class = opioid" in fact["text"]
    assert any(p["subject"] == fact["case_fact"] for p in x["premises"])  # premises hold the fact
    markdown = render_markdown(result)
    assert "⚠ Interaction — Compounding harm with **Oxycodone (medication list)** (in the patient's record)" in markdown
    assert "Case fact (Oxycodone (medication list), current)" in markdown


def test_an_unknown_status_is_shown_conditional_in_markdown_and_on_the_card(kb) -> None:
    result = _run(UNKNOWN, kb)
    x = next(i for i in result.interactions if i.id == "compounding-harm--neuropathic-agent-trial--current-opioid")
    assert x.conditional and x.case_facts[0].status == "unknown"
    assert "Conditional: only if Oxycodone (medication list) is still taken (not recorded)." in render_markdown(result)
    cards = order_cards(result, service="svc", module_label="glr", base_url="http://127.0.0.1", order_ref="MedicationRequest/1",
                        order_label="Gabapentin", catalogue_ids=["neuropathic-agent-trial"], missing=())
    card = next(c for rid, c in cards if rid == x.id)
    assert card["summary"].startswith("Gabapentin: compounding harm (conditional) with Oxycodone (medication list) (in the record)")
    assert card["detail"].startswith("**Conditional**: only if Oxycodone (medication list) is still taken")


def test_fhir_detected_issue_implicates_the_recommendation_and_the_resource_the_fact_came_from(kb) -> None:
    graph, _, as_of = split_fixture(GAP)
    fact = next(s for s in graph.subjects(GLR.drugClass, GLR.Opioid))
    graph.add((fact, PROV.wasDerivedFrom, URIRef("https://ehr.example.org/fhir/MedicationStatement/oxy-1")))
    result = recommend(graph, kb=kb, engine="oxigraph", as_of=as_of)
    bundle = plan_bundle(result)
    Bundle.model_validate(bundle)
    issue = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "DetectedIssue")
    assert issue["severity"] == "high" and issue["code"]["coding"][0]["code"] == "compounding-harm"
    assert {"identifier": {"system": "https://w3id.org/glr/catalogue-id", "value": "neuropathic-agent-trial"},
            "display": "Trial of a neuropathic pain agent (gabapentin or pregabalin) (postfusion)"} in issue["implicated"]
    assert {"reference": "https://ehr.example.org/fhir/MedicationStatement/oxy-1", "display": "Oxycodone (medication list)"} in issue["implicated"]


def test_a_draft_gabapentinoid_order_with_a_current_opioid_gets_a_warning_card(kb) -> None:
    """The order services map a draft medication's code to catalogue entries through data (drug class → care action)."""
    from reasoner.hooks.service import _Orders

    ids, display = _Orders(kb).by_drug_code[("https://w3id.org/glr/fhir/CodeSystem/postfusion-local", "drug-gabapentin")]
    assert "neuropathic-agent-trial" in ids and display == "Gabapentin"
    cards = order_cards(_run(GAP, kb), service="svc", module_label="glr", base_url="http://127.0.0.1", order_ref="MedicationRequest/1",
                        order_label=display, catalogue_ids=ids, missing=())
    card = dict(cards)["compounding-harm--neuropathic-agent-trial--current-opioid"]
    assert card["indicator"] == "warning" and "Oxycodone (medication list) (in the record)" in card["summary"]
    assert "Recommendation 11" in card["detail"] and card["overrideReasons"]


def test_the_unused_neuropathic_agent_action_is_deprecated_not_deleted(kb) -> None:
    from rdflib.namespace import OWL

    assert kb.ontology.value(GLR.AdministerNeuropathicAgent, OWL.deprecated).toPython() is True
    assert kb.ontology.value(GLR.AdministerNeuropathicAgent, URIRef("http://purl.org/dc/terms/isReplacedBy")) == GLR.AdministerGabapentinoid
    assert not any(kb.knowledge.subjects(None, GLR.AdministerNeuropathicAgent))


def test_interaction_rules_run_in_a_stage_after_every_module_rule(kb) -> None:
    stages = {r.rule_id: r.stage for r in kb.rules}
    interaction_rules = {r.rule_id for r in kb.rules if r.module is not None and str(r.module).endswith("interactions#module")}
    assert interaction_rules == {"contradiction", "repeated-action", "alternative-actions", "compounding-harm", "compounding-harm-current-therapy"}
    assert min(stages[r] for r in interaction_rules) > max(s for r, s in stages.items() if r not in interaction_rules)


def test_no_existing_rule_can_read_the_catalogue_beyond_the_readable_properties(kb) -> None:
    """Only properties the ontology marks glr:readByRules reach the rule stores (nothing else changed for old rules)."""
    store = kb.rule_inputs()
    readable = set(kb.ontology.subjects(GLR.readByRules, None))
    leaked = {p for s, p, o in kb.knowledge if (s, p, o) in store and (s, p, o) not in kb.ontology} - readable
    assert not leaked
    assert (None, GLR.aboutCareAction, GLR.LimitOpioidTherapy) in store
    assert not any(store.triples((None, GLR.claim, None)))  # evidence wording stays out
    assert len(store) - len(kb.ontology_for_rules()) < 200  # the care-action statements only, not the whole catalogue


# --------------------------------------------------------------------------
# property: over many combined cases, interactions are between two distinct results, both in the result


def _case(spasm: bool, anticoagulant: bool, opioid_mg: int, benzodiazepine: bool, no_relief: bool, fusion: bool,
          new_opioid: bool | None | str = "none") -> Graph:
    """``new_opioid``: a two-week opioid on the medication list, ongoing True/False/None (unknown), or "none" (absent)."""
    base = "https://w3id.org/glr/test/issue-16/"
    g = Graph()
    case, patient = URIRef(base + "case"), URIRef(base + "patient")
    node = lambda name: URIRef(base + name)  # noqa: E731
    g.add((case, RDF.type, GLR.Case))
    g.add((case, GLR.aboutPatient, patient))
    g.add((case, GLR.asOf, Literal("2026-11-24", datatype=XSD.date)))
    g.add((patient, RDF.type, GLR.Patient))
    g.add((patient, RDFS.label, Literal("Generated patient")))
    pain = node("back-pain")
    g.add((patient, GLR.hasFinding, pain))
    for s, p, o in ((pain, RDF.type, GLR.PersistentBackPain), (pain, RDFS.label, Literal("Back pain")), (pain, GLR.status, GLR.Present),
                    (pain, GLR.onsetDate, Literal("2026-02-10", datatype=XSD.date))):
        g.add((s, p, o))
    if fusion:
        f = node("fusion")
        g.add((patient, GLR.hadProcedure, f))
        g.add((f, RDF.type, GLR.LumbarFusion))
        g.add((f, RDFS.label, Literal("Lumbar fusion")))
        g.add((f, GLR.date, Literal("2026-02-10", datatype=XSD.date)))
    if spasm:
        sp = node("spasm")
        g.add((patient, GLR.hasFinding, sp))
        g.add((sp, RDF.type, GLR.ParaspinalMuscleSpasm))
        g.add((sp, RDFS.label, Literal("Paraspinal spasm")))
        g.add((sp, GLR.status, GLR.Present))
    if anticoagulant:
        a = node("apixaban")
        g.add((patient, GLR.hasMedication, a))
        g.add((a, RDF.type, GLR.MedicationUse))
        g.add((a, RDFS.label, Literal("Apixaban")))
        g.add((a, GLR.drugClass, GLR.Anticoagulant))
        g.add((a, GLR.date, Literal("2026-06-01", datatype=XSD.date)))
        g.add((a, GLR.ongoing, Literal(True)))
    if no_relief:
        u = node("oxycodone-use")
        g.add((patient, GLR.hasMedication, u))
        g.add((u, RDF.type, GLR.MedicationUse))
        g.add((u, RDFS.label, Literal("Oxycodone")))
        g.add((u, GLR.drugClass, GLR.Opioid))
        g.add((u, GLR.date, Literal("2026-08-15", datatype=XSD.date)))
        g.add((u, GLR.meaningfulRelief, Literal(False)))
        g.add((u, GLR.ongoing, Literal(True)))
    if new_opioid != "none":
        r, t = node("radicular"), node("tramadol-use")
        g.add((patient, GLR.hasFinding, r))
        for s, p, o in ((r, RDF.type, GLR.RadicularSymptom), (r, RDFS.label, Literal("Radiating leg pain")), (r, GLR.status, GLR.Present),
                        (patient, GLR.hasMedication, t), (t, RDF.type, GLR.MedicationUse), (t, RDFS.label, Literal("Tramadol")),
                        (t, GLR.drugClass, GLR.Opioid), (t, GLR.date, Literal("2026-11-10", datatype=XSD.date))):
            g.add((s, p, o))
        if isinstance(new_opioid, bool):
            g.add((t, GLR.ongoing, Literal(new_opioid)))
    if opioid_mg:
        o, d = node("oxycodone-order"), node("oxycodone-dose")
        g.add((patient, OC.hasMedicationOrder, o))
        for s, p, v in ((o, RDF.type, OC.MedicationOrder), (o, RDFS.label, Literal(f"Oxycodone {opioid_mg} mg")), (o, OC.orderStatus, Literal("active")),
                        (o, OC.inValueSet, OC["vs-opioid-analgesics"]), (o, GLR.date, Literal("2026-11-24", datatype=XSD.date)), (o, OC.hasDoseComponent, d),
                        (d, RDF.type, OC.DoseComponent), (d, RDFS.label, Literal("Oxycodone")), (d, OC.ingredientName, Literal("Oxycodone")),
                        (d, OC.mgPerDose, Literal(str(opioid_mg), datatype=XSD.decimal)), (d, OC.dosesPerDay, Literal("3", datatype=XSD.decimal)),
                        (d, OC.conversionFactor, Literal("1.5", datatype=XSD.decimal))):
            g.add((s, p, v))
    if benzodiazepine:
        b = node("diazepam")
        g.add((patient, OC.hasMedicationOrder, b))
        for s, p, v in ((b, RDF.type, OC.MedicationOrder), (b, RDFS.label, Literal("Diazepam 5 mg")), (b, OC.orderStatus, Literal("active")),
                        (b, OC.inValueSet, OC["vs-benzodiazepines"]), (b, GLR.date, Literal("2026-10-01", datatype=XSD.date))):
            g.add((s, p, v))
    return g


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(spasm=st.booleans(), anticoagulant=st.booleans(), opioid_mg=st.sampled_from([0, 10, 30]), benzodiazepine=st.booleans(),
       no_relief=st.booleans(), fusion=st.booleans(), new_opioid=st.sampled_from(["none", True, False, None]),
       engine=st.sampled_from(["rdflib", "oxigraph"]))
@example(spasm=True, anticoagulant=False, opioid_mg=0, benzodiazepine=False, no_relief=False, fusion=True, new_opioid=None, engine="oxigraph")
def test_every_interaction_is_between_two_distinct_results_present_in_the_same_result(
    spasm: bool, anticoagulant: bool, opioid_mg: int, benzodiazepine: bool, no_relief: bool, fusion: bool,
    new_opioid: bool | None | str, engine: str
) -> None:
    graph = _case(spasm, anticoagulant, opioid_mg, benzodiazepine, no_relief, fusion, new_opioid)
    result = recommend(graph, kb=_demo_kb(), engine=engine)
    assert result.validation.conforms, result.validation.to_text()
    data = result.to_json()
    ids = [x["id"] for x in data["interactions"]]
    assert len(ids) == len(set(ids))
    case_nodes = {str(n) for n in graph.subjects()}
    for x in data["interactions"]:
        facts = [side["case_fact"] for side in x["sides"] if "case_fact" in side]
        if facts:  # a result and a case fact: one result id, the fact a node of the case, conditional iff its status is unknown
            assert len(x["between"]) == 1 and set(facts) <= case_nodes, x
            assert x["conditional"] is all(side["status"] == "unknown" for side in x["sides"] if "case_fact" in side)
        else:
            assert len(x["between"]) == 2 and x["between"][0] < x["between"][1], x  # never with itself; sorted pair
            assert x["conditional"] is False
        for side in x["sides"]:
            if "case_fact" not in side:
                assert side["id"] in {i["id"] for i in data[LISTS[side["result"]]]}, (x["id"], side)
        assert x["premises"] and x["evidence"]
    opioid_facts = {side["case_fact"] for x in data["interactions"] for side in x["sides"] if side.get("case_fact", "").endswith("/tramadol-use")}
    if new_opioid is False or new_opioid == "none":
        assert not opioid_facts  # stopped or absent: never a side


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
def test_engines_give_the_same_interactions(engine: str) -> None:
    other = "oxigraph" if engine == "rdflib" else "rdflib"
    kb = _demo_kb()
    graph = _case(True, True, 30, True, True, True)
    a = recommend(graph, kb=kb, engine=engine).to_json()["interactions"]
    b = recommend(graph, kb=kb, engine=other).to_json()["interactions"]
    assert a == b and {x["kind"] for x in a} == {"contradiction", "repeated-action", "alternative-actions", "compounding-harm"}


# --------------------------------------------------------------------------
# the knowledge-base gate knows the interaction result and accepts any positive stage


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    import shutil

    for part in ("ontology", "shapes", "queries"):
        shutil.copytree(ROOT / part, tmp_path / part)
    return tmp_path


def test_gate_warns_when_an_interaction_rule_builds_another_iri(kb_copy: Path) -> None:
    from reasoner.kb.check import run_check

    rq = kb_copy / "queries" / "interactions" / "rules" / "contradiction.rq"
    rq.write_text(rq.read_text(encoding="utf-8").replace('"/interaction/contradiction/"', '"/interaction/clash/"'), encoding="utf-8")
    result = run_check("rules", kb_copy)
    assert any("never builds a result IRI ending in '/interaction/contradiction'" in p.message for p in result.problems), result.problems


@pytest.mark.parametrize(("stage", "accepted"), [("5", True), ("0", False)])
def test_the_stage_is_data_any_positive_integer(kb_copy: Path, stage: str, accepted: bool) -> None:
    from reasoner.kb.check import run_check

    meta = kb_copy / "queries" / "interactions" / "rules" / "compounding-harm.ttl"
    meta.write_text(meta.read_text(encoding="utf-8").replace("glr:stage 4 ;", f"glr:stage {stage} ;"), encoding="utf-8")
    result = run_check("knowledge-base shapes (SHACL)", kb_copy)
    assert (not result.errors) is accepted, [p.message for p in result.errors]
    if accepted:
        kb = load_knowledge_base(modules=sorted(p.parent for p in (kb_copy / "queries").glob("*/module.ttl")),
                                 ontology_dir=kb_copy / "ontology", shapes_dir=kb_copy / "shapes")
        assert kb.stages() == [1, 2, 3, 4, 5]


# --------------------------------------------------------------------------
# CDS Hooks end to end: a draft gabapentin order for a patient on a recent opioid no result speaks about


@pytest.mark.parametrize(("status", "conditional"), [("active", False), ("unknown", True)])
def test_order_select_with_a_draft_gabapentin_and_a_recent_opioid_warns(kb, status: str, conditional: bool) -> None:
    import asyncio
    import datetime as dt

    import httpx

    sys.path.insert(0, str(ROOT / "tests"))
    from _hooks_helpers import LOCAL, seed_prefetch

    from reasoner.hooks import create_app

    prefetch = seed_prefetch()
    subject = {"reference": "Patient/seed-patient"}
    prefetch["conditions"]["entry"].append({"resource": {
        "resourceType": "Condition", "id": "radicular", "subject": subject, "recordedDate": "2026-11-20",
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
        "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
        "code": {"coding": [{"system": LOCAL, "code": "radicular-leg-pain", "display": "Radicular leg pain"}]}}})
    prefetch["medications"]["entry"].append({"resource": {
        "resourceType": "MedicationStatement", "id": "oxycodone", "status": status, "subject": subject, "effectiveDateTime": "2026-11-10",
        "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "1049623",
                                                  "display": "Oxycodone Hydrochloride 5mg oral tablet (Roxicodone"}]}}})
    draft = {"resourceType": "MedicationRequest", "id": "gabapentin-1", "status": "draft", "intent": "order", "subject": subject,
             "medicationCodeableConcept": {"coding": [{"system": LOCAL, "code": "drug-gabapentin", "display": "Gabapentin"}]}}
    body = {"hookInstance": "4f2b5c2e-7a1d-4c1e-9a55-0b5e2a7b9f10", "hook": "order-select", "prefetch": prefetch,
            "context": {"userId": "Practitioner/example", "patientId": "seed-patient", "selections": ["MedicationRequest/gabapentin-1"],
                        "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": draft}]}}}
    app = create_app(kb, today=lambda: dt.date(2026, 11, 24))

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8787") as client:
            return await client.post("/cds-services/glr-imaging-order-select", json=body)

    response = asyncio.run(go())
    assert response.status_code == 200, response.text
    warnings = [c for c in response.json()["cards"] if c["indicator"] == "warning" and "compounding harm" in c["summary"]]
    assert len(warnings) == 1, response.json()["cards"]
    assert warnings[0]["summary"].startswith(f"Gabapentin: compounding harm{' (conditional)' if conditional else ''} with ")
    assert "MedicationStatement/oxycodone" in warnings[0]["detail"]  # the premise names the record it came from


def test_gate_refuses_a_drug_class_no_pack_declares(kb_copy: Path) -> None:
    """A misspelt class in glr:administersDrugClass would silently match no medication: the gate says so."""
    from reasoner.kb.check import run_check

    data = kb_copy / "queries" / "postfusion" / "care-actions.ttl"
    data.write_text(data.read_text(encoding="utf-8").replace("glr:administersDrugClass glr:Opioid", "glr:administersDrugClass glr:Opiod"), encoding="utf-8")
    result = run_check("knowledge-base shapes (SHACL)", kb_copy)
    assert any("must name a declared drug class" in p.message for p in result.errors), [p.message for p in result.problems]
