"""Typed results of one case: the records, their JSON contract and the explainer that builds them.

Why a package: records.py holds the result records, json_contract.py
their JSON keys, explainer.py reads the derivation graph back into
records; callers import all three from here.
"""

from __future__ import annotations

from .explainer import explain
from .records import (
    Assessment,
    Caution,
    Criterion,
    Evidence,
    ExistingOrder,
    InformationNeed,
    NotRecommended,
    Premise,
    Reason,
    Recommendation,
    RecommendationResult,
    SourceStatus,
    UnconsideredFinding,
)

__all__ = [
    "Assessment",
    "Caution",
    "Criterion",
    "Evidence",
    "ExistingOrder",
    "InformationNeed",
    "NotRecommended",
    "Premise",
    "Reason",
    "Recommendation",
    "RecommendationResult",
    "SourceStatus",
    "UnconsideredFinding",
    "explain",
]
