"""The Dask executor (a LocalCluster here) writes exactly the records of the local one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import distributed  # noqa: F401,E402  (a test dependency: fail loudly, never skip)

from reasoner.batch import BatchConfig, run_batch  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.mark.slow
def test_dask_local_cluster_gives_the_local_records(tmp_path: Path) -> None:
    folder = tmp_path / "cases"
    folder.mkdir()
    shutil.copy(EXAMPLES / "seed-case.ttl", folder / "a.ttl")
    shutil.copy(EXAMPLES / "invalid" / "two-patients.ttl", folder / "b.ttl")
    (folder / "c.ttl").write_text("@prefix broken", encoding="utf-8")
    local, dask = tmp_path / "local.ndjson", tmp_path / "dask.ndjson"
    run_batch(folder, local, config=BatchConfig(engine="oxigraph"), workers=1)
    summary = run_batch(folder, dask, config=BatchConfig(engine="oxigraph"), workers=2, executor="dask", chunk_size=1)
    assert summary.executor == "dask"
    read = lambda p: [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines()]  # noqa: E731
    assert read(dask) == read(local)
    assert [r["status"] for r in read(dask)] == ["ok", "invalid", "error"]
