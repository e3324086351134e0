"""`glr batch`: one record per case, nothing dropped, resumable, same records on every executor."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reasoner.batch import BatchConfig, iter_cases, run_batch

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SEED = EXAMPLES / "seed-case.ttl"
KEYS = ["case_source", "status", "result", "validation", "error", "error_type"]


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture()
def cases(tmp_path: Path) -> Path:
    """Two valid cases, one invalid, one broken file."""
    folder = tmp_path / "cases"
    folder.mkdir()
    shutil.copy(SEED, folder / "a-seed.ttl")
    shutil.copy(EXAMPLES / "seed-case.jsonld", folder / "b-seed.jsonld")
    shutil.copy(EXAMPLES / "invalid" / "finding-without-status.ttl", folder / "c-invalid.ttl")
    (folder / "d-broken.ttl").write_text("this is not Turtle at all {{{", encoding="utf-8")
    return folder


def test_every_case_gets_a_record_and_the_broken_one_an_error(cases: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.ndjson"
    summary = run_batch(cases, out, config=BatchConfig(engine="oxigraph"), workers=1)
    records = _records(out)
    assert [Path(r["case_source"]).name for r in records] == ["a-seed.ttl", "b-seed.jsonld", "c-invalid.ttl", "d-broken.ttl"]
    assert all(list(r) == KEYS for r in records)
    ok, jsonld, invalid, broken = records
    assert ok["status"] == jsonld["status"] == "ok"
    assert "repeat-lumbar-ct" in [r["id"] for r in ok["result"]["recommendations"]]
    assert ok["result"]["recommendations"] == jsonld["result"]["recommendations"]
    assert invalid["status"] == "invalid" and invalid["result"] is None
    assert invalid["validation"]["conforms"] is False and invalid["validation"]["violations"]
    assert broken["status"] == "error" and "d-broken.ttl" in broken["error"] and broken["result"] is None
    assert (summary.cases, summary.conforming, summary.invalid, summary.failed) == (4, 2, 1, 1)
    assert summary.exit_code == 2
    text = summary.to_text()
    assert "recommendations by id" in text and "repeat-lumbar-ct" in text


def test_resume_skips_what_is_written_and_repairs_a_cut_line(cases: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.ndjson"
    run_batch(cases, out, config=BatchConfig(engine="oxigraph"), workers=1)
    full = _records(out)
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    out.write_text(lines[0] + lines[1][:40], encoding="utf-8")  # killed while writing record 2
    summary = run_batch(cases, out, config=BatchConfig(engine="oxigraph"), workers=1, resume=True)
    assert summary.resumed == 1 and summary.processed == 3 and summary.cases == 4
    assert _records(out) == full
    again = run_batch(cases, out, config=BatchConfig(engine="oxigraph"), workers=1, resume=True)
    assert again.processed == 0 and again.cases == 4
    assert _records(out) == full


def test_nquads_trig_and_ndjson_inputs(tmp_path: Path) -> None:
    import pyoxigraph as ox

    seed = list(ox.parse(path=str(SEED), format=ox.RdfFormat.TURTLE))
    quads = [
        ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(f"https://w3id.org/glr/test/batch/{name}"))
        for name in ("one", "two")
        for t in seed
    ]
    quads.append(ox.Quad(ox.NamedNode("https://x/s"), ox.NamedNode("https://x/p"), ox.NamedNode("https://x/o")))  # no case
    nq, trig = tmp_path / "cases.nq", tmp_path / "cases.trig"
    ox.serialize(quads, output=str(nq), format=ox.RdfFormat.N_QUADS)
    ox.serialize(quads, output=str(trig), format=ox.RdfFormat.TRIG)
    for path in (nq, trig):
        out = tmp_path / f"{path.suffix[1:]}.ndjson"
        run_batch(path, out, config=BatchConfig(engine="oxigraph"), workers=1)
        records = {r["case_source"].split("#", 1)[1]: r for r in _records(out)}
        assert records["https://w3id.org/glr/test/batch/one"]["status"] == "ok"
        assert records["https://w3id.org/glr/test/batch/two"]["status"] == "ok"
        assert records["default-graph"]["status"] == "error"
        assert "named graph" in records["default-graph"]["error"]

    ndjson = tmp_path / "cases.ndjson"
    doc = json.loads((EXAMPLES / "seed-case.jsonld").read_text(encoding="utf-8"))
    ndjson.write_text(json.dumps(doc) + "\n\n" + '{"@context": "http://attacker.invalid/c"}\n' + "not json\n", encoding="utf-8")
    out = tmp_path / "nd.ndjson"
    run_batch(ndjson, out, config=BatchConfig(engine="oxigraph"), workers=1)
    records = _records(out)
    assert [r["case_source"].rsplit(":", 1)[1] for r in records] == ["1", "3", "4"]
    assert [r["status"] for r in records] == ["ok", "error", "error"]
    assert "refused" in records[1]["error"]


def test_derivations_are_one_named_graph_per_case(cases: Path, tmp_path: Path) -> None:
    import pyoxigraph as ox

    out, nq = tmp_path / "out.ndjson", tmp_path / "derivations.nq"
    run_batch(cases, out, config=BatchConfig(engine="oxigraph"), workers=1, derivations=nq)
    quads = list(ox.parse(path=str(nq), format=ox.RdfFormat.N_QUADS))
    assert quads
    assert {q.graph_name.value for q in quads} == {"https://w3id.org/glr/examples/seed-case/case"}
    assert any(q.predicate.value == "http://www.w3.org/ns/prov#wasGeneratedBy" for q in quads)


def test_process_pool_gives_the_serial_records(cases: Path, tmp_path: Path) -> None:
    serial, pooled = tmp_path / "serial.ndjson", tmp_path / "pooled.ndjson"
    run_batch(cases, serial, config=BatchConfig(engine="oxigraph"), workers=1)
    summary = run_batch(cases, pooled, config=BatchConfig(engine="oxigraph"), workers=2, chunk_size=1)
    assert summary.executor == "local" and summary.workers == 2
    assert _records(pooled) == _records(serial)


def test_sources_are_stable_and_hidden_files_skipped(cases: Path) -> None:
    (cases / ".hidden.ttl").write_text("x", encoding="utf-8")
    (cases / "sub").mkdir()
    shutil.copy(SEED, cases / "sub" / "e.ttl")
    names = [Path(item.source).name for item in iter_cases(cases)]
    assert names == ["a-seed.ttl", "b-seed.jsonld", "c-invalid.ttl", "d-broken.ttl", "e.ttl"]


def test_cli_batch_writes_records_and_a_summary(cases: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.ndjson"
    summary_json = tmp_path / "summary.json"
    proc = subprocess.run(
        [sys.executable, "-m", "reasoner.cli", "batch", str(cases), "--out", str(out), "--engine", "oxigraph",
         "--workers", "1", "--summary-json", str(summary_json)],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300,
    )
    assert proc.returncode == 2, proc.stderr  # one case unreadable
    assert "Traceback" not in proc.stderr
    assert "\r" not in proc.stderr  # no progress bar when stderr is not a terminal
    assert "conforming" in proc.stdout and "recommendations by id" in proc.stdout
    assert len(_records(out)) == 4
    assert json.loads(summary_json.read_text(encoding="utf-8"))["failed"] == 1


def test_cli_batch_rejects_bad_usage(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "reasoner.cli", "batch", str(tmp_path / "missing"), "--out", str(tmp_path / "o.ndjson")],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120,
    )
    assert proc.returncode == 2
    assert "no such file or directory" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pty test written for Linux")
def test_progress_bar_with_rate_and_eta_on_a_terminal(tmp_path: Path) -> None:
    import fcntl
    import pty
    import struct
    import termios

    folder = tmp_path / "cases"
    folder.mkdir()
    shutil.copy(SEED, folder / "a.ttl")
    shutil.copy(SEED, folder / "b.ttl")
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "reasoner.cli", "batch", str(folder), "--out", str(tmp_path / "o.ndjson"),
         "--workers", "1", "--engine", "oxigraph"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=slave, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    os.close(slave)
    output = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(master)
    assert proc.wait(timeout=120) == 0
    frames = output.decode("utf-8", "replace").replace("\r", "\n").splitlines()
    final = [f for f in frames if "2/2" in f]
    # a rate (tqdm writes "case/s", or "s/case" when a case takes over a second) and elapsed<remaining (ETA)
    assert final and re.search(r"\d(?: ?case/s|s/case)", final[-1]) and "<" in final[-1], final[-1:]
