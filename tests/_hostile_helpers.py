"""Shared helpers for the hostile-input tests: run `glr` as a guarded subprocess."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = Path(__file__).resolve().parent / "hostile"
SEED = ROOT / "examples" / "seed-case.ttl"

# The child installs the network guard before importing anything of ours,
# and reports every blocked attempt on stderr; it records the files it opens
# and, at exit, reports those outside the repository, the temp dirs and the
# runtime's own files (the test's input lives in one of those).
_GUARDED = (
    "import atexit, json, os, sys, runpy\n"
    "from reasoner._runtime import netguard\n"
    "netguard.install(report_to_stderr=True)\n"
    "_recording = netguard.record_file_opens()\n"
    "_opened = _recording.__enter__()\n"
    "_allowed = json.loads(os.environ['GLR_TEST_ALLOWED_READ_ROOTS'])\n"
    "atexit.register(lambda: [print(f'glr-fileguard: opened {p}', file=sys.stderr) for p in netguard.outside(_opened, _allowed)])\n"
    "sys.argv = ['glr', *sys.argv[1:]]\n"
    "runpy.run_module('reasoner.cli', run_name='__main__')\n"
)


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def glr(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> Run:
    """`python -m reasoner.cli ARGS` with the network denied; never a traceback allowed."""
    from conftest_netguard import allowed_read_roots

    full_env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "GLR_TEST_ALLOWED_READ_ROOTS": json.dumps(allowed_read_roots()),
        **(env or {}),
    }
    proc = subprocess.run(
        [sys.executable, "-c", _GUARDED, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=full_env,
        timeout=timeout,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "glr-netguard: blocked" not in proc.stderr, proc.stderr
    assert "glr-fileguard: opened" not in proc.stderr, proc.stderr
    return Run(proc.returncode, proc.stdout, proc.stderr)


def copy_kb_template(module: Path) -> Path:
    """A copy of tests/hostile/kb-template that also reads post-fusion's case vocabulary.

    The hostile rules run on post-fusion cases (the seed, synthetic cases), whose
    classes and open value-set members live in that pack's ontology extension: the
    copy gets that file in its own ontology/ (the vocabulary, not post-fusion's rules).
    """
    shutil.copytree(HOSTILE / "kb-template", module)
    (module / "ontology").mkdir(exist_ok=True)
    shutil.copy(HOSTILE.parent.parent / "queries" / "postfusion" / "ontology" / "postfusion.ttl", module / "ontology")
    return module


def hostile_kb(tmp_path: Path, rule: str, *, port: int = 9) -> Path:
    """A copy of tests/hostile/kb-template with tests/hostile/rules/<rule>.rq as its one rule."""
    module = tmp_path / f"kb-{rule}"
    copy_kb_template(module)
    text = (HOSTILE / "rules" / f"{rule}.rq").read_text(encoding="utf-8").replace("PORT", str(port))
    (module / "rules" / "hostile.rq").write_text(text, encoding="utf-8")
    return module


class Listener:
    """A loopback TCP server that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()
