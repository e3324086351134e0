"""The benchmark scripts still run and print every section the README quotes.

Not a performance test: no figure is checked, only that each measurement
is produced (with tiny sizes), so the command in docs/performance.md keeps
working as the code changes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_run_py_prints_stages_floor_ratio_and_budget() -> None:
    run = subprocess.run(
        # one engine: the rdflib rows run the same code with another engine name, at several seconds
        [sys.executable, "benchmarks/run.py", "--cases", "3", "--engines", "oxigraph", "--batch-cases", "4",
         "--floor-shacl-cases", "1", "--skip-process", "--batch-validators", "pyrudof",
         "--repeat", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout
    for heading in ("## Per stage", "## Floor", "fastest configuration", "## pyrudof validation",
                    "## Against the batch target", "## Batch", "## Per-case vs multi-case path",
                    "## glr batch, per-case vs multi-case"):
        assert heading in out, heading
    assert "same conforms verdict as pySHACL on 3/3" in out
    assert "cases/s" in out and "x" in out.split("## Floor")[1]
    # issue 17: CPU time per case, in process and over glr batch's worker processes
    assert "cases per CPU-second" in out.split("## Per-case vs multi-case path")[1]
    assert "CPU (all processes)" in out.split("## glr batch, per-case vs multi-case")[1]


def test_memory_py_reports_resident_size() -> None:
    run = subprocess.run(
        [sys.executable, "benchmarks/memory.py", "20", "--every", "10"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "MB" in run.stdout
