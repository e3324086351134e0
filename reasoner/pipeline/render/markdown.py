"""Markdown output: a plan a clinician can check line by line.

Why this layout: the clinician reads labels, criteria, case facts and
evidence; catalogue and rule ids (kept for traceability, and in the JSON)
go to one trailing "Detail" line per item, never into the sentences. The
output is CommonMark: nested lists are indented by the width of their
parent's marker ("1. " is three columns), so each item's facts render as
its own sub-list (checked with a CommonMark parser in tests/explain/).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..results import Assessment, Caution, Criterion, Evidence, InformationNeed, NotRecommended, Premise, Recommendation, RecommendationResult
from .sanitize import sanitized_output

__all__ = ["render_markdown"]


def _sentence(text: str) -> str:
    """``text`` closed by exactly one full stop (or its own ? or !), so appending to it never doubles punctuation."""
    text = text.rstrip().rstrip(".").rstrip()
    return text if text.endswith(("?", "!")) else f"{text}."


def _evidence_line(e: Evidence) -> str:
    refs = ", ".join(str(n) for n in e.reference) or "no reference number"
    noun = "refs" if len(e.reference) > 1 else "ref"
    kind = "Evidence" if e.role == "supports" else "Background"
    line = f"{kind} [{noun} {refs}; grade {e.certainty}]: {_sentence(e.statement)}"
    if e.conflicts_with:
        line += " ⚠ The source contradicts itself here: another of its statements gives a different figure."
    return line


def _details(
    premises: Iterable[Premise] = (),
    evidence: Iterable[Evidence] = (),
    criteria: Iterable[Criterion] = (),
    notes: Iterable[str] = (),
    assessments: Iterable[str] = (),
) -> list[str]:
    """The explanation lines of one item: criteria, case facts, assessments, notes, then supporting and background evidence."""
    evidence = list(evidence)
    lines = [f"Criterion: {_sentence(c.text)}" for c in criteria]
    lines += [f"Because: {p.text}" for p in premises]
    assessments = list(assessments)
    if assessments:
        lines.append(f"Rests on the assessment(s): {'; '.join(assessments)}")
    lines += [f"Note: {n}" for n in notes]
    lines += [_evidence_line(e) for e in evidence if e.role == "supports"]
    lines += [_evidence_line(e) for e in evidence if e.role != "supports"]
    return lines


def _detail_ids(item_id: str, rules: Iterable[str] = (), evidence: Iterable[Evidence] = (), module: str = "") -> str:
    """The trailing traceability line: ids belong here, not in the clinician's sentences."""
    parts = [f"id {item_id}"]
    if module:
        parts.append(f"module {module}")
    rules = list(rules)
    if rules:
        parts.append(f"rule {', '.join(rules)}")
    conflicts = sorted({f"{e.id} ↔ {other}" for e in evidence for other in e.conflicts_with if e.id < other})
    if conflicts:
        parts.append(f"conflicting statements {'; '.join(conflicts)}")
    return "Detail: " + " · ".join(parts)


def _item(marker: str, head: str, lines: list[str]) -> list[str]:
    """One list item: its head line and its explanation as a nested list, indented under the marker."""
    indent = " " * (len(marker) + 1)
    return [f"{marker} {head}", *(f"{indent}- {line}" for line in lines)]


def _recommendation(number: int, r: Recommendation, result: RecommendationResult) -> list[str]:
    labels = {x.id: x.label for x in result.recommendations}
    needs = {n.id: n.label for n in result.information_needs}
    assessments = {a.id: a.label for a in result.assessments}
    lines: list[str] = []
    if r.conditional_on:
        lines.append(
            "Conditional: only if these allow it - "
            + "; ".join(f"{needs.get(n, n)} (not yet checked)" for n in r.conditional_on)
        )
    if r.text:
        lines.append(r.text)
    if r.existing_order:
        order = r.existing_order
        lines.append(f"Already ordered: {order.label} ({order.status}); confirm or expedite it rather than ordering it again")
    if r.deferred_by:
        lines.append("Waits for: " + "; ".join(labels.get(i, i) for i in r.deferred_by))
    lines += _details(r.premises, r.evidence, r.criteria, r.notes, (assessments.get(a, a) for a in r.assessments))
    lines.append(_detail_ids(r.id, r.rules or (r.rule,), r.evidence, _shown_module(r, result)))
    lines += _interactions("recommendation", r.id, result)
    return _item(f"{number}.", f"**{r.label}** — priority: {r.priority}", lines)


