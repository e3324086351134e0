"""Typed results, read back from the derivation graph and explained.

Why read back from RDF rather than keep Python objects from the rules:
the derivation graph is the single source of truth that every output
(JSON, Markdown, Turtle, the SPARQL endpoint) is rendered from, so they
can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from .knowledge import KnowledgeBase, Rule
from .timeline import AsOf
from .validation import ValidationReport
from .vocab import GLR, PROV, RDF

__all__ = [
    "Premise",
    "Evidence",
    "Reason",
    "Recommendation",
    "NotRecommended",
    "Caution",
    "InformationNeed",
    "Assessment",
    "RecommendationResult",
    "explain",
]

PRIORITY_NAMES = {GLR.PriorityRoutine: "routine", GLR.PriorityHigh: "high", GLR.PriorityUrgent: "urgent"}
STATE_NAMES = {GLR.NotMet: "not met", GLR.Unknown: "unknown"}


@dataclass(frozen=True)
class Premise:
    """One case fact a result rests on."""

    subject: str
    property: str
    value: str
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"subject": self.subject, "property": self.property, "value": self.value, "text": self.text}


@dataclass(frozen=True)
class Evidence:
    id: str
    statement: str
    source: str
    reference: tuple[int, ...]
    certainty: str
    conflicts_with: tuple[str, ...] = ()
    source_note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "statement": self.statement,
            "source": self.source,
            "reference": list(self.reference),
            "certainty": self.certainty,
            "conflicts_with": list(self.conflicts_with),
            "source_note": self.source_note,
        }


@dataclass(frozen=True)
class Reason:
    condition: str
    state: str
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"condition": self.condition, "state": self.state, "text": self.text}


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


@dataclass(frozen=True)
class Recommendation(_Derived):
    priority: str = "routine"
    text: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "text": self.text,
            "priority": self.priority,
            "rule": self.rule,
            "rules": list(self.rules),
            "based_on_assessments": list(self.assessments),
            "premises": [p.to_json() for p in self.premises],
            "evidence": [e.to_json() for e in self.evidence],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class NotRecommended(_Derived):
    reasons: tuple[Reason, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "rule": self.rule,
            "reasons": [r.to_json() for r in self.reasons],
            "premises": [p.to_json() for p in self.premises],
            "evidence": [e.to_json() for e in self.evidence],
        }


@dataclass(frozen=True)
class Caution(_Derived):
    text: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "text": self.text,
            "rule": self.rule,
            "based_on_assessments": list(self.assessments),
            "premises": [p.to_json() for p in self.premises],
            "evidence": [e.to_json() for e in self.evidence],
        }


@dataclass(frozen=True)
class InformationNeed(_Derived):
    affects: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "affects": list(self.affects),
            "rule": self.rule,
            "premises": [p.to_json() for p in self.premises],
        }


@dataclass(frozen=True)
class Assessment(_Derived):
    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "rule": self.rule,
            "premises": [p.to_json() for p in self.premises],
            "evidence": [e.to_json() for e in self.evidence],
        }


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
    case_graph: Graph = field(default_factory=Graph, repr=False)
    derivation_graph: Graph = field(default_factory=Graph, repr=False)
    timings: dict[str, float] = field(default_factory=dict, repr=False)

    def ids(self, kind: str) -> list[str]:
        return [r.id for r in getattr(self, kind)]

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "source": self.source,
            "as_of": self.as_of.date.isoformat(),
            "as_of_source": self.as_of.source.value,
            "knowledge_base": {"version": self.knowledge_base_version},
            "engine": self.engine,
            "validation": {
                "conforms": self.validation.conforms,
                "warnings": [w for w in self.validation.to_json()["warnings"]],
            },
            "recommendations": [r.to_json() for r in self.recommendations],
            "not_recommended": [r.to_json() for r in self.not_recommended],
            "cautions": [r.to_json() for r in self.cautions],
            "information_needs": [r.to_json() for r in self.information_needs],
            "assessments": [r.to_json() for r in self.assessments],
        }


# --------------------------------------------------------------------------
# Explanation: from the derivation graph to typed results


class _Explainer:
    def __init__(self, kb: KnowledgeBase, case_graph: Graph, derived: Graph, as_of: AsOf) -> None:
        self.kb = kb
        self.case_graph = case_graph
        self.derived = derived
        self.as_of = as_of
        self.rules_by_iri: dict[Node, Rule] = {r.iri: r for r in kb.rules}
        # elapsed-time property → (the date property it measures from, its unit)
        self.elapsed_to_date: dict[Node, tuple[URIRef, str]] = {}
        for ep in kb.elapsed_properties():
            self.elapsed_to_date[ep.months_property] = (ep.date_property, "months")
            self.elapsed_to_date[ep.days_property] = (ep.date_property, "days")

    # -- labels ---------------------------------------------------------
    def label(self, node: Node) -> str:
        for graph in (self.case_graph,):
            value = graph.value(node, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))
            if value is not None:
                return str(value)
        kb_label = self.kb.label(node)
        if kb_label:
            return kb_label
        if isinstance(node, Literal):
            return str(node)
        text = str(node)
        return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]

    # -- premises -------------------------------------------------------
    def premise_text(self, subject: Node, prop: Node, value: Node) -> str:
        subject_label = self.label(subject)
        elapsed = self.elapsed_to_date.get(prop)
        if elapsed is not None:
            date_prop, unit = elapsed
            date = self.case_graph.value(subject, date_prop)
            when = f" ({self.label(date_prop)} {date})" if date is not None else ""
            return f"{subject_label}{when}: {value} whole {unit} before the as-of date {self.as_of.date.isoformat()}"
        if prop == RDF.type:
            date = self.case_graph.value(subject, GLR.date)
            when = f" (dated {date})" if date is not None else ""
            return f"{subject_label}{when} is recorded as a {self.label(value)}"
        return f"{subject_label}: {self.label(prop)} = {self.label(value)}"

    def derived_from(self, subject: Node) -> str:
        """Name the records a case fact came from (prov:wasDerivedFrom, e.g. FHIR resources on import)."""
        sources = sorted(self.label(src) for src in self.case_graph.objects(subject, PROV.wasDerivedFrom))
        return f" [from {'; '.join(sources)}]" if sources else ""

    def premises(self, result: Node) -> list[Premise]:
        found = []
        for node in self.derived.objects(result, GLR.premise):
            s = self.derived.value(node, GLR.premiseSubject)
            p = self.derived.value(node, GLR.premiseProperty)
            v = self.derived.value(node, GLR.premiseValue)
            if s is None or p is None or v is None:
                continue
            found.append(Premise(subject=str(s), property=str(p), value=str(v), text=self.premise_text(s, p, v) + self.derived_from(s)))
        return found

    # -- evidence -------------------------------------------------------
    def evidence(self, iri: Node) -> Evidence:
        k = self.kb.knowledge
        source = k.value(iri, GLR.statedIn)
        refs = sorted(
            int(n.toPython()) for r in k.objects(iri, GLR.citesReference) for n in k.objects(r, GLR.referenceNumber)
        )
        certainty = k.value(iri, GLR.certainty)
        conflicts = sorted(
            {self.local_id(c) for c in k.objects(iri, GLR.conflictsWith)} | {self.local_id(c) for c in k.subjects(GLR.conflictsWith, iri)}
        )
        return Evidence(
            id=self.local_id(iri),
            statement=str(k.value(iri, GLR.claim) or ""),
            source=self.label(source) if source is not None else "unknown source",
            reference=tuple(refs),
            certainty=self.label(certainty) if certainty is not None else "not stated",
            conflicts_with=tuple(conflicts),
            source_note=str(k.value(source, GLR.bibliographicStatus) or "") if source is not None else "",
        )

    @staticmethod
    def local_id(iri: Node) -> str:
        text = str(iri)
        return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1].removeprefix("ev-")

    # -- one result -----------------------------------------------------
    def rules_of(self, result: Node) -> list[Rule]:
        rules = []
        for activity in self.derived.objects(result, PROV.wasGeneratedBy):
            for assoc in self.derived.objects(activity, PROV.qualifiedAssociation):
                plan = self.derived.value(assoc, PROV.hadPlan)
                if plan in self.rules_by_iri:
                    rules.append(self.rules_by_iri[plan])
        return sorted(rules, key=lambda r: (r.stage, r.rule_id))

    def common(self, result: Node, result_type: URIRef) -> dict[str, Any]:
        kind = self.derived.value(result, GLR.ofKind)
        rules = self.rules_of(result)
        primary = next((r for r in rules if r.result_type == result_type), rules[0] if rules else None)
        evidence_iris: list[Node] = []
        for rule in rules:
            evidence_iris.extend(rule.evidence)
        evidence_iris.extend(sorted(self.kb.knowledge.objects(kind, GLR.hasEvidence), key=str))
        seen: set[Node] = set()
        evidence = []
        for iri in evidence_iris:
            if iri not in seen:
                seen.add(iri)
                evidence.append(self.evidence(iri))
        premises = self.premises(result)
        assessments = sorted(self.derived.objects(result, GLR.usesAssessment), key=str)
        for assessment in assessments:  # explain down to the case facts
            premises.extend(self.premises(assessment))
        unique: dict[tuple[str, str, str], Premise] = {}
        for p in premises:
            unique.setdefault((p.subject, p.property, p.value), p)
        notes = sorted({str(n) for rule in rules for n in self.kb.knowledge.objects(rule.iri, GLR.inferenceNote)})
        return dict(
            id=self.kb.catalogue_id(kind),
            label=self.kb.label(kind) or self.kb.catalogue_id(kind),
            rule=primary.rule_id if primary else "",
            rules=tuple(r.rule_id for r in rules),
            premises=tuple(sorted(unique.values(), key=lambda p: (p.subject, p.property, p.value))),
            evidence=tuple(evidence),
            assessments=tuple(self.kb.catalogue_id(self.derived.value(a, GLR.ofKind)) for a in assessments if self.derived.value(a, GLR.ofKind) is not None),
            notes=tuple(notes),
        )

    def priority(self, result: Node) -> str:
        kind = self.derived.value(result, GLR.ofKind)
        candidates = list(self.derived.objects(result, GLR.priority)) or list(self.kb.knowledge.objects(kind, GLR.defaultPriority))
        best = max(candidates, key=lambda p: int(self.kb.ontology.value(p, GLR.rank) or 0), default=GLR.PriorityRoutine)
        return PRIORITY_NAMES.get(best, self.label(best))

    def reasons(self, result: Node) -> tuple[Reason, ...]:
        found = []
        for node in self.derived.objects(result, GLR.unmetCondition):
            cond = self.derived.value(node, GLR.condition)
            state = self.derived.value(node, GLR.conditionState)
            if cond is None:
                continue
            cid = str(self.kb.knowledge.value(cond, GLR.catalogueId) or self.local_id(cond))
            found.append(Reason(condition=cid, state=STATE_NAMES.get(state, "not met"), text=self.kb.label(cond) or cid))
        return tuple(sorted(set(found), key=lambda r: (r.state, r.condition)))

    def of_type(self, result_type: URIRef) -> list[Node]:
        return sorted(set(self.derived.subjects(RDF.type, result_type)), key=str)


def explain(
    kb: KnowledgeBase,
    *,
    case: str,
    source: str | None,
    as_of: AsOf,
    engine: str,
    validation: ValidationReport,
    case_graph: Graph,
    derived: Graph,
) -> RecommendationResult:
    """Turn the derivation graph into typed, explained, ordered results."""
    ex = _Explainer(kb, case_graph, derived, as_of)
    recs = [Recommendation(**ex.common(r, GLR.Recommendation), priority=ex.priority(r), text=kb.text(derived.value(r, GLR.ofKind))) for r in ex.of_type(GLR.Recommendation)]
    rank = {"urgent": 0, "high": 1, "routine": 2}
    recs.sort(key=lambda r: (rank.get(r.priority, 3), r.id))
    nots = sorted((NotRecommended(**ex.common(r, GLR.NotRecommended), reasons=ex.reasons(r)) for r in ex.of_type(GLR.NotRecommended)), key=lambda r: r.id)
    cautions = sorted((Caution(**ex.common(r, GLR.Caution), text=kb.text(derived.value(r, GLR.ofKind)) or "") for r in ex.of_type(GLR.Caution)), key=lambda r: r.id)
    needs = []
    for r in ex.of_type(GLR.InformationNeed):
        kind = derived.value(r, GLR.ofKind)
        affects = tuple(sorted(kb.catalogue_id(a) for a in kb.knowledge.objects(kind, GLR.affects)))
        needs.append(InformationNeed(**ex.common(r, GLR.InformationNeed), affects=affects))
    needs.sort(key=lambda r: r.id)
    assessments = sorted((Assessment(**ex.common(r, GLR.Assessment)) for r in ex.of_type(GLR.Assessment)), key=lambda r: r.id)
    return RecommendationResult(
        case=case,
        source=source,
        as_of=as_of,
        knowledge_base_version=kb.version,
        engine=engine,
        validation=validation,
        recommendations=tuple(recs),
        not_recommended=tuple(nots),
        cautions=tuple(cautions),
        information_needs=tuple(needs),
        assessments=tuple(assessments),
        case_graph=case_graph,
        derivation_graph=derived,
    )
