"""Issue 10, explanation side: what the plan says comes from the ontology and the module's data.

A test-only module (explain-module/) is loaded without the post-fusion
module's rules, so these tests hold whatever those rules say. Its cases are
written in the post-fusion pack's case vocabulary, so that pack's ontology
extension (not its rules or shapes) is added to the ontology. Every test runs
on both engines.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dataclasses import replace

from rdflib import Graph

from reasoner import RecommendationResult, load_knowledge_base, recommend
from reasoner.kb.ontology import load_ontology
from reasoner.paths import QUERIES_DIR
from reasoner.pipeline.render import render

HERE = Path(__file__).resolve().parent
MODULE = HERE / "explain-module"
CASES = HERE / "cases"
RED_FLAG = "https://w3id.org/glr/examples/explain-red-flag/"


@pytest.fixture(scope="module")
def explain_kb():
    kb = load_knowledge_base(modules=[MODULE])
    ontology = Graph()
    ontology += kb.ontology
    ontology += load_ontology(packs=[QUERIES_DIR / "postfusion"])  # the vocabulary the cases use (core + extension)
    return replace(kb, ontology=ontology)


@pytest.fixture(scope="module", params=["rdflib", "oxigraph"])
def engine(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def red_flag(explain_kb, engine) -> dict:
    return recommend(CASES / "red-flag.ttl", kb=explain_kb, engine=engine).to_json()


@pytest.fixture(scope="module")
def calm(explain_kb, engine) -> dict:
    return recommend(CASES / "calm.ttl", kb=explain_kb, engine=engine).to_json()


def _by_id(items: list[dict]) -> dict[str, dict]:
    return {item["id"]: item for item in items}


def test_priorities_are_named_and_ranked_by_the_ontology(red_flag: dict) -> None:
    recs = [(r["id"], r["priority"]) for r in red_flag["recommendations"]]
    assert recs == [
        ("emergent-review", "emergent"),
        ("urgent-early", "urgent"),  # listOrder 1
        ("urgent-late", "urgent"),  # listOrder 2
        ("a-urgent-without-order", "urgent"),  # no listOrder: after those with one, although its id sorts first
        ("confirm-mri", "high"),  # listOrder 1
        ("high-item", "high"),
        ("routine-item", "routine"),
    ]


def test_deferral_follows_defers_priority(red_flag: dict, calm: dict) -> None:
    recs = _by_id(red_flag["recommendations"])
    assert all("deferred_by" in r for r in recs.values())
    assert recs["emergent-review"]["deferred_by"] == []
    assert recs["urgent-early"]["deferred_by"] == []  # emergent defers routine and high, not urgent
    assert recs["high-item"]["deferred_by"] == ["emergent-review"]
    assert recs["routine-item"]["deferred_by"] == ["emergent-review", "urgent-early", "urgent-late", "a-urgent-without-order"]
    quiet = _by_id(calm["recommendations"])
    assert "emergent-review" not in quiet
    assert quiet["high-item"]["deferred_by"] == []  # urgent defers only routine
    assert quiet["routine-item"]["deferred_by"] == ["urgent-early", "urgent-late", "a-urgent-without-order"]


def test_conditional_on_names_only_needs_raised_in_this_result(red_flag: dict) -> None:
    recs = _by_id(red_flag["recommendations"])
    # the kind is conditional on need-checked and need-never-raised; only the first is raised here
    assert recs["routine-item"]["conditional_on"] == ["need-checked"]
    assert recs["high-item"]["conditional_on"] == []


def test_existing_order_changes_the_text(red_flag: dict) -> None:
    recs = _by_id(red_flag["recommendations"])
    assert recs["confirm-mri"]["existing_order"] == {
        "subject": RED_FLAG + "mri-order",
        "status": "pending approval",
        "label": "MRI order",
    }
    assert recs["confirm-mri"]["text"] == "Confirm or expedite the MRI already ordered."
    assert recs["high-item"]["existing_order"] is None


def test_criteria_come_from_the_deriving_rules(red_flag: dict) -> None:
    recs = _by_id(red_flag["recommendations"])
    assert recs["emergent-review"]["criteria"] == [
        {"rule": "emergent-review", "text": "Fires when a cauda equina sign is present (test threshold: none)."}
    ]
    assert recs["high-item"]["criteria"] == []
    for key in ("not_recommended", "cautions", "information_needs", "assessments"):
        assert all("criteria" in item for item in red_flag[key]), key


def test_evidence_roles(red_flag: dict) -> None:
    evidence = _by_id(red_flag["recommendations"])["emergent-review"]["evidence"]
    roles = {e["id"]: e["role"] for e in evidence}
    # ev-both is linked as supporting and as background: supporting wins
    assert roles == {"support": "supports", "both": "supports", "background": "background"}
    assert [e["role"] for e in evidence] == ["supports", "supports", "background"]


def test_source_status_is_disclosed_once(red_flag: dict) -> None:
    assert red_flag["source_status"] == [{"source": "Explanation test fixture", "status": "Test fixture, never reviewed."}]


def test_unconsidered_findings(red_flag: dict, calm: dict) -> None:
    """Present findings whose classes no rule mentions; grouping classes (glr:Symptom) do not count."""
    assert red_flag["unconsidered_findings"] == [
        {"subject": RED_FLAG + "fever", "label": "Fever with wound drainage"},
        {"subject": RED_FLAG + "itch", "label": "Itching at the scar"},
        {"subject": RED_FLAG + "stenosis", "label": "Known cervical stenosis"},
    ]
    # the saddle sign is read by a rule; when absent it is not a present finding anyway
    assert all(not f["subject"].endswith("saddle") for f in red_flag["unconsidered_findings"] + calm["unconsidered_findings"])


def test_a_module_that_reads_the_finding_considers_it(explain_kb, tmp_path: Path) -> None:
    """The same case with the full bundled knowledge base: its rules read cervical stenosis."""
    from reasoner.kb.knowledge import discover_modules

    kb = load_knowledge_base(modules=[*discover_modules(), MODULE])
    found = {f.label for f in recommend(CASES / "red-flag.ttl", kb=kb).unconsidered_findings}
    assert "Known cervical stenosis" not in found
    assert "Fever with wound drainage" in found


def test_states_are_ontology_labels(red_flag: dict) -> None:
    reasons = _by_id(red_flag["not_recommended"])["not-item"]["reasons"]
    assert reasons == [{"condition": "cond-unknown", "state": "unknown", "text": "A condition the case does not document"}]


def test_information_needs_follow_list_order(red_flag: dict) -> None:
    assert [n["id"] for n in red_flag["information_needs"]] == ["need-first", "need-checked"]


def test_premise_texts(red_flag: dict) -> None:
    recs = _by_id(red_flag["recommendations"])
    texts = {p["text"] for p in recs["emergent-review"]["premises"]}
    # the label already says it is a lumbar fusion: no "is recorded as a lumbar fusion"
    assert "Lumbar fusion, dated 2026-02-10" in texts
    # 0 whole months is stated in days
    assert "MRI order (date 2026-11-14): 10 days before the as-of date 2026-11-24" in texts
    routine = {p["text"] for p in recs["routine-item"]["premises"]}
    assert routine == {"Fluid collection: recorded as postoperative seroma"}


def test_json_keys_are_additions_only(red_flag: dict) -> None:
    rec = red_flag["recommendations"][0]
    old = {"id", "label", "text", "priority", "rule", "rules", "based_on_assessments", "premises", "evidence", "notes"}
    assert set(rec) == old | {"criteria", "deferred_by", "conditional_on", "existing_order"} | {"module"}  # issue 10, issue 15
    assert {"unconsidered_findings", "source_status"} <= set(red_flag)


def _markdown(kb, engine: str, case: str) -> str:
    return render(recommend(CASES / case, kb=kb, engine=engine), "markdown")


def test_markdown_shows_deferral_conditionality_and_order(explain_kb, engine: str) -> None:
    text = _markdown(explain_kb, engine, "red-flag.ttl")
    now, later = text.split("## Deferred until the items above are dealt with")
    assert "Emergent review" in now and "Routine analgesic" not in now
    assert "Routine analgesic" in later.split("## Not indicated now")[0]
    assert "Waits for: Emergent review; Urgent item listed first" in later
    assert "Contraindications to the analgesic (not yet checked)" in later
    assert "Already ordered: MRI order (pending approval)" in later
    assert "Criterion: Fires when a cauda equina sign is present" in now
    assert "**Contraindications to the analgesic** is not documented; it affects: Routine analgesic" in text  # labels, not ids
    assert text.count("Source status:") == 1
    assert text.index("Source status:") < text.index("## Recommended next steps")
    unconsidered = text.split("## Findings this plan did not consider")[1]
    assert "assess them outside this plan" in unconsidered and "- Fever with wound drainage" in unconsidered


def test_markdown_clinician_lines_hold_no_ids_or_doubled_punctuation(explain_kb, engine: str) -> None:
    text = _markdown(explain_kb, engine, "red-flag.ttl")
    assert "`" not in text
    assert ".." not in text
    for line in text.splitlines():
        if "Detail:" in line:
            continue
        for cid in ("emergent-review", "routine-item", "need-checked", "window-a"):
            assert cid not in line, line
    assert "- Detail: id confirm-mri · rule confirm-mri · conflicting statements window-a ↔ window-b" in text
    background = text.index("Background [")
    assert text.index("Fixture claim cited both") < background  # supporting first, background apart


def test_calm_case_has_no_deferred_heading_for_high_items(explain_kb, engine: str) -> None:
    text = _markdown(explain_kb, engine, "calm.ttl")
    now, later = text.split("## Deferred until the items above are dealt with")
    assert "High-priority item" in now and "Routine analgesic" in later


def test_engines_agree_on_the_whole_json(explain_kb) -> None:
    def plain(result: RecommendationResult) -> str:
        data = result.to_json()
        data.pop("engine")
        return json.dumps(data, sort_keys=True)

    for case in ("red-flag.ttl", "calm.ttl"):
        a = recommend(CASES / case, kb=explain_kb, engine="rdflib")
        b = recommend(CASES / case, kb=explain_kb, engine="oxigraph")
        assert plain(a) == plain(b), case


@pytest.mark.parametrize(
    ("claim", "line_end"),
    [("Ends with a stop.", "a stop."), ("Ends with two..", "two."), ("Ends with a question?", "question?"), ("No stop", "No stop.")],
)
def test_evidence_lines_end_with_one_mark(claim: str, line_end: str) -> None:
    from reasoner.pipeline.render.markdown import _evidence_line
    from reasoner.pipeline.results import Evidence

    line = _evidence_line(Evidence(id="x", statement=claim, source="s", reference=(1,), certainty="c", conflicts_with=("y",)))
    assert line.startswith(f"Evidence [ref 1; grade c]: {claim.rstrip('.')}")
    assert line.split(" ⚠")[0].endswith(line_end)
