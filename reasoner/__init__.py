"""Knowledge-graph guideline reasoner.

    >>> from reasoner import recommend
    >>> result = recommend("examples/seed-case.ttl")   # doctest: +SKIP
    >>> [r.id for r in result.recommendations]          # doctest: +SKIP

The public API is assembled here from each module's __all__.
"""

from __future__ import annotations

from .errors import *  # noqa: F401,F403
from .errors import __all__ as _errors_all
from .kb.knowledge import KnowledgeBase, Rule, load_knowledge_base
from .pipeline.run import default_knowledge_base, recommend, validate
from .pipeline.results import (
    Assessment,
    Caution,
    Evidence,
    InformationNeed,
    NotRecommended,
    Premise,
    Reason,
    Recommendation,
    RecommendationResult,
)
from .pipeline.validation import Severity, ValidationReport, ValidationResult

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
