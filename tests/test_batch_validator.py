"""`glr batch --validator pyrudof` writes exactly the records of the pySHACL-only run.

pyrudof only short-cuts graphs it finds free of any SHACL result; this
test is what allows it to serve batch validation (issue 6: a faster engine
only where tests prove the same verdicts and messages). Cases: every
example (valid and invalid) and 24 synthetic cases from benchmarks/.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import pyrudof  # noqa: F401,E402  (a test dependency: fail loudly, never skip)

from _synthetic_helpers import synthetic  # noqa: E402
from reasoner.batch import BatchConfig, run_batch  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_pyrudof_first_pass_gives_pyshacl_records(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    shutil.copytree(ROOT / "examples", cases / "examples")
    synthetic().write_directory(8, cases / "synthetic", seed=11)
    reference, fast = tmp_path / "pyshacl.ndjson", tmp_path / "pyrudof.ndjson"
    run_batch(cases, reference, config=BatchConfig(engine="oxigraph", validator="pyshacl"), workers=1)
    run_batch(cases, fast, config=BatchConfig(engine="oxigraph", validator="pyrudof"), workers=1)
    read = lambda p: [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines()]  # noqa: E731
    expected, got = read(reference), read(fast)
    assert got == expected
    statuses = {r["status"] for r in expected}
    assert statuses == {"ok", "invalid", "error"}  # both verdicts (and a broken file) were exercised


def test_auto_uses_pyrudof_where_it_imports_and_pyshacl_elsewhere(kb, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The default validator, ``auto``: a machine without pyrudof (no wheel for it) gets pySHACL alone."""
    from reasoner.batch import worker
    from reasoner.batch.rudof import RudofFirstValidator

    assert BatchConfig().validator == "auto" and BatchConfig().engine == "oxigraph"  # the documented defaults
    with_rudof = worker.worker_state(BatchConfig(), kb)
    lazy = with_rudof["validator"]
    assert lazy._made is None  # built on first use: a batch of valid cases never needs it
    assert isinstance(lazy._get(), RudofFirstValidator) and with_rudof["batch_validator"] is not None
    monkeypatch.setattr(worker, "pyrudof_available", lambda: False)
    without = worker.worker_state(BatchConfig(), kb)
    assert without["validator"] is None and without["batch_validator"] is None  # pySHACL, case by case
    assert without["multi"] is not None  # the rules still run many cases per store
