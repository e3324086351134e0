"""Issue 17: many cases per Oxigraph store give the per-case path's records, byte for byte.

Never against stored output: every test runs both paths now, on the rules
as they are now (rules are added and edited while this path exists), on
every example, every rule fixture and a few hundred synthetic cases. The
per-case path is ``cases_per_store=1`` (reasoner/batch/worker.py
``process_item``); the multi-case path is reasoner/batch/multicase.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rdflib import URIRef

from _hostile_helpers import copy_kb_template
from _synthetic_helpers import synthetic  # noqa: E402
from reasoner.batch import BatchConfig, run_batch
from reasoner.batch.multicase import MultiCaseRules
from reasoner.batch.rewrite import MEMBER, rewrite_rule

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "rules" / "cases"


def _run(cases: Path, tmp_path: Path, name: str, **config: object) -> tuple[bytes, bytes]:
    out, derivations = tmp_path / f"{name}.ndjson", tmp_path / f"{name}.nq"
    run_batch(cases, out, config=BatchConfig(engine="oxigraph", **config), workers=1, derivations=derivations)  # type: ignore[arg-type]
    return out.read_bytes(), derivations.read_bytes()


def _assert_same(per_case: tuple[bytes, bytes], multi: tuple[bytes, bytes]) -> None:
    expected = per_case[0].decode().splitlines()
    got = multi[0].decode().splitlines()
    assert len(got) == len(expected)
    for want, have in zip(expected, got):
        assert have == want, json.loads(want)["case_source"]
    assert multi[1] == per_case[1]  # the derivation graphs too


#: The examples, then the rule fixtures in six groups of directories: each group is
#: one test, so the work spreads over the suite's workers and no test runs long.
FIXTURE_GROUPS = 6


def _chunk(index: int) -> list[Path]:
    if index == 0:
        return [ROOT / "examples"]
    directories = sorted(p for p in FIXTURES.iterdir() if p.is_dir())
    return directories[index - 1 :: FIXTURE_GROUPS]


@pytest.mark.parametrize("chunk", range(FIXTURE_GROUPS + 1), ids=lambda i: "examples" if i == 0 else f"fixtures-{i}")
def test_examples_and_fixtures_give_per_case_records(tmp_path: Path, chunk: int) -> None:
    """Every example and fixture, with 25 (and for two groups also 3) cases per store, against the per-case path.

    Both paths validate each case with the same call (``prepare_case``), so the
    pyrudof first pass serves both: it gives pySHACL's records
    (tests/test_batch_validator.py) at a fifth of the suite's time here.
    """
    cases = tmp_path / "cases"
    for directory in _chunk(chunk):
        shutil.copytree(directory, cases / directory.name)
    per_case = _run(cases, tmp_path, "per-case", cases_per_store=1, validator="pyrudof")
    # 25 per store for every group; 3 per store (several stores, a partial last one) for two
    for cases_per_store in (3, 25) if chunk < 2 else (25,):
        multi = _run(cases, tmp_path, f"multi-{cases_per_store}", cases_per_store=cases_per_store, validator="pyrudof")
        _assert_same(per_case, multi)
    statuses = {json.loads(line)["status"] for line in per_case[0].decode().splitlines()}
    if chunk == 0:  # the examples hold a valid, an invalid and an unreadable case
        assert statuses == {"ok", "invalid", "error"}
    else:
        assert "ok" in statuses


SYNTHETIC = 70


@pytest.mark.slow
@pytest.mark.parametrize("seed", [17, 18, 19])
def test_two_hundred_synthetic_cases_give_per_case_records(tmp_path: Path, seed: int) -> None:
    """Two hundred and ten synthetic cases, as three independent seventies (so the suite's workers share
    them; each is three stores, the last one partial). The 2,000-case comparison is in docs/performance.md."""
    cases = tmp_path / "cases"
    synthetic().write_directory(SYNTHETIC, cases, seed=seed)
    per_case = _run(cases, tmp_path, "per-case", cases_per_store=1, validator="pyrudof")
    multi = _run(cases, tmp_path, "multi", validator="pyrudof")
    _assert_same(per_case, multi)
    assert per_case[0].count(b'"status": "ok"') == SYNTHETIC


def test_bundled_rules_are_all_rewritten(kb) -> None:
    """Not a correctness condition (a fallback is exact too), but the speed depends on it:
    a new rule that falls back should be noticed, and its reason read."""
    assert MultiCaseRules(kb).fallbacks() == {}


def test_membership_is_precomputed_in_the_bundled_rules(kb) -> None:
    rules = MultiCaseRules(kb)
    assert rules.member_classes
    assert all(isinstance(c, URIRef) for c in rules.member_classes)


_HEAD = """PREFIX glr: <https://w3id.org/glr/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
CONSTRUCT { ?case glr:note ?n } WHERE {
"""


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("SELECT ?case (COUNT(?f) AS ?n) WHERE { ?case glr:aboutPatient ?p . ?p glr:hasFinding ?f } }", "aggregate without GROUP BY"),
        ("SELECT ?case ?n WHERE { ?case glr:aboutPatient ?n } LIMIT 1 }", "LIMIT"),
        ("GRAPH ?x { ?case glr:aboutPatient ?n } }", "GRAPH"),
        ("SELECT * WHERE { ?case glr:aboutPatient ?n } }", "'*'"),
    ],
)
def test_a_rule_that_cannot_be_rewritten_exactly_says_why(body: str, reason: str) -> None:
    rewrite = rewrite_rule(_HEAD + "{ " + body + " }" if body.startswith("SELECT") else _HEAD + body)
    assert rewrite.query is None
    assert reason in (rewrite.reason or "")


def test_group_by_gets_the_case_graph_and_membership_is_rewritten() -> None:
    text = _HEAD + (
        "{ SELECT ?case (COUNT(?f) AS ?n) WHERE { ?case glr:aboutPatient ?p . ?p glr:hasFinding ?f . "
        "?f a/rdfs:subClassOf* glr:Seroma } GROUP BY ?case } }"
    )
    rewrite = rewrite_rule(text)
    assert rewrite.query is not None, rewrite.reason
    assert "GROUP BY ?glr_case_graph ?case" in rewrite.query
    assert f"<{MEMBER}> glr:Seroma" in rewrite.query
    assert rewrite.member_classes == {URIRef("https://w3id.org/glr/ontology#Seroma")}
    assert rewrite_rule(text, membership=False).member_classes == frozenset()


def test_membership_is_left_alone_where_it_is_not_a_predicate_object_pair() -> None:
    text = _HEAD + "?case glr:aboutPatient ?p . ?p glr:hasFinding ?f . ?f a/rdfs:subClassOf* ?n }"
    rewrite = rewrite_rule(text)
    assert rewrite.query is not None
    assert str(MEMBER) not in rewrite.query  # a variable class: the path stays as written


def test_strings_comments_and_iris_that_look_like_syntax_are_not_rewritten() -> None:
    text = (
        "# SELECT { GRAPH } a/rdfs:subClassOf* in a comment\n"
        + _HEAD
        + '?case glr:aboutPatient ?p . BIND("} GRAPH { SELECT" AS ?s) BIND(CONCAT(?s, STR(?p)) AS ?n) }'
    )
    rewrite = rewrite_rule(text)
    assert rewrite.query is not None, rewrite.reason
    assert '"} GRAPH { SELECT"' in rewrite.query


def test_a_fallback_is_said_and_answers_like_the_per_case_path(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A rule the loader cannot rewrite (here: LIMIT in a sub-select) runs as written, case by case."""
    module = tmp_path / "kb"
    copy_kb_template(module)
    (module / "rules" / "hostile.rq").write_text(
        """PREFIX glr: <https://w3id.org/glr/ontology#>
PREFIX hx:  <https://w3id.org/glr/kb/hostile-test#>
CONSTRUCT { ?result a glr:Recommendation ; glr:ofKind hx:hostile ; glr:forCase ?case . }
WHERE {
  { SELECT ?case WHERE { ?case a glr:Case } LIMIT 1 }
  BIND (IRI(CONCAT(STR(?case), "/recommendation/hostile")) AS ?result)
}
""",
        encoding="utf-8",
    )
    cases = tmp_path / "cases"
    synthetic().write_directory(6, cases, seed=3)
    with caplog.at_level("WARNING", logger="reasoner.batch.multicase"):
        per_case = _run(cases, tmp_path, "per-case", cases_per_store=1, kb_dirs=(str(module),))
        multi = _run(cases, tmp_path, "multi", kb_dirs=(str(module),))
    assert "rule 'hostile' is answered case by case" in caplog.text and "LIMIT" in caplog.text
    _assert_same(per_case, multi)
    assert multi[0].count(b'"id": "hostile"') == 6


def test_one_conforming_case_is_reasoned_per_case_without_building_the_many_case_rules(kb) -> None:  # type: ignore[no-untyped-def]
    """A store of one case would only repeat the per-case path after seconds of rule rewriting (no
    cache): such a case goes to the per-case path, the reference, and gets its result."""
    from reasoner.batch.many import reason_many
    from reasoner.batch.sources import CaseItem
    from reasoner.batch.worker import worker_state
    from reasoner.pipeline.results import RecommendationResult

    state = worker_state(BatchConfig(), kb)
    items = [CaseItem(source=str(ROOT / "examples" / "seed-case.ttl"), path=str(ROOT / "examples" / "seed-case.ttl")),
             CaseItem(source="broken.ttl", error="could not be read")]
    answers = reason_many(items, state)
    assert isinstance(answers[0], RecommendationResult) and answers[0].recommendations
    assert isinstance(answers[1], Exception)
    assert state["multi"]._made is None  # never built

