"""The list of knowledge-base checks ``glr check`` runs, and how one is run.

Why a registry: each check is a plain function
(``check(kb: LoadedKb, result: CheckResult) -> None``) that can run alone
— a test breaking one thing runs only the check that must catch it — and
adding a check is one function plus one line in :data:`CHECKS`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from ..problems import Problem
from .checks import catalogue
from .checks import ontology
from .checks import promises
from .checks import rules
from .checks import shapes
from .checks import terms
from .loaded import LoadedKb
from .report import CheckResult

__all__ = ["Check", "CheckFunction", "CHECKS", "find_check", "run_one"]

CheckFunction = Callable[[LoadedKb, CheckResult], None]


@dataclass(frozen=True)
class Check:
    """A named check; ``switch`` names the ``check_knowledge_base`` option that can turn it off."""

    name: str
    run: CheckFunction
    switch: str | None = None


#: Every check, in the order of the report. The name is what the report and
#: the JSON output call it.
CHECKS: tuple[Check, ...] = (
    Check("ontology structure and documentation", ontology.structure_and_documentation),
    Check("OWL 2 DL profile", ontology.owl2_dl_profile, switch="profile"),
    Check("DL reasoner", ontology.dl_reasoner, switch="reason"),
    Check("RDF/XML in sync", ontology.rdfxml_in_sync),
    Check("Protégé catalog", ontology.protege_catalog),
    Check("knowledge-base shapes (SHACL)", shapes.kb_shapes),
    Check("rules", rules.rules),
    Check("terms defined", terms.terms_defined),
    Check("catalogue ids", catalogue.catalogue_ids),
    Check("texts match the rules", promises.texts_match_the_rules),
)


def find_check(name: str) -> Check:
    """The registered check called ``name``; KeyError lists the known names."""
    for check in CHECKS:
        if check.name == name:
            return check
    raise KeyError(f"no check named {name!r}; known: {', '.join(c.name for c in CHECKS)}")


def run_one(check: Check, kb: LoadedKb) -> CheckResult:
    """Run one check, timed; a check that crashes is itself a finding, never a traceback."""
    result = CheckResult(check.name)
    started = time.perf_counter()
    try:
        check.run(kb, result)
    except Exception as exc:
        result.problems.append(Problem(check.name, f"the check itself failed: {type(exc).__name__}: {exc}"))
    result.seconds = time.perf_counter() - started
    return result