def _anchor(result: RecommendationResult) -> dict[str, tuple[str, str]]:
    """Each interaction's anchor: the side shown first in the plan (the item it affects most), as (list, id)."""
    plan = [("recommendation", r.id) for r in result.recommendations if not r.deferred_by]
    plan += [("recommendation", r.id) for r in result.recommendations if r.deferred_by]
    plan += [("not-recommended", r.id) for r in result.not_recommended] + [("caution", c.id) for c in result.cautions]
    place = {key: i for i, key in enumerate(plan)}
    anchors = {}
    for x in result.interactions:
        sides = [(s.result, s.id) for s in x.sides]
        anchors[x.id] = min(sides, key=lambda key: place.get(key, len(place)))
    return anchors


def _interactions(kind: str, item_id: str, result: RecommendationResult) -> list[str]:
    """Under the item an interaction affects most: the whole interaction, both sides' reasons and evidence, once.

    Under its other side: one line pointing back, so a repeated action is shown once.
    """
    lines: list[str] = []
    anchors = _anchor(result)
    for x in result.interactions:
        mine = next((s for s in x.sides if (s.result, s.id) == (kind, item_id)), None)
        if mine is None:
            continue
        other = next(s for s in x.sides if s is not mine)
        if anchors[x.id] != (kind, item_id):
            lines.append(f"⚠ Interaction ({x.label.lower()}) with **{other.label}**: shown there, with both reasons")
            continue
        through = "; ".join([*x.through_actions, *x.through_effects])
        with_what = (" and ".join(f"**{f.label}**" for f in x.case_facts) + " (in the patient's record)") if x.case_facts else f"**{other.label}**"
        lines.append(f"⚠ Interaction — {x.label} with {with_what}" + (f" (through: {through})" if through else "") + f": {_sentence(x.text)}")
        if x.conditional:  # a case fact of unknown status: shown, never dropped, and said to be conditional
            lines.append("Conditional: only if " + "; ".join(f"{f.label} is still taken (not recorded)" for f in x.case_facts) + ".")
        lines += [
            f"Case fact ({s.label}, {'current' if s.status == 'current' else 'status unknown'}): {_sentence(s.text)}" if s.case_fact is not None
            else f"Reason ({s.module or 'unnamed module'}, {s.label}): {_sentence(s.text)}"
            for s in x.sides
        ]
        lines += [_evidence_line(e) for e in x.evidence if e.role == "supports"]
        lines += [_evidence_line(e) for e in x.evidence if e.role != "supports"]
        between = [*x.between, *(f"case fact {f.case_fact}" for f in x.case_facts)]
        lines.append(f"Detail: interaction {x.id} · rule {x.rule} · between {' and '.join(between)}")
    return lines


def _modules(result: RecommendationResult) -> dict[str, list[str]]:
    """Each module that derived something, with the labels of its results, in plan order."""
    found: dict[str, list[str]] = {}
    for group in (result.recommendations, result.not_recommended, result.cautions, result.information_needs, result.assessments):
        for item in group:
            found.setdefault(item.module, []).append(item.label)
    return found


def _shown_module(item: Recommendation | NotRecommended | Caution | InformationNeed | Assessment, result: RecommendationResult) -> str:
    """The item's module, named in its Detail line only when more than one module speaks on the case."""
    return item.module if len(_modules(result)) > 1 else ""


def _by_module(result: RecommendationResult) -> list[str]:
    """When several modules speak: the plan's items grouped by module (the plan itself stays in priority order)."""
    modules = _modules(result)
    if len(modules) < 2:
        return []
    out = ["## By guideline module", "",
           "The plan above is ordered by priority across every module; here is what each module said.", ""]
    out += [f"- **{module or 'unnamed module'}**: {'; '.join(labels)}" for module, labels in modules.items()]
    out.append("")
    return out


