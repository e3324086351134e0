"""`glr recommend` on one case imports nothing it does not need (issue 6: start-up ≤ 0.6 s).

Java / description-logic tooling (owlready2 and its HermiT/Pellet), the
endpoint server, distributed executors and the batch-only SHACL engine
belong to other commands; importing any of them here would cost start-up
time on every single-case run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOT_ON_THIS_PATH = ("owlready2", "jpype", "dask", "distributed", "starlette", "uvicorn", "pyrudof", "SPARQLWrapper")

SCRIPT = """
import json, runpy, sys
sys.argv = ["glr", *sys.argv[1:]]
try:
    runpy.run_module("reasoner.cli", run_name="__main__")
except SystemExit as exc:
    code = exc.code
else:
    code = 0
sys.stdout.flush()
sys.stderr.write(json.dumps({"code": code, "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def _glr(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """``glr ARGS`` in a fresh interpreter: the run, and the top-level modules it imported."""
    run = subprocess.run([sys.executable, "-c", SCRIPT, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    report = json.loads(run.stderr.strip().splitlines()[-1])
    assert report["code"] in (0, None), run.stderr
    return run, set(report["modules"])


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_recommend_imports_nothing_heavy(engine: str) -> None:
    run, loaded = _glr("recommend", str(ROOT / "examples" / "seed-case.ttl"), "--engine", engine, "--format", "json")
    assert json.loads(run.stdout)["recommendations"]  # it really ran
    assert "pyshacl" in loaded  # the check can see what was imported
    assert not loaded & set(NOT_ON_THIS_PATH), sorted(loaded & set(NOT_ON_THIS_PATH))


def test_a_batch_of_valid_cases_never_imports_pyshacl(tmp_path: Path) -> None:
    """The batch validates with pyrudof and turns to pySHACL only for a case it flags: a worker
    whose cases all conform never imports pySHACL (0.07 s of each worker's start, issue 17)."""
    cases = tmp_path / "cases"
    cases.mkdir()
    for name in ("seed-case.ttl", "aspiration-candidate.ttl", "nsaid-contraindicated.ttl"):
        (cases / name).write_bytes((ROOT / "examples" / name).read_bytes())
    _, loaded = _glr("batch", str(cases), "--out", str(tmp_path / "out.ndjson"), "--workers", "1", "--no-progress")
    records = [json.loads(line) for line in (tmp_path / "out.ndjson").read_text().splitlines()]
    assert len(records) == 3 and all(r["status"] == "ok" for r in records), records
    assert "pyrudof" in loaded and "pyshacl" not in loaded, sorted(loaded)
