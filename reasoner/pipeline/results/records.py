"""Typed result records: what a plan reports, field for field, with no RDF in them.

Why records rather than dicts: renderers, the hooks service and library
users read named fields; each record's ``to_json`` gives its part of the
JSON contract (json_contract.py), so the keys live in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rdflib import Graph

from ..timeline import AsOf
from ..unconsidered import UnconsideredFinding
from ..validation import ValidationReport
from . import json_contract

if TYPE_CHECKING:
    from ..interactions import Interaction

__all__ = [
    "Premise",
    "Evidence",
    "Criterion",
    "ExistingOrder",
    "SourceStatus",
    "UnconsideredFinding",
    "Reason",
    "Recommendation",
    "NotRecommended",
    "Caution",
    "InformationNeed",
    "Assessment",
    "RecommendationResult",
]


@dataclass(frozen=True)
class Premise:
    """One case fact a result rests on."""

    subject: str
    property: str
    value: str
    text: str

    def to_json(self) -> dict[str, Any]:
        return json_contract.premise(self)


@dataclass(frozen=True)
class Evidence:
    id: str
    statement: str
    source: str
    reference: tuple[int, ...]
    certainty: str
    conflicts_with: tuple[str, ...] = ()
    source_note: str = ""
    role: str = "supports"  # "supports" (glr:hasEvidence) or "background" (glr:hasBackgroundEvidence only)

    def to_json(self) -> dict[str, Any]:
        return json_contract.evidence(self)


@dataclass(frozen=True)
class Criterion:
    """A deriving rule's criterion in plain words (glr:criterion), thresholds included."""

    rule: str
    text: str

    def to_json(self) -> dict[str, Any]:
        return json_contract.criterion(self)


@dataclass(frozen=True)
class ExistingOrder:
    """An imaging study already ordered that a recommendation matches (glr:existingOrder): confirm it, never order twice."""

    subject: str
    status: str
    label: str

    def to_json(self) -> dict[str, Any]:
        return json_contract.existing_order(self)


@dataclass(frozen=True)
class SourceStatus:
    """A cited source and its review status (glr:reviewStatus), disclosed once per plan."""

    source: str
    status: str

    def to_json(self) -> dict[str, Any]:
        return json_contract.source_status(self)


@dataclass(frozen=True)
class Reason:
    condition: str
    state: str
    text: str

    def to_json(self) -> dict[str, Any]:
        return json_contract.reason(self)


@dataclass(frozen=True)
class _Derived:
    id: str
    label: str
    rule: str
    rules: tuple[str, ...]
    premises: tuple[Premise, ...]
    evidence: tuple[Evidence, ...]
    assessments: tuple[str, ...]
    notes: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    module: str = ""  # the directory name of the guideline module whose rule derived it


@dataclass(frozen=True)
class Recommendation(_Derived):
    priority: str = ""  # always set by the explainer: the JSON name of a level of the ontology's priority scale
    text: str | None = None
    deferred_by: tuple[str, ...] = ()  # ids of recommendations whose priority defers this one's
    conditional_on: tuple[str, ...] = ()  # ids of information needs raised here that this one rests on
    existing_order: ExistingOrder | None = None
    # how the priority shows in the output standards, read from the ontology's scale (not in the JSON)
    cds_hooks_indicator: str = "info"
    fhir_request_priority: str = "routine"

    def to_json(self) -> dict[str, Any]:
        return json_contract.recommendation(self)


@dataclass(frozen=True)
class NotRecommended(_Derived):
    reasons: tuple[Reason, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return json_contract.not_recommended(self)


@dataclass(frozen=True)
class Caution(_Derived):
    text: str = ""

    def to_json(self) -> dict[str, Any]:
        return json_contract.caution(self)


@dataclass(frozen=True)
class InformationNeed(_Derived):
    affects: tuple[str, ...] = ()
    affects_labels: tuple[str, ...] = ()  # the clinician's words for ``affects`` (Markdown only)

    def to_json(self) -> dict[str, Any]:
        return json_contract.information_need(self)


@dataclass(frozen=True)
class Assessment(_Derived):
    def to_json(self) -> dict[str, Any]:
        return json_contract.assessment(self)


@dataclass
class RecommendationResult:
    """Everything `glr recommend` reports for one case."""

    case: str
    source: str | None
    as_of: AsOf
    knowledge_base_version: str
    engine: str
    validation: ValidationReport
    recommendations: tuple[Recommendation, ...] = ()
    not_recommended: tuple[NotRecommended, ...] = ()
    cautions: tuple[Caution, ...] = ()
    information_needs: tuple[InformationNeed, ...] = ()
    assessments: tuple[Assessment, ...] = ()
    unconsidered_findings: tuple[UnconsideredFinding, ...] = ()
    source_status: tuple[SourceStatus, ...] = ()
    interactions: tuple[Interaction, ...] = ()  # pairs of the results above that interact (issue 16)
    case_graph: Graph = field(default_factory=Graph, repr=False)
    derivation_graph: Graph = field(default_factory=Graph, repr=False)
    timings: dict[str, float] = field(default_factory=dict, repr=False)

    def ids(self, kind: str) -> list[str]:
        return [r.id for r in getattr(self, kind)]

    def to_json(self) -> dict[str, Any]:
        return json_contract.recommendation_result(self)
