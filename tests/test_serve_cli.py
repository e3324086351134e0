"""`glr serve` as a user starts it: a subprocess, a port, curl-like requests, a clean stop."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

import starlette  # noqa: F401,E402  (a test dependency: fail loudly, never skip)
import uvicorn  # noqa: F401,E402  (a test dependency: fail loudly, never skip)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
GLR = "https://w3id.org/glr/ontology#"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(*args: str) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "reasoner.cli", "serve", *args, "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    return process, port


def _wait(process: subprocess.Popen[bytes], port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode() if process.stderr else "exited")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=1):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    raise AssertionError("glr serve did not answer in time")


def _stop(process: subprocess.Popen[bytes]) -> tuple[str, str]:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    out, err = process.communicate()
    return out.decode(), err.decode()


def test_glr_serve_examples_answers_and_stops_cleanly() -> None:
    process, port = _start("examples", "--timeout", "3", "--max-results", "50", "--workers", "1")
    try:
        _wait(process, port)
        query = f"SELECT ?r WHERE {{ ?r <{GLR}forCase> ?case }} LIMIT 20"
        url = f"http://127.0.0.1:{port}/sparql?" + urllib.parse.urlencode({"query": query})
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"}), timeout=10) as response:
            assert response.status == 200
            assert json.loads(response.read())["results"]["bindings"]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=10) as response:
            status = json.loads(response.read())
        assert status["limits"] == {"timeout_seconds": 3.0, "max_results": 50, "workers": 1}
        # examples/invalid/ is not read: only the files directly inside the directory are cases
        assert all("/invalid/" not in c["source"] for c in status["cases"])
    finally:
        out, err = _stop(process)
    assert f"http://127.0.0.1:{port}/sparql" in err
    assert process.returncode == 0, err


def test_glr_serve_rejects_a_missing_path() -> None:
    process, _ = _start("no-such-directory")
    out, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "no-such-directory" in err.decode() and "Traceback" not in err.decode()


def test_glr_serve_with_only_invalid_cases_exits_2() -> None:
    process, _ = _start("examples/invalid/two-patients.ttl")
    out, err = process.communicate(timeout=120)
    assert process.returncode == 2
    assert "skipped" in err.decode() and "Traceback" not in err.decode()
