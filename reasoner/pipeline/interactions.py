"""Interactions between two results of one case (or a result and a case fact): typed records for the JSON, Markdown, FHIR and CDS Hooks outputs.

Why a module of its own: the interaction rules (queries/interactions/, stage 4)
only say which two results interact, through which care actions and effects,
and on which sourced statements. The explanation of an interaction is built
from the explanations of its two sides, already made by ``results.explain``:
their premises (the case facts) and their evidence, so a repeated action is
shown once with both modules' reasons. Nothing here knows a module or a drug.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from rdflib import Graph
from rdflib.term import Node

from ..vocab import GLR, RDF

if TYPE_CHECKING:
    from ..kb.knowledge import KnowledgeBase
    from .results import Evidence, Premise
    from .results.lookups import Lookups

__all__ = ["Interaction", "InteractionSide", "build_interactions"]


class _Side(Protocol):
    """What an interaction needs from each of its sides (any explained result)."""

    id: str
    label: str
    module: str
    premises: tuple[Premise, ...]
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class InteractionSide:
    """One side of an interaction: a result, with its module's reason in the clinician's words, or a case fact.

    A case fact (issue 16) is a node of the case, e.g. a current medication no result speaks
    about: ``case_fact`` is its IRI, ``id`` and ``module`` are empty, ``result`` is
    ``"case-fact"`` and ``status`` says whether the case states it current or leaves it unknown.
    """

    id: str
    label: str
    module: str
    result: str  # recommendation | not-recommended | caution | …: the list the side appears in; "case-fact" for a case fact
    text: str
    case_fact: str | None = None
    status: str = ""  # for a case fact: "current" (stated ongoing) or "unknown" (status not stated)

    def to_json(self) -> dict[str, Any]:
        if self.case_fact is not None:
            return {"case_fact": self.case_fact, "label": self.label, "text": self.text, "status": self.status}
        return {"id": self.id, "label": self.label, "module": self.module, "result": self.result, "text": self.text}


@dataclass(frozen=True)
class Interaction:
    """Two results, or a result and a case fact, that interact; ``between`` holds the result ids, sorted.

    ``conditional``: every case-fact side has an unknown status, so the interaction holds
    only if that therapy is still under way (shown, never dropped).
    """

    id: str
    kind: str
    label: str
    text: str
    between: tuple[str, ...]
    sides: tuple[InteractionSide, ...]
    through_actions: tuple[str, ...]
    through_effects: tuple[str, ...]
    premises: tuple[Premise, ...]
    evidence: tuple[Evidence, ...]
    rule: str
    conditional: bool = False

    @property
    def case_facts(self) -> tuple[InteractionSide, ...]:
        """The sides that are case facts (none when both sides are results)."""
        return tuple(s for s in self.sides if s.case_fact is not None)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "label": self.label,
            "between": list(self.between),
            "conditional": self.conditional,
            "text": self.text,
            "sides": [s.to_json() for s in self.sides],
            "through_actions": list(self.through_actions),
            "through_effects": list(self.through_effects),
            "rule": self.rule,
            "premises": [p.to_json() for p in self.premises],
            "evidence": [e.to_json() for e in self.evidence],
        }


def _side_text(item: Any) -> str:
    text = getattr(item, "text", None)
    if text:
        return str(text)
    reasons = getattr(item, "reasons", ())
    return "; ".join(f"{r.text}: {r.state}" for r in reasons) or item.label


def _fact_side(node: Node, premises: tuple[Premise, ...], label: Any, unknown: bool) -> InteractionSide:
    """A case-fact side: the node's label, its premises as text and, when unknown, what the interaction rests on."""
    text = "; ".join(p.text for p in premises if p.subject == str(node)) or label(node)
    if unknown:
        text += "; whether it is still taken is not recorded: this holds only if it is"
    return InteractionSide(id="", label=label(node), module="", result="case-fact", text=text,
                           case_fact=str(node), status="unknown" if unknown else "current")


def build_interactions(
    kb: KnowledgeBase,
    derived: Graph | Lookups,
    sides: dict[Node, tuple[str, _Side]],
    *,
    evidence: Any,
    label: Any,
    rules_of: Any,
    premises: Any,
) -> tuple[Interaction, ...]:
    """Every glr:Interaction of ``derived``, explained from its sides (``sides``: result node → (list name, item)).

    A side is a result, or a case fact (glr:withCaseFact) paired with one result. ``evidence(iri, role)``,
    ``label(node)``, ``rules_of(node)`` and ``premises(node)`` are the explainer's, so that evidence
    is worded, sources disclosed and case facts named exactly as for every other result.
    """
    found = []
    for node in sorted(set(derived.subjects(RDF.type, GLR.Interaction)), key=str):
        kind = derived.value(node, GLR.ofKind)
        between = [sides[n] for n in sorted(derived.objects(node, GLR.between), key=str) if n in sides]
        facts = sorted(set(derived.objects(node, GLR.withCaseFact)), key=str)
        if kind is None or len(between) != (1 if facts else 2):  # two results, or one result and its case facts
            continue  # a side the explanation does not list (never for the bundled rules): nothing to show
        between.sort(key=lambda pair: pair[1].id)
        rules = rules_of(node)
        unique_premises: dict[tuple[str, str, str], Premise] = {}
        for _, item in between:
            for p in item.premises:
                unique_premises.setdefault((p.subject, p.property, p.value), p)
        own = sorted({(p.subject, p.property, p.value): p for p in premises(node)}.values(), key=lambda p: (p.subject, p.property, p.value))
        for p in own:  # the case facts the interaction itself rests on
            unique_premises.setdefault((p.subject, p.property, p.value), p)
        unknown = set(derived.objects(node, GLR.conditionalOnCaseFact))
        fact_sides = tuple(_fact_side(f, tuple(own), label, f in unknown) for f in facts)
        shown: dict[str, Evidence] = {}
        for iri in sorted(derived.objects(node, GLR.hasEvidence), key=str):  # the sourced effects and their relation
            e = evidence(iri, "supports")
            shown.setdefault(e.id, e)
        for _, item in between:  # each side's own reasons
            for e in item.evidence:
                shown.setdefault(e.id, e)
        for rule in rules:  # what the interaction kind means (TMR4I)
            for iri in rule.evidence:
                e = evidence(iri, "background")
                shown.setdefault(e.id, e)
        local = str(node).rsplit("/interaction/", 1)[-1].replace("/", "--")
        found.append(
            Interaction(
                id=local,
                kind=kb.catalogue_id(kind),
                label=kb.label(kind) or kb.catalogue_id(kind),
                text=kb.text(kind) or "",
                between=tuple(item.id for _, item in between),
                sides=tuple(
                    InteractionSide(id=item.id, label=item.label, module=item.module, result=name, text=_side_text(item))
                    for name, item in between
                )
                + fact_sides,
                through_actions=tuple(sorted({label(a) for a in derived.objects(node, GLR.throughAction)})),
                through_effects=tuple(sorted({label(e) for e in derived.objects(node, GLR.throughEffect)})),
                premises=tuple(sorted(unique_premises.values(), key=lambda p: (p.subject, p.property, p.value))),
                evidence=tuple(shown.values()),
                rule=rules[0].rule_id if rules else "",
                conditional=bool(fact_sides) and all(f.status == "unknown" for f in fact_sides),
            )
        )
    from .results.kbfacts import kb_facts

    order = kb_facts(kb).interaction_order()  # the same order, worked out once per knowledge base
    return tuple(sorted(found, key=lambda x: (order.get(x.kind, len(order)), x.id)))

