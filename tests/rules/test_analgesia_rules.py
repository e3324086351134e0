"""Extra checks for the analgesia rules of the post-fusion module.

The generic harness (test_rule_fixtures.py) checks what each fixture
reports through the JSON contract. These tests check what it cannot see:

* each query file follows the rule-writing conventions: a comment header
  (what it encodes, which seed statements, what it deliberately does not
  do), portable SPARQL 1.1 only, and a result IRI whose path segment
  matches the metadata's result type;
* each metadata file agrees with its query file and cites evidence the
  module really has;
* in the derivation graph, every result of these rules has complete,
  non-duplicated premises and reasons - information needs included, whose
  premises the JSON contract does not list;
* on the seed case, the analgesia part of the plan is the expected one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _rule_checks import NOT_PORTABLE, query_code
from rdflib import Graph, Literal, Namespace, URIRef

from reasoner import recommend
from reasoner.pipeline.engines import ENGINES
from reasoner.kb.knowledge import RESULT_SEGMENTS
from reasoner.vocab import GLR, RDF

from test_rule_fixtures import split_fixture  # same directory (rootdir-relative import)

PF = Namespace("https://w3id.org/glr/kb/postfusion#")
MODULE = Path(__file__).resolve().parents[2] / "queries" / "postfusion"
RULES = MODULE / "rules"
CASES = Path(__file__).parent / "cases"

# rule id -> (result type, catalogue id of the kind it produces, stage)
ANALGESIA_RULES = {
    "multimodal-analgesia": (GLR.Recommendation, "multimodal-analgesia", 2),
    "neuropathic-agent-trial": (GLR.Recommendation, "neuropathic-agent-trial", 2),
    "neuropathic-agent-trial-not-recommended": (GLR.NotRecommended, "neuropathic-agent-trial", 2),
    "nsaid": (GLR.Recommendation, "nsaid", 2),
    "nsaid-not-recommended": (GLR.NotRecommended, "nsaid", 2),
    "short-term-muscle-relaxant": (GLR.Recommendation, "short-term-muscle-relaxant", 2),
    "limit-opioids": (GLR.Recommendation, "limit-opioids", 2),
    "opioid-reassessment": (GLR.Recommendation, "opioid-reassessment", 2),
    "caution-opioid-tolerance": (GLR.Caution, "caution-opioid-tolerance", 3),
    "physical-therapy": (GLR.Recommendation, "physical-therapy", 2),
    "need-radicular-symptoms": (GLR.InformationNeed, "radicular-symptoms", 3),
    "need-paraspinal-spasm": (GLR.InformationNeed, "paraspinal-spasm", 3),
    "need-nsaid-contraindications": (GLR.InformationNeed, "nsaid-contraindications", 3),
    "need-opioid-response": (GLR.InformationNeed, "opioid-response", 3),
    "need-current-analgesics": (GLR.InformationNeed, "current-analgesics", 3),
}


@pytest.mark.parametrize("rule_id", sorted(ANALGESIA_RULES))
def test_query_file_follows_conventions(rule_id: str) -> None:
    query = (RULES / f"{rule_id}.rq").read_text(encoding="utf-8")
    header = query.split("PREFIX", 1)[0]
    assert header.startswith(f"# Rule {rule_id} "), f"{rule_id}.rq must open with '# Rule {rule_id} (...)'"
    for part in ("Encodes:", "Seed:", "reference", "Deliberately does NOT"):
        assert part in header, f"{rule_id}.rq: the comment header must say {part!r}"
    body = query_code(query)
    assert "CONSTRUCT" in body, f"{rule_id}.rq must be a CONSTRUCT query"
    assert not NOT_PORTABLE.search(body), f"{rule_id}.rq uses a non-portable construct: {NOT_PORTABLE.search(body).group(0)}"
    result_type, catalogue_id, _ = ANALGESIA_RULES[rule_id]
    assert f'"/{RESULT_SEGMENTS[result_type]}/{catalogue_id}"' in body, (
        f"{rule_id}.rq must build its result IRI with the segment /{RESULT_SEGMENTS[result_type]}/{catalogue_id}"
    )


@pytest.mark.parametrize("rule_id", sorted(ANALGESIA_RULES))
def test_metadata_matches_query_and_cites_module_evidence(rule_id: str, module_graph: Graph) -> None:
    result_type, catalogue_id, stage = ANALGESIA_RULES[rule_id]
    rule = PF[f"rule-{rule_id}"]
    g = module_graph
    assert (rule, RDF.type, GLR.Rule) in g, f"{rule_id}.ttl must describe {rule}"
    assert g.value(rule, GLR.ruleId) == Literal(rule_id)
    assert g.value(rule, GLR.queryFile) == Literal(f"{rule_id}.rq")
    assert g.value(rule, GLR.resultType) == result_type
    assert g.value(rule, GLR.stage).toPython() == stage
    assert g.value(rule, GLR.inModule) == PF.module
    kind = g.value(rule, GLR.produces)
    assert g.value(kind, GLR.catalogueId) == Literal(catalogue_id), f"{rule_id} must produce the kind '{catalogue_id}'"
    evidence = list(g.objects(rule, GLR.hasEvidence))
    assert evidence, f"{rule_id} must cite evidence"
    for ev in evidence + list(g.objects(kind, GLR.hasEvidence)):
        assert (ev, RDF.type, GLR.EvidenceStatement) in g, f"{rule_id}: {ev} is not an evidence statement of the module"


def _firing_fixtures() -> list[Path]:
    return sorted(p for rule_id in ANALGESIA_RULES for p in (CASES / rule_id).glob("fires-*.ttl"))


def _check_node(derived: Graph, node: URIRef, props: tuple[URIRef, ...], where: str) -> tuple:
    values = []
    for prop in props:
        found = list(derived.objects(node, prop))
        assert len(found) == 1, f"{where}: {prop} must be stated exactly once, got {found}"
        values.append(found[0])
    return tuple(values)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("fixture", _firing_fixtures(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_results_have_complete_unique_premises_and_reasons(fixture: Path, engine: str, module_graph: Graph) -> None:
    case, _, as_of = split_fixture(fixture)
    result = recommend(case, as_of=as_of, engine=engine)
    derived = result.derivation_graph
    kinds = {module_graph.value(PF[f"rule-{r}"], GLR.produces) for r in ANALGESIA_RULES}
    checked = 0
    for node, kind in derived.subject_objects(GLR.ofKind):
        if kind not in kinds:
            continue
        where = f"{fixture.parent.name}/{fixture.stem} [{engine}] {node}"
        premises = [
            _check_node(derived, p, (GLR.premiseSubject, GLR.premiseProperty, GLR.premiseValue), where)
            for p in derived.objects(node, GLR.premise)
        ]
        assert premises, f"{where}: a result of the analgesia rules always states its premises"
        assert len(premises) == len(set(premises)), f"{where}: duplicated premise in {premises}"
        reasons = [
            _check_node(derived, r, (GLR.condition, GLR.conditionState), where)
            for r in derived.objects(node, GLR.unmetCondition)
        ]
        assert len(reasons) == len(set(reasons)), f"{where}: duplicated reason in {reasons}"
        if (node, RDF.type, GLR.NotRecommended) in derived:
            assert reasons, f"{where}: a not-recommended result must name its unmet condition"
        checked += 1
    assert checked, f"{fixture}: no result of the analgesia rules was derived from a fires-* fixture"


def test_seed_case_analgesia_plan(seed_result) -> None:
    """The seed: pain after fusion, nothing recorded about medication, radicular
    symptoms, spasm or NSAID contraindications - so general advice plus questions,
    and nothing that needs a finding the case does not state."""
    data = seed_result.to_json()
    ids = {key: {item["id"] for item in data[key]} for key in ("recommendations", "not_recommended", "information_needs")}
    assert {"multimodal-analgesia", "physical-therapy", "limit-opioids", "nsaid"} <= ids["recommendations"]
    assert not {"neuropathic-agent-trial", "short-term-muscle-relaxant", "opioid-reassessment"} & ids["recommendations"]
    assert not {"neuropathic-agent-trial", "nsaid"} & ids["not_recommended"], "unknown findings must never read as absent"
    assert {"radicular-symptoms", "paraspinal-spasm", "nsaid-contraindications", "current-analgesics"} <= ids["information_needs"]
    assert "opioid-response" not in ids["information_needs"], "the seed records no opioid"
