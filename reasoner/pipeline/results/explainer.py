"""Explain: read the derivation graph back into typed, ordered result records.

Why read back from RDF rather than keep Python objects from the rules:
the derivation graph is the single source of truth that every output
(JSON, Markdown, Turtle, the SPARQL endpoint) is rendered from, so they
can never disagree. Order is clinical and comes from data (priority
ranks, glr:listOrder); the records are in records.py, their JSON in
json_contract.py.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from ...kb.knowledge import KnowledgeBase, Rule
from ...kb.priorities import Priority
from ..timeline import AsOf
from ..unconsidered import unconsidered_findings
from ..validation import ValidationReport
from ...vocab import GLR, PROV, RDF, RDFS
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

__all__ = ["explain"]


def _list_key(kb: KnowledgeBase, kind: Node | None, cid: str) -> tuple[bool, int, str]:
    """Order within a list: the module's glr:listOrder (lower first; entries without one last), then id."""
    value = kb.knowledge.value(kind, GLR.listOrder) if kind is not None else None
    order = int(value.toPython()) if isinstance(value, Literal) else None
    return (order is None, order or 0, cid)


class _Explainer:
    def __init__(self, kb: KnowledgeBase, case_graph: Graph, derived: Graph, as_of: AsOf) -> None:
        self.kb = kb
        self.case_graph = case_graph
        self.derived = derived
        self.as_of = as_of
        self.rules_by_iri: dict[Node, Rule] = {r.iri: r for r in kb.rules}
        # elapsed-time property → (the date property it measures from, its unit)
        self.elapsed_to_date: dict[Node, tuple[URIRef, str]] = {}
        # whole-months property → the days property of the same date (a 0-month span is stated in days)
        self.months_to_days: dict[Node, URIRef] = {}
        for ep in kb.elapsed_properties():
            self.elapsed_to_date[ep.months_property] = (ep.date_property, "months")
            self.elapsed_to_date[ep.days_property] = (ep.date_property, "days")
            self.months_to_days[ep.months_property] = ep.days_property
        self.sources_cited: dict[str, str] = {}  # source label → review status, for every evidence item shown
        # the ontology's naming convention for evidence IRIs (glr:localIdPrefix, e.g. "ev-"): ids omit it
        self.evidence_prefix = str(kb.ontology.value(GLR.EvidenceStatement, GLR.localIdPrefix) or "")
        # the state of a condition whose rule states none (glr:valueWhenUnstated on glr:conditionState)
        self.unstated_condition_state = kb.ontology.value(GLR.conditionState, GLR.valueWhenUnstated)

    # -- labels ---------------------------------------------------------
    def label(self, node: Node) -> str:
        value = self.case_graph.value(node, RDFS.label)
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
            span = f"{value} whole {unit}"
            days = self.case_graph.value(subject, self.months_to_days[prop]) if prop in self.months_to_days else None
            if unit == "months" and str(value) == "0" and days is not None:
                span = f"{days} day" + ("" if str(days) == "1" else "s")
            return f"{subject_label}{when}: {span} before the as-of date {self.as_of.date.isoformat()}"
        if prop == RDF.type:
            date = self.case_graph.value(subject, GLR.date)
            class_label = self.label(value)
            if class_label.casefold() in subject_label.casefold():  # the label already says what it is
                return f"{subject_label}, dated {date}" if date is not None else subject_label
            when = f" (dated {date})" if date is not None else ""
            return f"{subject_label}{when}: recorded as {class_label}"
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
    def evidence(self, iri: Node, role: str) -> Evidence:
        k = self.kb.knowledge
        source = k.value(iri, GLR.statedIn)
        refs = sorted(
            int(n.toPython()) for r in k.objects(iri, GLR.citesReference) for n in k.objects(r, GLR.referenceNumber)
        )
        certainty = k.value(iri, GLR.certainty)
        conflicts = sorted(
            {self.evidence_id(c) for c in k.objects(iri, GLR.conflictsWith)} | {self.evidence_id(c) for c in k.subjects(GLR.conflictsWith, iri)}
        )
        source_label = self.label(source) if source is not None else "unknown source"
        status = k.value(source, GLR.reviewStatus) if source is not None else None
        self.sources_cited[source_label] = str(status) if status is not None else "review status not stated"
        return Evidence(
            id=self.evidence_id(iri),
            statement=str(k.value(iri, GLR.claim) or ""),
            source=source_label,
            reference=tuple(refs),
            certainty=self.label(certainty) if certainty is not None else "not stated",
            conflicts_with=tuple(conflicts),
            source_note=str(k.value(source, GLR.bibliographicStatus) or "") if source is not None else "",
            role=role,
        )

    def evidence_of(self, rules: list[Rule], kind: Node | None) -> tuple[Evidence, ...]:
        """Supporting evidence (rules', then the catalogue entry's), then background evidence not also supporting."""
        k = self.kb.knowledge
        supporting: list[Node] = [iri for rule in rules for iri in rule.evidence]
        supporting += sorted(k.objects(kind, GLR.hasEvidence), key=str) if kind is not None else []
        background: list[Node] = [iri for rule in rules for iri in sorted(k.objects(rule.iri, GLR.hasBackgroundEvidence), key=str)]
        background += sorted(k.objects(kind, GLR.hasBackgroundEvidence), key=str) if kind is not None else []
        seen: set[Node] = set()
        found = []
        for role, iris in (("supports", supporting), ("background", background)):
            for iri in iris:
                if iri not in seen:
                    seen.add(iri)
                    found.append(self.evidence(iri, role))
        return tuple(found)

    @staticmethod
    def local_id(iri: Node) -> str:
        """The IRI's local name: after its last '#' or '/'."""
        return str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]

    def evidence_id(self, iri: Node) -> str:
        """An evidence statement's id: its local name without the ontology's glr:localIdPrefix for evidence."""
        return self.local_id(iri).removeprefix(self.evidence_prefix) if self.evidence_prefix else self.local_id(iri)

    # -- one result -----------------------------------------------------
    def rules_of(self, result: Node) -> list[Rule]:
        rules = []
        for activity in self.derived.objects(result, PROV.wasGeneratedBy):
            for assoc in self.derived.objects(activity, PROV.qualifiedAssociation):
                plan = self.derived.value(assoc, PROV.hadPlan)
                if plan in self.rules_by_iri:
                    rules.append(self.rules_by_iri[plan])
        return sorted(rules, key=lambda r: (r.stage, r.rule_id))

    def criteria(self, rules: list[Rule]) -> tuple[Criterion, ...]:
        return tuple(
            Criterion(rule=rule.rule_id, text=str(text))
            for rule in rules
            for text in sorted(self.kb.knowledge.objects(rule.iri, GLR.criterion), key=str)
        )

    def common(self, result: Node, result_type: URIRef) -> dict[str, Any]:
        kind = self.derived.value(result, GLR.ofKind)
        rules = self.rules_of(result)
        primary = next((r for r in rules if r.result_type == result_type), rules[0] if rules else None)
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
            evidence=self.evidence_of(rules, kind),
            assessments=tuple(self.kb.catalogue_id(self.derived.value(a, GLR.ofKind)) for a in assessments if self.derived.value(a, GLR.ofKind) is not None),
            notes=tuple(notes),
            criteria=self.criteria(rules),
            module=self.module_name(primary.module if primary else None),
        )

    def module_name(self, iri: Node | None) -> str:
        """A module's directory name: the id results carry in JSON (``module``) and group by in Markdown."""
        return next((m.directory.name for m in self.kb.modules if m.iri == iri), "")

    def priority(self, result: Node) -> Priority:
        """The most pressing priority any rule gave the result, else its kind's default, else the lowest level."""
        scale = self.kb.priorities()
        kind = self.derived.value(result, GLR.ofKind)
        candidates = list(self.derived.objects(result, GLR.priority)) or list(self.kb.knowledge.objects(kind, GLR.defaultPriority))
        levels = [scale.get(c) for c in candidates if isinstance(c, URIRef)]
        return max((p for p in levels if p is not None), key=lambda p: p.rank, default=scale.lowest())

    def existing_order(self, result: Node) -> ExistingOrder | None:
        studies = sorted(self.derived.objects(result, GLR.existingOrder), key=str)  # one, or the first by IRI
        if not studies:
            return None
        study = studies[0]
        status = self.case_graph.value(study, GLR.imagingStatus)
        return ExistingOrder(subject=str(study), status=self.label(status) if status is not None else "not stated", label=self.label(study))

    def recommendation(self, result: Node, raised_needs: set[Node]) -> tuple[Recommendation, Priority]:
        kind = self.derived.value(result, GLR.ofKind)
        order = self.existing_order(result)
        text = self.kb.knowledge.value(kind, GLR.textWhenOrdered) if order is not None else None
        conditional = sorted(self.kb.catalogue_id(n) for n in self.kb.knowledge.objects(kind, GLR.conditionalOn) if n in raised_needs)
        level = self.priority(result)
        rec = Recommendation(
            **self.common(result, GLR.Recommendation),
            priority=level.name,
            cds_hooks_indicator=level.cds_hooks_indicator,
            fhir_request_priority=level.fhir_request_priority,
            text=str(text) if text is not None else self.kb.text(kind),
            conditional_on=tuple(conditional),
            existing_order=order,
        )
        return rec, level

    def reasons(self, result: Node) -> tuple[Reason, ...]:
        found = []
        for node in self.derived.objects(result, GLR.unmetCondition):
            cond = self.derived.value(node, GLR.condition)
            state = self.derived.value(node, GLR.conditionState) or self.unstated_condition_state
            if cond is None:
                continue
            cid = str(self.kb.knowledge.value(cond, GLR.catalogueId) or self.local_id(cond))
            found.append(Reason(condition=cid, state=self.label(state) if state is not None else "not stated", text=self.kb.label(cond) or cid))
        return tuple(sorted(set(found), key=lambda r: (r.state, r.condition)))

    def of_type(self, result_type: URIRef) -> list[Node]:
        return sorted(set(self.derived.subjects(RDF.type, result_type)), key=str)


