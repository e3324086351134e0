"""Issue 13: no knowledge restated in Python; the explainer and the endpoint read it from the ontology and packs.

Each test changes the data (a copy of the loaded knowledge base) and shows
the Python follows: the evidence-id convention (glr:localIdPrefix), the
state of a condition a rule leaves unstated (glr:valueWhenUnstated) and the
prefixes of Turtle answers (the packs' own @prefix declarations). And the
core's open value sets: a value is valid only when a loaded pack declares it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace, URIRef

from reasoner import KnowledgeBase, load_knowledge_base
from reasoner.kb.knowledge import discover_modules
from reasoner.pipeline.results.explainer import _Explainer
from reasoner.pipeline.timeline import AsOf, AsOfSource
from reasoner.pipeline.validation import validate_graph
from reasoner.server.worker import Job, evaluate

ROOT = Path(__file__).parents[2]
GLR = Namespace("https://w3id.org/glr/ontology#")
PF = Namespace("https://w3id.org/glr/kb/postfusion#")
GOUT = ROOT / "tests" / "packs" / "gout-flare"
AS_OF = AsOf(dt.date(2025, 1, 1), AsOfSource.COMMAND_LINE)


def _with_ontology_edit(kb: KnowledgeBase, subject: URIRef, prop: URIRef, value: Literal | URIRef) -> KnowledgeBase:
    ontology = Graph()
    ontology += kb.ontology
    ontology.set((subject, prop, value))
    return replace(kb, ontology=ontology)


def _an_evidence_statement(kb: KnowledgeBase) -> URIRef:
    return next(s for s in sorted(kb.knowledge.subjects(None, GLR.EvidenceStatement)) if isinstance(s, URIRef) and "#ev-" in s)


def test_evidence_ids_drop_the_prefix_the_ontology_states(kb: KnowledgeBase) -> None:
    iri = _an_evidence_statement(kb)
    local = str(iri).rsplit("#", 1)[-1]
    assert _Explainer(kb, Graph(), Graph(), AS_OF).evidence(iri, "supports").id == local.removeprefix("ev-")
    other = _with_ontology_edit(kb, GLR.EvidenceStatement, GLR.localIdPrefix, Literal("none-of-ours-"))
    assert _Explainer(other, Graph(), Graph(), AS_OF).evidence(iri, "supports").id == local


def _reason_without_state() -> tuple[URIRef, Graph]:
    result, reason = URIRef("https://example.org/case/not-recommended/x"), BNode()
    derived = Graph()
    derived.add((result, GLR.unmetCondition, reason))
    derived.add((reason, GLR.condition, PF["some-condition"]))
    return result, derived


def test_an_unstated_condition_state_is_the_one_the_ontology_names(kb: KnowledgeBase) -> None:
    result, derived = _reason_without_state()
    [reason] = _Explainer(kb, Graph(), derived, AS_OF).reasons(result)
    assert reason.state == kb.label(GLR.NotMet)
    other = _with_ontology_edit(kb, GLR.conditionState, GLR.valueWhenUnstated, GLR.Unknown)
    [reason] = _Explainer(other, Graph(), derived, AS_OF).reasons(result)
    assert reason.state == kb.label(GLR.Unknown)


def test_the_knowledge_base_keeps_each_packs_own_prefixes() -> None:
    kb = load_knowledge_base(modules=[*discover_modules(), GOUT])
    assert kb.prefixes["glr"] == str(GLR)
    assert kb.prefixes["pf"] == str(PF)
    assert kb.prefixes["oc"] == "https://w3id.org/glr/kb/opioids-cdc2022#"
    assert kb.prefixes["gt"] == "https://w3id.org/glr/kb/test-gout#"  # declared only in the test pack's files
    assert "brick" not in kb.prefixes  # rdflib's defaults are not declarations of ours


def test_turtle_answers_declare_the_prefixes_they_are_given() -> None:
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(str(PF["x"])), ox.NamedNode(str(GLR.text)), ox.Literal("y")))
    job = Job(query="CONSTRUCT WHERE { ?s ?p ?o }", accept="text/turtle")
    given = evaluate(store, job, prefixes={"pf": str(PF), "glr": str(GLR)}).body.decode("utf-8")
    assert "@prefix pf: <https://w3id.org/glr/kb/postfusion#>" in given and "pf:x glr:text" in given
    bare = evaluate(store, job).body.decode("utf-8")
    assert "@prefix" not in bare and f"<{PF['x']}>" in bare


SEED = ROOT / "examples" / "seed-case.ttl"


def _violations(case: Graph, kb: KnowledgeBase) -> dict[str, set[str]]:
    """Violated property -> the values reported for it."""
    report = validate_graph(case, shapes=kb.shapes, ontology=kb.ontology)
    found: dict[str, set[str]] = {}
    for r in report.violations:
        found.setdefault(str(r.path), set()).add(str(r.value))
    return found


def test_open_value_sets_accept_what_a_loaded_pack_declares(kb: KnowledgeBase) -> None:
    assert _violations(Graph().parse(SEED), kb) == {}


def test_a_value_no_loaded_pack_declares_does_not_conform(kb: KnowledgeBase) -> None:
    case = Graph().parse(SEED)
    for s, o in list(case.subject_objects(GLR.bodyRegion)):
        case.set((s, GLR.bodyRegion, GLR.ThoracicSpine))  # declared by no pack
    assert _violations(case, kb).get(str(GLR.bodyRegion)) == {str(GLR.ThoracicSpine)}
    without_post_fusion = load_knowledge_base(modules=[GOUT])  # post-fusion declares the seed's body region
    assert str(GLR.LumbarSpine) in _violations(Graph().parse(SEED), without_post_fusion)[str(GLR.bodyRegion)]


def test_output_priorities_come_from_the_ontology(tmp_path) -> None:
    """The CDS Hooks indicator and FHIR request priority of each level are data (glr:cdsHooksIndicator,
    glr:fhirRequestPriority on the priority scale): change them in the ontology and the cards and
    the RequestGroup follow, with no Python edit."""
    from reasoner import recommend
    from reasoner.hooks.cards import plan_cards
    from reasoner.pipeline.render.fhir import plan_bundle
    from reasoner.vocab import GLR

    kb = load_knowledge_base()
    result = recommend(ROOT / "examples" / "opioids-without-relief.ttl", kb=kb, engine="oxigraph")
    high = [r for r in result.recommendations if r.priority == "high"]
    assert high and all(r.cds_hooks_indicator == "warning" and r.fhir_request_priority == "urgent" for r in high)

    edited = load_knowledge_base()
    edited.ontology.set((GLR.PriorityHigh, GLR.cdsHooksIndicator, Literal("critical")))
    edited.ontology.set((GLR.PriorityHigh, GLR.fhirRequestPriority, Literal("asap")))
    changed = recommend(ROOT / "examples" / "opioids-without-relief.ttl", kb=edited, engine="oxigraph")
    first = next(r for r in changed.recommendations if r.priority == "high")
    cards = dict(plan_cards(changed, service="s", module_label="m", base_url="http://127.0.0.1", missing=(), suggestions={}))
    assert cards[first.id]["indicator"] == "critical"
    actions = [e["resource"] for e in plan_bundle(changed)["entry"] if e["resource"]["resourceType"] == "RequestGroup"][0]["action"]
    assert next(a for a in actions if a["id"] == first.id)["priority"] == "asap"
    # the JSON contract names the priority, not its rendering: unchanged
    assert [r["priority"] for r in changed.to_json()["recommendations"]] == [r["priority"] for r in result.to_json()["recommendations"]]
