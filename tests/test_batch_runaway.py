"""Issue 17: in a multi-case store, a query that hits the time limit is split until its case is found.

A planted rule (tests/batch/planted-runaway.rq) is cheap on every case but
one, where it walks a product of the graph with itself. With a short limit,
the batch query over all cases times out; halving isolates the planted case,
which gets the per-case path's QueryTimeout record; every other case is
answered, and every record equals the per-case path's.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDFS

from _hostile_helpers import copy_kb_template
from _synthetic_helpers import synthetic  # noqa: E402
from reasoner.batch import BatchConfig, run_batch
from reasoner.vocab import GLR, RDF

ROOT = Path(__file__).resolve().parent.parent


def _plant(path: Path) -> None:
    graph = Graph().parse(path, format="turtle")
    case = next(graph.subjects(RDF.type, GLR.Case))
    graph.add((case, RDFS.comment, Literal("planted runaway")))
    path.write_text(graph.serialize(format="turtle"), encoding="utf-8")


def test_a_planted_runaway_isolates_exactly_one_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = tmp_path / "kb"
    copy_kb_template(module)
    shutil.copy(ROOT / "tests" / "batch" / "planted-runaway.rq", module / "rules" / "hostile.rq")
    paths = synthetic().write_directory(9, tmp_path / "cases", seed=5)
    _plant(paths[5])
    # The limit covers every limited step (parsing, validation, every rule), so it must leave a loaded
    # machine room for the ordinary ones (~50 ms each) while the planted query needs ~2.5 s of CPU here.
    monkeypatch.setenv("GLR_QUERY_TIMEOUT", "1.0")

    def run(name: str, cases_per_store: int) -> list[dict]:
        out = tmp_path / f"{name}.ndjson"
        config = BatchConfig(engine="oxigraph", kb_dirs=(str(module),), cases_per_store=cases_per_store)
        summary = run_batch(tmp_path / "cases", out, config=config, workers=1)
        assert summary.rule_failures == 1
        return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]

    multi = run("multi", 25)
    failed = [r for r in multi if r["status"] == "error"]
    assert [r["case_source"] for r in failed] == [str(paths[5])]
    assert failed[0]["error_type"] == "QueryTimeout" and "rule 'hostile'" in failed[0]["error"]
    answered = [r for r in multi if r["status"] == "ok"]
    assert len(answered) == 8
    assert all([rec["id"] for rec in r["result"]["recommendations"]] == ["hostile"] for r in answered)
    assert multi == run("per-case", 1)