def _with_deferrals(ranked: list[tuple[Recommendation, Priority]], kb: KnowledgeBase) -> list[Recommendation]:
    """Each recommendation with the ids of those whose priority defers its own (glr:defersPriority)."""
    scale = kb.priorities()
    out = []
    for rec, level in ranked:
        by = tuple(other.id for other, other_level in ranked if other is not rec and scale.defers(other_level, level))
        out.append(replace(rec, deferred_by=by))
    return out


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
    """Turn the derivation graph into typed, explained, ordered results.

    Order is clinical and comes from data: recommendations by priority rank
    (most pressing first), then the catalogue's glr:listOrder, then id;
    every other list by glr:listOrder, then id.
    """
    ex = _Explainer(kb, case_graph, derived, as_of)

    def kind_of(r: Node) -> Node | None:
        return derived.value(r, GLR.ofKind)

    def ordered(items: list[Any], nodes: list[Node]) -> list[Any]:
        keyed = sorted(zip(items, nodes), key=lambda pair: _list_key(kb, kind_of(pair[1]), pair[0].id))
        return [item for item, _ in keyed]

    need_nodes = ex.of_type(GLR.InformationNeed)
    raised: set[Node] = {kind for kind in map(kind_of, need_nodes) if kind is not None}
    rec_nodes = ex.of_type(GLR.Recommendation)
    ranked = [ex.recommendation(r, raised) for r in rec_nodes]
    sides: dict[Node, tuple[str, Any]] = {node: ("recommendation", rec) for (rec, _), node in zip(ranked, rec_nodes)}
    keys = {rec.id: _list_key(kb, kind_of(node), rec.id) for (rec, _), node in zip(ranked, rec_nodes)}
    ranked.sort(key=lambda pair: (-pair[1].rank, keys[pair[0].id]))
    recs = _with_deferrals(ranked, kb)
    not_nodes = ex.of_type(GLR.NotRecommended)
    not_items = [NotRecommended(**ex.common(r, GLR.NotRecommended), reasons=ex.reasons(r)) for r in not_nodes]
    nots = ordered(not_items, not_nodes)
    caution_nodes = ex.of_type(GLR.Caution)
    caution_items = [Caution(**ex.common(r, GLR.Caution), text=kb.text(kind_of(r)) or "") for r in caution_nodes]
    cautions = ordered(caution_items, caution_nodes)
    sides.update({node: ("not-recommended", item) for item, node in zip(not_items, not_nodes)})
    sides.update({node: ("caution", item) for item, node in zip(caution_items, caution_nodes)})
    needs = []
    for r in need_nodes:
        affected = sorted(kb.knowledge.objects(kind_of(r), GLR.affects), key=kb.catalogue_id)
        needs.append(
            InformationNeed(
                **ex.common(r, GLR.InformationNeed),
                affects=tuple(kb.catalogue_id(a) for a in affected),
                affects_labels=tuple(kb.label(a) or kb.catalogue_id(a) for a in affected),
            )
        )
    needs = ordered(needs, need_nodes)
    assessment_nodes = ex.of_type(GLR.Assessment)
    assessments = ordered([Assessment(**ex.common(r, GLR.Assessment)) for r in assessment_nodes], assessment_nodes)
    from ..interactions import build_interactions

    interactions = build_interactions(kb, derived, sides, evidence=ex.evidence, label=ex.label, rules_of=ex.rules_of, premises=ex.premises)
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
        unconsidered_findings=unconsidered_findings(kb, case_graph),
        source_status=tuple(SourceStatus(source=name, status=status) for name, status in sorted(ex.sources_cited.items())),
        interactions=interactions,
        case_graph=case_graph,
        derivation_graph=derived,
    )
