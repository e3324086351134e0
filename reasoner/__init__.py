"""Knowledge-graph guideline reasoner.

    >>> from reasoner import recommend
    >>> result = recommend("examples/seed-case.ttl")   # doctest: +SKIP
    >>> [r.id for r in result.recommendations]          # doctest: +SKIP

The public API is assembled here from each module's __all__.
"""

from __future__ import annotations

import importlib
from typing import Any

from .errors import *  # noqa: F401,F403
from .errors import __all__ as _errors_all

#: the rest of the public API, imported on first use (PEP 562): ``glr batch``'s parent process and
#: its worker server import this package only to reach the command line (issue 17: 0.17 s each)
_LAZY = {
    "KnowledgeBase": ".kb.knowledge",
    "Rule": ".kb.knowledge",
    "load_knowledge_base": ".kb.knowledge",
    "default_knowledge_base": ".pipeline.run",
    "recommend": ".pipeline.run",
    "validate": ".pipeline.run",
    "Assessment": ".pipeline.results",
    "Caution": ".pipeline.results",
    "Evidence": ".pipeline.results",
    "InformationNeed": ".pipeline.results",
    "NotRecommended": ".pipeline.results",
    "Premise": ".pipeline.results",
    "Reason": ".pipeline.results",
    "Recommendation": ".pipeline.results",
    "RecommendationResult": ".pipeline.results",
    "Severity": ".pipeline.validation",
    "ValidationReport": ".pipeline.validation",
    "ValidationResult": ".pipeline.validation",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__version__ = "0.1.0"

__all__ = [
    *_errors_all,
    "KnowledgeBase",
    "Rule",
    "load_knowledge_base",
    "default_knowledge_base",
    "recommend",
    "validate",
    "Assessment",
    "Caution",
    "Evidence",
    "InformationNeed",
    "NotRecommended",
    "Premise",
    "Reason",
    "Recommendation",
    "RecommendationResult",
    "Severity",
    "ValidationReport",
    "ValidationResult",
]
