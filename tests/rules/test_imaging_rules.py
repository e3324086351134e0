"""Extra checks for the imaging, seroma, red-flag and pitfall rules.

The generic harness (test_rule_fixtures.py) checks each fixture through
the JSON contract. These tests check what it cannot see:

* each query file has its comment header (what it encodes, which seed
  statements, what it deliberately does not do), is portable SPARQL 1.1,
  and builds its result IRI with the segment of its result type;
* each metadata file agrees with its query file, and the seed's figures
  are attached where the brief puts them (aspiration yield and volume,
  the 97% cervical-surgery figure, BOTH conflicting seroma resolution
  windows); the urgent rule says honestly that its urgency is inferred;
* the not-met / unknown state of every reason a fixture states with
  ``glrt:reasonState [ glrt:condition "..." ; glrt:state "not met" ]``
  (the harness checks only that the reason is there);
* in the derivation graph, information needs of these rules keep their
  premises complete (the JSON contract does not list them);
* on the seed case and the five example cases, the imaging part of the
  plan is the expected one, on every engine.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest
from _rule_checks import NOT_PORTABLE, query_code
from rdflib import Graph, Namespace

from reasoner import RecommendationResult, recommend
from reasoner.pipeline.engines import ENGINES
from reasoner.kb.knowledge import RESULT_SEGMENTS
from reasoner.vocab import GLR

from test_rule_fixtures import split_fixture  # same directory (rootdir-relative import)

PF = Namespace("https://w3id.org/glr/kb/postfusion#")
GLRT = Namespace("https://w3id.org/glr/test#")
ROOT = Path(__file__).resolve().parents[2]
MODULE = ROOT / "queries" / "postfusion"
RULES = MODULE / "rules"
CASES = Path(__file__).parent / "cases"
EXAMPLES = ROOT / "examples"

# rule id -> (result type, catalogue id produced, stage)
IMAGING_RULES = {
    "seroma-unlikely-pain-source": (GLR.Assessment, "seroma-unlikely-pain-source", 1),
    "cervical-source-features": (GLR.Assessment, "cervical-source-features", 1),
    "repeat-lumbar-ct": (GLR.Recommendation, "repeat-lumbar-ct", 2),
    "repeat-lumbar-ct-not-recommended": (GLR.NotRecommended, "repeat-lumbar-ct", 2),
    "cervical-mri": (GLR.Recommendation, "cervical-mri", 2),
    "seroma-aspiration": (GLR.Recommendation, "seroma-aspiration", 2),
    "seroma-aspiration-not-recommended": (GLR.NotRecommended, "seroma-aspiration", 2),
    "urgent-spine-evaluation": (GLR.Recommendation, "urgent-spine-evaluation", 2),
    "cervical-mri-priority-raised": (GLR.Recommendation, "cervical-mri", 3),
    "cervical-mri-urgent-myelopathy": (GLR.Recommendation, "cervical-mri", 3),
    "urgent-spine-evaluation-emergent": (GLR.Recommendation, "urgent-spine-evaluation", 2),
    "surgical-review": (GLR.Recommendation, "surgical-review", 2),
    "cauda-equina-symptoms": (GLR.InformationNeed, "cauda-equina-symptoms", 3),
    "caution-seroma-attribution": (GLR.Caution, "caution-seroma-attribution", 3),
    "caution-cervical-source": (GLR.Caution, "caution-cervical-source", 3),
    "caution-reassess": (GLR.Caution, "caution-reassess", 3),
    "caution-aspiration": (GLR.Caution, "caution-aspiration", 3),
    "caution-persistent-collection": (GLR.Caution, "caution-persistent-collection", 3),
    "upper-extremity-symptoms": (GLR.InformationNeed, "upper-extremity-symptoms", 3),
    "gait-disturbance": (GLR.InformationNeed, "gait-disturbance", 3),
    "neurological-exam": (GLR.InformationNeed, "neurological-exam", 3),
    "current-seroma-size": (GLR.InformationNeed, "current-seroma-size", 3),
    "hardware-status": (GLR.InformationNeed, "hardware-status", 3),
}
# The seed's figures and conflicting windows, and the rules they belong to.
REQUIRED_EVIDENCE = {
    "seroma-aspiration": {PF["ev-aspiration-yield"], PF["ev-aspiration-volume"]},
    "cervical-mri": {PF["ev-cervical-surgery-97"]},
    "repeat-lumbar-ct": {PF["ev-seroma-resolve-4-6-months"], PF["ev-seroma-resolve-2-4-months"]},
    "seroma-unlikely-pain-source": {PF["ev-seroma-resolve-4-6-months"], PF["ev-seroma-resolve-2-4-months"]},
}



@pytest.mark.parametrize("rule_id", sorted(IMAGING_RULES))
def test_query_file_conventions(rule_id: str) -> None:
    text = (RULES / f"{rule_id}.rq").read_text(encoding="utf-8")
    header = text.split("PREFIX", 1)[0]
    assert header.startswith(f"# Rule {rule_id} "), "the file must open with its comment header"
    for part in ("Encodes:", "Seed:", "Deliberately does NOT"):
        assert part in header, f"{rule_id}.rq: header lacks '{part}'"
    code = query_code(text)
    assert "CONSTRUCT" in code
    assert not NOT_PORTABLE.search(code), f"{rule_id}.rq uses a non-portable construct"
    result_type, catalogue_id, _ = IMAGING_RULES[rule_id]
    if rule_id != "cervical-mri-priority-raised":  # it reads stage 2's node instead of building one
        assert f'"/{RESULT_SEGMENTS[result_type]}/{catalogue_id}"' in code, f"{rule_id}.rq: wrong result IRI segment"


@pytest.mark.parametrize("rule_id", sorted(IMAGING_RULES))
def test_metadata_agrees_with_query(rule_id: str, module_graph: Graph) -> None:
    rule = PF[f"rule-{rule_id}"]
    g = module_graph
    result_type, catalogue_id, stage = IMAGING_RULES[rule_id]
    assert str(g.value(rule, GLR.ruleId)) == rule_id
    assert str(g.value(rule, GLR.queryFile)) == f"{rule_id}.rq"
    assert g.value(rule, GLR.resultType) == result_type
    assert int(g.value(rule, GLR.stage)) == stage
    assert g.value(rule, GLR.inModule) == PF.module
    assert g.value(rule, GLR.priority) is not None
    assert str(g.value(g.value(rule, GLR.produces), GLR.catalogueId)) == catalogue_id
    evidence = set(g.objects(rule, GLR.hasEvidence))
    assert evidence, f"{rule_id}: no evidence"
    for ev in evidence:
        assert (ev, GLR.claim, None) in g, f"{rule_id}: cites {ev}, which evidence.ttl does not state"
    cited = evidence | set(g.objects(rule, GLR.hasBackgroundEvidence))
    for ev in cited - evidence:
        assert (ev, GLR.claim, None) in g, f"{rule_id}: cites {ev} as background, which evidence.ttl does not state"
    missing = REQUIRED_EVIDENCE.get(rule_id, set()) - cited
    assert not missing, f"{rule_id}: must cite {sorted(missing)}"


def test_cervical_mri_priority_raise_is_high(module_graph: Graph) -> None:
    assert module_graph.value(PF["rule-cervical-mri-priority-raised"], GLR.priority) == GLR.PriorityHigh


def test_urgent_rule_states_its_inference(module_graph: Graph) -> None:
    rule = PF["rule-urgent-spine-evaluation"]
    assert module_graph.value(rule, GLR.priority) == GLR.PriorityUrgent
    note = str(module_graph.value(rule, GLR.inferenceNote) or "")
    assert "indicators favouring the seroma" in note and "inference" in note


@lru_cache(maxsize=None)
def _run(path: Path, engine: str) -> RecommendationResult:
    case, _, as_of = split_fixture(path)
    return recommend(case, as_of=as_of, engine=engine)


def _stated_states(path: Path) -> list[tuple[str, str, str, str]]:
    g = Graph().parse(path, format="turtle")
    out = []
    for exp in g.subjects(GLRT.reasonState, None):
        for rs in g.objects(exp, GLRT.reasonState):
            out.append((str(g.value(exp, GLRT.result)), str(g.value(exp, GLRT.id)),
                        str(g.value(rs, GLRT.condition)), str(g.value(rs, GLRT.state))))
    return out


STATE_FIXTURES = sorted(p for r in IMAGING_RULES for p in (CASES / r).glob("*.ttl") if _stated_states(p))


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("fixture", STATE_FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_reason_states(fixture: Path, engine: str) -> None:
    data = _run(fixture, engine).to_json()
    lists = {"not-recommended": "not_recommended"}
    for result, kind, condition, state in _stated_states(fixture):
        item = next(i for i in data[lists[result]] if i["id"] == kind)
        states = {r["condition"]: r["state"] for r in item["reasons"]}
        assert states.get(condition) == state, f"{fixture.name} [{engine}]: {condition} is {states.get(condition)}, expected {state}"
        assert len(item["reasons"]) == len(states), "one reason per condition"


@pytest.mark.parametrize("engine", ENGINES)
def test_information_need_premises_are_complete(engine: str) -> None:
    result = _run(CASES / "current-seroma-size" / "fires-single-ct.ttl", engine)
    g = result.derivation_graph
    need = next(s for s in g.subjects(GLR.ofKind, PF["current-seroma-size"]))
    premises = list(g.objects(need, GLR.premise))
    assert premises
    for p in premises:
        assert None not in (g.value(p, GLR.premiseSubject), g.value(p, GLR.premiseProperty), g.value(p, GLR.premiseValue))


def _ids(data: dict, key: str) -> set[str]:
    return {i["id"] for i in data[key]}


def _reasons(data: dict, kind: str) -> dict[str, str]:
    item = next(i for i in data["not_recommended"] if i["id"] == kind)
    return {r["condition"]: r["state"] for r in item["reasons"]}


@pytest.mark.parametrize("engine", ENGINES)
def test_seed_case_imaging_plan(engine: str) -> None:
    data = _run(EXAMPLES / "seed-case.ttl", engine).to_json()
    assert {"repeat-lumbar-ct", "cervical-mri"} <= _ids(data, "recommendations")
    assert not {"seroma-aspiration", "urgent-spine-evaluation"} & _ids(data, "recommendations")
    assert {"caution-seroma-attribution", "caution-cervical-source"} <= _ids(data, "cautions")
    assert {"upper-extremity-symptoms", "gait-disturbance"} <= _ids(data, "information_needs")
    assert {"seroma-unlikely-pain-source", "cervical-source-features"} <= _ids(data, "assessments")
    assert _reasons(data, "seroma-aspiration") == {
        "repeat-ct-persistent-collection": "unknown",
        "new-neurological-symptoms": "not met",
        "stable-neurological-exam": "unknown",
        "radiographic-compression": "unknown",
    }


@pytest.mark.parametrize("engine", ENGINES)
def test_example_worsening_with_new_weakness(engine: str) -> None:
    data = _run(EXAMPLES / "worsening-with-new-weakness.ttl", engine).to_json()
    urgent = next(i for i in data["recommendations"] if i["id"] == "urgent-spine-evaluation")
    assert urgent["priority"] == "urgent"
    assert "repeat-lumbar-ct" in _ids(data, "recommendations")
    assert "seroma-unlikely-pain-source" not in _ids(data, "assessments")


@pytest.mark.parametrize("engine", ENGINES)
def test_example_aspiration_candidate(engine: str) -> None:
    data = _run(EXAMPLES / "aspiration-candidate.ttl", engine).to_json()
    assert "seroma-aspiration" in _ids(data, "recommendations")
    assert "seroma-aspiration" not in _ids(data, "not_recommended")
    assert "current-seroma-size" not in _ids(data, "information_needs")


@pytest.mark.parametrize("engine", ENGINES)
def test_example_recent_ct_cervical_symptoms(engine: str) -> None:
    data = _run(EXAMPLES / "recent-ct-cervical-symptoms.ttl", engine).to_json()
    assert "repeat-lumbar-ct" not in _ids(data, "recommendations")
    assert _reasons(data, "repeat-lumbar-ct") == {"seroma-imaging-4-months-old": "not met", "symptoms-worsening": "not met"}
    mri = next(i for i in data["recommendations"] if i["id"] == "cervical-mri")
    assert mri["priority"] == "high"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", ["nsaid-contraindicated", "opioids-without-relief"])
def test_examples_keep_the_seed_imaging_plan(name: str, engine: str) -> None:
    data = _run(EXAMPLES / f"{name}.ttl", engine).to_json()
    assert {"repeat-lumbar-ct", "cervical-mri"} <= _ids(data, "recommendations")
    assert "caution-reassess" in _ids(data, "cautions")
    assert "seroma-aspiration" in _ids(data, "not_recommended")
