"""Explained results → CDS Hooks 2.0 cards.

Why a module of its own: the card is where the explanation reaches the
clinician, so each card carries the premises (naming the patient's own
FHIR resources), the evidence with its conflicts, and what was not
available — and follows the spec: summary under 140 characters, an
indicator from the priority, Markdown detail, a source naming the
knowledge-base version, a deterministic uuid, links, suggestions and
override reasons.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from ..pipeline.results import Evidence, Premise, RecommendationResult

__all__ = ["OVERRIDE_SYSTEM", "card_uuid", "plan_cards", "order_cards", "missing_data_card", "set_aside_card"]

OVERRIDE_SYSTEM = "https://w3id.org/glr/fhir/CodeSystem/override-reason"
OVERRIDE_REASONS = (
    {"code": "clinical-judgement", "system": OVERRIDE_SYSTEM, "display": "Clinical judgement differs for this patient"},
    {"code": "information-not-in-record", "system": OVERRIDE_SYSTEM, "display": "Relevant information is not in the record"},
    {"code": "patient-preference", "system": OVERRIDE_SYSTEM, "display": "Patient preference"},
)
_NS = uuid.UUID("6b0c4c1e-2f53-5a8e-9d0e-676c722d686b")  # uuid5 namespace of glr cards


def card_uuid(*parts: str) -> str:
    """Same service, case, result and knowledge base → same uuid (so feedback can be joined)."""
    return str(uuid.uuid5(_NS, "|".join(parts)))


def _summary(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) < 140 else text[:136].rstrip() + "…"


def _premises_md(premises: Iterable[Premise]) -> list[str]:
    return [f"- {p.text}" for p in premises]


def _evidence_md(evidence: Iterable[Evidence]) -> list[str]:
    lines = []
    for e in evidence:
        refs = ", ".join(str(n) for n in e.reference) or "no reference number"
        line = f"- {e.statement} ({e.source}, ref {refs}; certainty: {e.certainty})"
        if e.conflicts_with:
            line += f" — **conflicts with** {', '.join(e.conflicts_with)}"
        lines.append(line)
    return lines


def _detail(text: str | None, premises, evidence, notes: Iterable[str] = (), reasons: Iterable[str] = (), missing: Iterable[str] = (), reasons_heading: str = "Why not now") -> str:
    out: list[str] = []
    if text:
        out += [text, ""]
    reasons = list(reasons)
    if reasons:
        out += [f"**{reasons_heading}:**", *[f"- {r}" for r in reasons], ""]
    premises = list(premises)
    if premises:
        out += ["**Because (from this patient's record):**", *_premises_md(premises), ""]
    evidence = list(evidence)
    if evidence:
        out += ["**Evidence:**", *_evidence_md(evidence), ""]
    notes = list(notes)
    if notes:
        out += ["**Notes:**", *[f"- {n}" for n in notes], ""]
    missing = list(missing)
    if missing:
        out += [f"**Not available to this service:** {', '.join(missing)} — treated as unknown, not absent.", ""]
    return "\n".join(out).strip()


def _source(kb_version: str, module_label: str) -> dict[str, Any]:
    return {"label": f"glr — {module_label} (knowledge base {kb_version})"}


def _links(base_url: str, card_id: str) -> list[dict[str, Any]]:
    return [{"label": "Full explanation (premises, rules, evidence)", "url": f"{base_url}/explanations/{card_id}", "type": "absolute"}]


def plan_cards(
    result: RecommendationResult,
    *,
    service: str,
    module_label: str,
    base_url: str,
    missing: tuple[str, ...],
    suggestions: dict[str, list[dict[str, Any]]],
) -> list[tuple[str, dict[str, Any]]]:
    """(result id, card) for every recommendation, caution, not-indicated item and open question."""
    cards: list[tuple[str, dict[str, Any]]] = []
    version = result.knowledge_base_version

    def make(result_id: str, summary: str, indicator: str, detail: str, extra: dict[str, Any] | None = None) -> None:
        cid = card_uuid(service, result.case, result_id, version)
        card = {
            "uuid": cid,
            "summary": _summary(summary),
            "indicator": indicator,
            "detail": detail,
            "source": _source(version, module_label),
            "links": _links(base_url, cid),
        }
        if indicator != "info":
            card["overrideReasons"] = [dict(r) for r in OVERRIDE_REASONS]
        card.update(extra or {})
        cards.append((result_id, card))

    for r in result.recommendations:
        extra: dict[str, Any] = {}
        if suggestions.get(r.id):
            extra = {"suggestions": suggestions[r.id], "selectionBehavior": "at-most-one"}
        detail = _detail(r.text, r.premises, r.evidence, r.notes, missing=missing)
        if r.conditional_on:  # rests on an unknown: say so first (the kind's glr:conditionalOn, while that need is raised)
            needs = {n.id: n.label for n in result.information_needs}
            detail = ("**Conditional**: only if these turn out as assumed - "
                      + "; ".join(f"{needs.get(n, n)} (not yet checked)" for n in r.conditional_on) + ".\n\n" + detail)
        summary = f"{r.label} ({r.priority}{', conditional' if r.conditional_on else ''})"
        make(r.id, summary, r.cds_hooks_indicator, detail, extra)
    for r in result.not_recommended:
        reasons = [f"{x.text}: {x.state}" for x in r.reasons]
        make(r.id, f"Not indicated now: {r.label}", "info", _detail(None, r.premises, r.evidence, reasons=reasons, missing=missing))
    for c in result.cautions:
        make(c.id, f"Caution: {c.label}", "warning", _detail(c.text, c.premises, c.evidence, missing=missing))
    if result.information_needs:
        lines = [f"- **{n.label}** would change: {', '.join(n.affects) or '—'}" for n in result.information_needs]
        make("information-needs", "Information that would change this plan is not documented", "info", "\n".join(lines))
    return cards


def missing_data_card(*, service: str, case: str, kb_version: str, module_label: str, base_url: str, missing: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    """Say plainly which prefetch items were not available (unknown, not absent)."""
    cid = card_uuid(service, case, "missing-prefetch", kb_version)
    return "missing-prefetch", {
        "uuid": cid,
        "summary": _summary(f"Not available to this service: {', '.join(missing)}"),
        "indicator": "info",
        "detail": "These parts of the record were not sent with the request, so the advice treats them as **unknown** (never as absent): "
        + ", ".join(missing) + ".",
        "source": _source(kb_version, module_label),
        "links": _links(base_url, cid),
    }


def set_aside_card(
    *, service: str, case: str, kb_version: str, module_label: str, base_url: str, defects: tuple[str, ...], attributed: tuple[str, ...] = ()
) -> tuple[str, dict[str, Any]]:
    """Name each record defect the service accepted rather than refused, and what it did about it.

    ``defects``: FHIR R4 defects in elements no mapping rule reads (reasoner/fhir/leniency.py).
    ``attributed``: subjects that resolved to no one, read as the patient in context (reasoner/hooks/prefetch.py).
    """
    cid = card_uuid(service, case, "set-aside", kb_version, *defects, *attributed)
    parts: list[str] = []
    if defects:
        parts.append("The prefetch breaks FHIR R4 only in elements that no rule of the guideline modules reads, so the advice "
                     "cannot depend on them; they were set aside (an invalid value removed, nothing filled in). Please correct the record:\n\n"
                     + "\n".join(f"- {d}" for d in defects))
    if attributed:
        parts.append("These resources name a subject that is no resource of the request (or, for a draft order, none at all). "
                     "The request is about one patient, so they were read as that patient's; a subject naming another patient "
                     "would have been refused. Please correct the record:\n\n" + "\n".join(f"- {d}" for d in attributed))
    if defects and not attributed:
        summary = f"Record not valid FHIR R4 in {len(defects)} element(s) the advice does not read: accepted, named here"
    else:
        summary = f"Record defects in {len(defects) + len(attributed)} element(s): accepted, named here"
    return "set-aside", {
        "uuid": cid,
        "summary": _summary(summary),
        "indicator": "info",
        "detail": "\n\n".join(parts),
        "source": _source(kb_version, module_label),
        "links": _links(base_url, cid),
    }


def _where(side: Any) -> str:
    """A result side's module; a case-fact side (issue 16) is named as the record it is."""
    return side.module or "in the record"