@sanitized_output  # case text is escaped and bounded per value (issue 11); keep on any rewrite
def render_markdown(result: RecommendationResult) -> str:
    out = [f"# Plan for {result.case or result.source}", ""]
    out.append(f"- As-of date: {result.as_of.describe()}")
    out.append(f"- Knowledge base: {result.knowledge_base_version}; engine: {result.engine}")
    if result.source:
        out.append(f"- Case file: {result.source}")
    out += [f"- Source status: {s.source}: {s.status}" for s in result.source_status]
    out.append("")
    if not result.validation.conforms:
        out += ["## The case does not conform — no recommendations were derived", "", "```", result.validation.to_text().rstrip(), "```", ""]
        return "\n".join(out) + "\n"
    if result.validation.warnings:
        out += ["## Validation warnings", ""]
        out += [f"- {w.message} ({w.focus_label or w.focus_node})" for w in result.validation.warnings]
        out.append("")
    now = [rec for rec in result.recommendations if not rec.deferred_by]
    later = [rec for rec in result.recommendations if rec.deferred_by]
    out += ["## Recommended next steps", ""]
    if not result.recommendations:
        out += ["None derived.", ""]
    for i, rec in enumerate(now, 1):
        out += _recommendation(i, rec, result)
    out.append("")
    if later:
        out += ["## Deferred until the items above are dealt with", ""]
        for i, rec in enumerate(later, len(now) + 1):
            out += _recommendation(i, rec, result)
        out.append("")
    if result.not_recommended:
        out += ["## Not indicated now", ""]
        for no in result.not_recommended:
            lines = [f"{reason.text}: {reason.state}" for reason in no.reasons]
            lines += _details(no.premises, no.evidence, no.criteria)
            lines.append(_detail_ids(no.id, (no.rule,), no.evidence, _shown_module(no, result)))
            lines += _interactions("not-recommended", no.id, result)
            out += _item("-", f"**{no.label}** is not indicated:", lines)
        out.append("")
    if result.cautions:
        out += ["## Cautions", ""]
        for c in result.cautions:
            lines = _details(c.premises, c.evidence, c.criteria)
            lines.append(_detail_ids(c.id, (c.rule,), c.evidence, _shown_module(c, result)))
            lines += _interactions("caution", c.id, result)
            out += _item("-", f"**{c.label}**: {c.text}", lines)
        out.append("")
    if result.information_needs:
        out += ["## Information that would change this plan", ""]
        for n in result.information_needs:
            head = f"**{n.label}** is not documented; it affects: {'; '.join(n.affects_labels or n.affects) or '—'}"
            out += _item("-", head, [*(f"Criterion: {_sentence(c.text)}" for c in n.criteria), _detail_ids(n.id, (n.rule,), module=_shown_module(n, result))])
        out.append("")
    if result.unconsidered_findings:
        out += [
            "## Findings this plan did not consider",
            "",
            "No rule of the loaded knowledge base reads these present findings: assess them outside this plan.",
            "",
        ]
        out += [f"- {f.label}" for f in result.unconsidered_findings]
        out.append("")
    if result.assessments:
        out += ["## Interpretive assessments", ""]
        for a in result.assessments:
            lines = _details(a.premises, a.evidence, a.criteria)
            lines.append(_detail_ids(a.id, (a.rule,), a.evidence, _shown_module(a, result)))
            out += _item("-", f"**{a.label}**", lines)
        out.append("")
    out += _by_module(result)
    groups = (result.recommendations, result.not_recommended, result.cautions, result.assessments)
    sources = sorted({(e.source, e.source_note) for group in (*groups, result.interactions) for item in group for e in item.evidence})
    if sources:
        out += ["## Sources", "", "Reference numbers above are the source document's own numbered references.", ""]
        out += [f"- {name}" + (f" — {note}" if note else "") for name, note in sources]
        out.append("")
    out.append("_Decision support only: every line above traces to the case facts and source statements shown; verify against the primary literature and clinical judgement._")
    return "\n".join(out) + "\n"
