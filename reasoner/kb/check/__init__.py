"""The knowledge-base quality gate behind ``glr check``.

Why: the knowledge base is edited by several people. A rule without
evidence, a typo'd property that silently matches nothing, a catalogue
entry no rule produces or an unsatisfiable class must fail loudly, naming
the culprit, before anything is released.

:func:`check_knowledge_base` loads the knowledge base once
(:mod:`.loaded`) and runs every check of :data:`.registry.CHECKS` in order:

1. the ontology checks (:mod:`.checks.ontology`): structural OWL 2 DL
   lints and documentation, the OWL API OWL 2 DL profile check, HermiT
   over the core + the checked packs' ontologies (defined classes included), ``glr.owl`` in sync with
   ``glr.ttl``, the Protégé catalog resolving to local files;
2. the SHACL shapes in ``shapes/kb/`` over ontology + modules (pySHACL,
   :mod:`.checks.shapes`);
3. what SHACL cannot say, in Python: query files exist and parse with both
   rdflib and Oxigraph, rule id = file name, no orphan ``.rq`` file, a
   rule's result IRI matches its result type and catalogue id, a rule
   reads only results of earlier stages (:mod:`.checks.rules`); every
   ``glr:`` term used in a rule, rule metadata, catalogue or shape is
   defined in the ontology and every module term used is defined in its
   module (:mod:`.checks.terms`); catalogue ids are unique
   (:mod:`.checks.catalogue`).

:func:`run_check` runs one check alone. The result is a :class:`KbReport`
of :class:`CheckResult` records (each a list of
:class:`~reasoner.kb.problems.Problem`), rendered as text or JSON.
Nothing here raises on a broken knowledge base: broken is a report.

Adding a check: write ``def my_check(kb: LoadedKb, result: CheckResult) -> None``
in a module of :mod:`.checks` and add ``Check("my check", module.my_check)``
to :data:`.registry.CHECKS`.
"""

from __future__ import annotations

import time
from pathlib import Path

from ..problems import Problem, Severity
from .layout import KbLayout, resolve_layout
from .loaded import LoadedKb, load_kb
from .registry import CHECKS, Check, find_check, run_one
from .report import CheckResult, KbReport

__all__ = [
    "CheckResult",
    "KbReport",
    "KbLayout",
    "LoadedKb",
    "Check",
    "CHECKS",
    "resolve_layout",
    "load",
    "check_knowledge_base",
    "run_check",
    "Problem",
    "Severity",
]


def load(kb: Path | None = None) -> tuple[LoadedKb, CheckResult]:
    """Load the knowledge base at ``kb`` (default: the bundled one) once for any number of checks.

    Returns the loaded knowledge base and the "load" result (files that do
    not parse, no module found).
    """
    layout = resolve_layout(kb)
    result = CheckResult("load")
    started = time.perf_counter()
    data = load_kb(layout, result.problems)
    result.seconds = time.perf_counter() - started
    result.detail = f"ontology + {len(layout.modules)} module(s): " + ", ".join(m.name for m in layout.modules)
    if not layout.modules:
        result.problems.append(Problem("load", f"no guideline module (a directory with module.ttl) found under {layout.root}."))
    return data, result


def run_check(name: str, kb: Path | LoadedKb | None = None) -> CheckResult:
    """Run the one registered check called ``name`` over ``kb`` (a path, a loaded KB, or the bundled one)."""
    loaded = kb if isinstance(kb, LoadedKb) else load(kb)[0]
    return run_one(find_check(name), loaded)


def check_knowledge_base(
    kb: Path | None = None,
    *,
    reason: bool = True,
    profile: bool = True,
) -> KbReport:
    """Run every registered check over the knowledge base at ``kb`` (default: the bundled one).

    ``reason=False`` skips HermiT and ``profile=False`` the OWL API profile
    check (both start a JVM).
    """
    switches = {"reason": reason, "profile": profile}
    data, loaded = load(kb)
    checks = [loaded]
    checks += [run_one(check, data) for check in CHECKS if check.switch is None or switches[check.switch]]
    return KbReport(data.layout.root, checks)