def order_cards(
    result: RecommendationResult,
    *,
    service: str,
    module_label: str,
    base_url: str,
    order_ref: str,
    order_label: str,
    catalogue_ids: list[str],
    missing: tuple[str, ...],
) -> list[tuple[str, dict[str, Any]]]:
    """Cards about one draft order: a warning with reasons if not indicated, support if recommended."""
    version = result.knowledge_base_version
    cards: list[tuple[str, dict[str, Any]]] = []
    recs = {r.id: r for r in result.recommendations}
    nots = {r.id: r for r in result.not_recommended}
    for cat in catalogue_ids:
        cid = card_uuid(service, result.case, order_ref, cat, version)
        if cat in nots:
            r = nots[cat]
            reasons = [f"{x.text}: {x.state}" for x in r.reasons]
            cards.append((cat, {
                "uuid": cid,
                "summary": _summary(f"{order_label}: not indicated now ({r.label})"),
                "indicator": "warning",
                "detail": _detail(None, r.premises, r.evidence, reasons=reasons, missing=missing),
                "source": _source(version, module_label),
                "links": _links(base_url, cid),
                "overrideReasons": [dict(x) for x in OVERRIDE_REASONS],
            }))
        elif cat in recs:
            r = recs[cat]
            cards.append((cat, {
                "uuid": cid,
                "summary": _summary(f"{order_label}: supported — {r.label} ({r.priority})"),
                "indicator": r.cds_hooks_indicator,
                "detail": _detail(r.text, r.premises, r.evidence, r.notes, missing=missing),
                "source": _source(version, module_label),
                "links": _links(base_url, cid),
                **({"overrideReasons": [dict(x) for x in OVERRIDE_REASONS]} if r.cds_hooks_indicator != "info" else {}),
            }))
    for x in result.interactions:  # the ordered action takes part in an interaction: warn, with both sides (issue 16)
        if not set(x.between) & set(catalogue_ids):
            continue
        cid = card_uuid(service, result.case, order_ref, x.id, version)
        others = "; ".join(f"{s.label} ({_where(s)})" for s in x.sides if s.case_fact is not None or s.id not in catalogue_ids) or "another item of this plan"
        reasons = [f"{s.label} ({_where(s)}): {s.text}" for s in x.sides]
        text = x.text
        if x.conditional:
            text = ("**Conditional**: only if " + "; ".join(f"{f.label} is still taken (not recorded)" for f in x.case_facts) + ".\n\n" + text)
        cards.append((x.id, {
            "uuid": cid,
            "summary": _summary(f"{order_label}: {x.label.lower()}{' (conditional)' if x.conditional else ''} with {others}"),
            "indicator": "warning",
            "detail": _detail(text, x.premises, x.evidence, reasons=reasons, missing=missing, reasons_heading="Both sides"),
            "source": _source(version, module_label),
            "links": _links(base_url, cid),
            "overrideReasons": [dict(r) for r in OVERRIDE_REASONS],
        }))
    return cards
