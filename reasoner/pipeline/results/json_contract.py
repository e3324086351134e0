"""The JSON contract: the keys, their order and their values for every result record.

Why one module: ``glr recommend --format json``, the endpoint, the hooks
service and ``scripts/compare-json`` all print what these functions
return; a key changes here only on purpose and is documented in the README.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    )

__all__ = [
    "premise",
    "evidence",
    "criterion",
    "existing_order",
    "source_status",
    "reason",
    "recommendation",
    "not_recommended",
    "caution",
    "information_need",
    "assessment",
    "recommendation_result",
]


def premise(record: Premise) -> dict[str, Any]:
    return {"subject": record.subject, "property": record.property, "value": record.value, "text": record.text}


def evidence(record: Evidence) -> dict[str, Any]:
    return {
        "id": record.id,
        "statement": record.statement,
        "source": record.source,
        "reference": list(record.reference),
        "certainty": record.certainty,
        "conflicts_with": list(record.conflicts_with),
        "source_note": record.source_note,
        "role": record.role,
    }


def criterion(record: Criterion) -> dict[str, Any]:
    return {"rule": record.rule, "text": record.text}


def existing_order(record: ExistingOrder) -> dict[str, Any]:
    return {"subject": record.subject, "status": record.status, "label": record.label}


def source_status(record: SourceStatus) -> dict[str, Any]:
    return {"source": record.source, "status": record.status}


def reason(record: Reason) -> dict[str, Any]:
    return {"condition": record.condition, "state": record.state, "text": record.text}


def recommendation(record: Recommendation) -> dict[str, Any]:
    return {
        "id": record.id,
        "label": record.label,
        "text": record.text,
        "priority": record.priority,
        "rule": record.rule,
        "module": record.module,
        "rules": list(record.rules),
        "based_on_assessments": list(record.assessments),
        "premises": [p.to_json() for p in record.premises],
        "evidence": [e.to_json() for e in record.evidence],
        "notes": list(record.notes),
        "criteria": [c.to_json() for c in record.criteria],
        "deferred_by": list(record.deferred_by),
        "conditional_on": list(record.conditional_on),
        "existing_order": record.existing_order.to_json() if record.existing_order else None,
    }


def not_recommended(record: NotRecommended) -> dict[str, Any]:
    return {
        "id": record.id,
        "label": record.label,
        "rule": record.rule,
        "module": record.module,
        "reasons": [r.to_json() for r in record.reasons],
        "premises": [p.to_json() for p in record.premises],
        "evidence": [e.to_json() for e in record.evidence],
        "criteria": [c.to_json() for c in record.criteria],
    }


def caution(record: Caution) -> dict[str, Any]:
    return {
        "id": record.id,
        "label": record.label,
        "text": record.text,
        "rule": record.rule,
        "module": record.module,
        "based_on_assessments": list(record.assessments),
        "premises": [p.to_json() for p in record.premises],
        "evidence": [e.to_json() for e in record.evidence],
        "criteria": [c.to_json() for c in record.criteria],
    }


def information_need(record: InformationNeed) -> dict[str, Any]:
    return {
        "id": record.id,
        "label": record.label,
        "affects": list(record.affects),
        "rule": record.rule,
        "module": record.module,
        "premises": [p.to_json() for p in record.premises],
        "criteria": [c.to_json() for c in record.criteria],
    }


def assessment(record: Assessment) -> dict[str, Any]:
    return {
        "id": record.id,
        "label": record.label,
        "rule": record.rule,
        "module": record.module,
        "premises": [p.to_json() for p in record.premises],
        "evidence": [e.to_json() for e in record.evidence],
        "criteria": [c.to_json() for c in record.criteria],
    }


def recommendation_result(record: RecommendationResult) -> dict[str, Any]:
    return {
        "case": record.case,
        "source": record.source,
        "as_of": record.as_of.date.isoformat(),
        "as_of_source": record.as_of.source.value,
        "knowledge_base": {"version": record.knowledge_base_version},
        "engine": record.engine,
        "validation": {
            "conforms": record.validation.conforms,
            "warnings": [w for w in record.validation.to_json()["warnings"]],
        },
        "recommendations": [r.to_json() for r in record.recommendations],
        "not_recommended": [r.to_json() for r in record.not_recommended],
        "cautions": [r.to_json() for r in record.cautions],
        "information_needs": [r.to_json() for r in record.information_needs],
        "assessments": [r.to_json() for r in record.assessments],
        "unconsidered_findings": [f.to_json() for f in record.unconsidered_findings],
        "source_status": [s.to_json() for s in record.source_status],
        "interactions": [i.to_json() for i in record.interactions],
    }
