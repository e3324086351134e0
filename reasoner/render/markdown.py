"""Markdown output: a plan a clinician can check line by line."""

from __future__ import annotations

from ..results import Evidence, Premise, RecommendationResult
from .sanitize import sanitized_output

__all__ = ["render_markdown"]


def _evidence_lines(evidence: tuple[Evidence, ...], indent: str = "  ") -> list[str]:
    lines = []
    for e in evidence:
        refs = ", ".join(str(n) for n in e.reference) or "no reference number"
        noun = "refs" if len(e.reference) > 1 else "ref"
        line = f"{indent}- Evidence [{noun} {refs}; grade {e.certainty}]: {e.statement}"
        if e.conflicts_with:
            line += f". ⚠ The source contradicts itself here: see also {', '.join(e.conflicts_with)}"
        lines.append(line)
    return lines


def _premise_lines(premises: tuple[Premise, ...], indent: str = "  ") -> list[str]:
    return [f"{indent}- Because: {p.text}" for p in premises]


@sanitized_output  # case text is escaped and bounded per value (issue 11); keep on any rewrite
def render_markdown(result: RecommendationResult) -> str:
    out = [f"# Plan for {result.case or result.source}", ""]
    out.append(f"- As-of date: {result.as_of.describe()}")
    out.append(f"- Knowledge base: {result.knowledge_base_version}; engine: {result.engine}")
    if result.source:
        out.append(f"- Case file: {result.source}")
    out.append("")
    if not result.validation.conforms:
        out += ["## The case does not conform — no recommendations were derived", "", "```", result.validation.to_text().rstrip(), "```", ""]
        return "\n".join(out) + "\n"
    if result.validation.warnings:
        out += ["## Validation warnings", ""]
        out += [f"- {w.message} ({w.focus_label or w.focus_node})" for w in result.validation.warnings]
        out.append("")
    out += ["## Recommended next steps", ""]
    if not result.recommendations:
        out += ["None derived.", ""]
    for i, r in enumerate(result.recommendations, 1):
        out.append(f"{i}. **{r.label}** — priority: {r.priority} (`{r.id}`, rule `{r.rule}`)")
        if r.text:
            out.append(f"  - {r.text}")
        out += _premise_lines(r.premises)
        if r.assessments:
            out.append(f"  - Rests on the assessment(s): {', '.join(r.assessments)}")
        out += [f"  - Note: {n}" for n in r.notes]
        out += _evidence_lines(r.evidence)
    out.append("")
    if result.not_recommended:
        out += ["## Not indicated now", ""]
        for r in result.not_recommended:
            out.append(f"- **{r.label}** (`{r.id}`) is not indicated:")
            out += [f"  - {reason.text}: {reason.state}" for reason in r.reasons]
            out += _premise_lines(r.premises)
            out += _evidence_lines(r.evidence)
        out.append("")
    if result.cautions:
        out += ["## Cautions", ""]
        for c in result.cautions:
            out.append(f"- **{c.label}** (`{c.id}`): {c.text}")
            out += _premise_lines(c.premises)
            out += _evidence_lines(c.evidence)
        out.append("")
    if result.information_needs:
        out += ["## Information that would change this plan", ""]
        for n in result.information_needs:
            out.append(f"- **{n.label}** (`{n.id}`) is not documented; it affects: {', '.join(n.affects) or '—'}")
        out.append("")
    if result.assessments:
        out += ["## Interpretive assessments", ""]
        for a in result.assessments:
            out.append(f"- **{a.label}** (`{a.id}`)")
            out += _premise_lines(a.premises)
            out += _evidence_lines(a.evidence)
        out.append("")
    sources = sorted({(e.source, e.source_note) for group in (result.recommendations, result.not_recommended, result.cautions, result.assessments) for r in group for e in r.evidence})
    if sources:
        out += ["## Sources", "", "Reference numbers above are the source document's own numbered references.", ""]
        out += [f"- {name}" + (f" — {note}" if note else "") for name, note in sources]
        out.append("")
    out.append("_Decision support only: every line above traces to the case facts and source statements shown; verify against the primary literature and clinical judgement._")
    return "\n".join(out) + "\n"
