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
from ...vocab import GLR, PROV, RDF
from ..derivation import Derivation, canonical
from ..pendingcase import lookups_of
from ..timeline import AsOf
from ..unconsidered import unconsidered_findings
from ..validation import ValidationReport
from .kbfacts import KbFacts, kb_facts, local_id
from .lookups import CaseLabels, GraphLookups, Lookups
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

# Namespace attribute look-ups build a new IRI each time; these run many times per case.
_ASSESSMENT = canonical(GLR.Assessment)
_CAUTION = canonical(GLR.Caution)
_CONDITION = canonical(GLR.condition)
_CONDITION_STATE = canonical(GLR.conditionState)
_CONDITIONAL_ON = canonical(GLR.conditionalOn)
_DATE = canonical(GLR.date)
_DEFAULT_PRIORITY = canonical(GLR.defaultPriority)
_EXISTING_ORDER = canonical(GLR.existingOrder)
_IMAGING_STATUS = canonical(GLR.imagingStatus)
_INFORMATION_NEED = canonical(GLR.InformationNeed)
_NOT_RECOMMENDED = canonical(GLR.NotRecommended)
_OF_KIND = canonical(GLR.ofKind)
_PREMISE = canonical(GLR.premise)
_PREMISE_PROPERTY = canonical(GLR.premiseProperty)
_PREMISE_SUBJECT = canonical(GLR.premiseSubject)
_PREMISE_VALUE = canonical(GLR.premiseValue)
_PRIORITY = canonical(GLR.priority)
_RECOMMENDATION = canonical(GLR.Recommendation)
_TEXT_WHEN_ORDERED = canonical(GLR.textWhenOrdered)
_UNMET_CONDITION = canonical(GLR.unmetCondition)
_USES_ASSESSMENT = canonical(GLR.usesAssessment)
_AFFECTS = canonical(GLR.affects)
_CATALOGUE_ID = canonical(GLR.catalogueId)
_DERIVED_FROM = canonical(PROV.wasDerivedFrom)
_GENERATED_BY = canonical(PROV.wasGeneratedBy)
_HAD_PLAN = canonical(PROV.hadPlan)
_QUALIFIED_ASSOCIATION = canonical(PROV.qualifiedAssociation)
_TYPE = canonical(RDF.type)

_UNSEEN = object()


class _Explainer:
    def __init__(self, kb: KnowledgeBase, case_graph: Graph, derived: Graph | Lookups, as_of: AsOf, facts: KbFacts | None = None) -> None:
        self.kb = kb
        self.facts = facts or kb_facts(kb)
        self.case_graph = case_graph
        # a batch's case graph answers through its index, without being built (reasoner/pipeline/pendingcase.py)
        self.case_reads = lookups_of(case_graph)
        self.case_labels = CaseLabels(self.case_reads)  # type: ignore[arg-type]
        self.case = GraphLookups(self.case_reads)  # type: ignore[arg-type]  # the case graph's answers, each pattern asked once
        self._premises: dict[Node, Premise | None] = {}
        # the derivation's answers, each pattern asked of the graph once (reasoner/pipeline/results/lookups.py)
        # (a batch's derivation answers them itself, without building its graph: reasoner/pipeline/derivation.py)
        self.derived: Lookups = derived.lookups() if isinstance(derived, Derivation) else GraphLookups(derived) if isinstance(derived, Graph) else derived
        self.as_of = as_of
        self.rules_by_iri: dict[Node, Rule] = self.facts.rules_by_iri
        self.elapsed_to_date: dict[Node, tuple[URIRef, str]] = self.facts.elapsed_to_date
        self.months_to_days: dict[Node, URIRef] = self.facts.months_to_days
        self.sources_cited: dict[str, str] = {}  # source label → review status, for every evidence item shown
        self.evidence_prefix = self.facts.evidence_prefix
        self.unstated_condition_state = self.facts.unstated_condition_state

    # -- labels ---------------------------------------------------------
    def label(self, node: Node) -> str:
        value = self.case_labels.get(node)
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
            date = self.case.value(subject, date_prop)
            when = f" ({self.label(date_prop)} {date})" if date is not None else ""
            span = f"{value} whole {unit}"
            days = self.case.value(subject, self.months_to_days[prop]) if prop in self.months_to_days else None
            if unit == "months" and str(value) == "0" and days is not None:
                span = f"{days} day" + ("" if str(days) == "1" else "s")
            return f"{subject_label}{when}: {span} before the as-of date {self.as_of.date.isoformat()}"
        if prop == _TYPE:
            date = self.case.value(subject, _DATE)
            class_label = self.label(value)
            if class_label.casefold() in subject_label.casefold():  # the label already says what it is
                return f"{subject_label}, dated {date}" if date is not None else subject_label
            when = f" (dated {date})" if date is not None else ""
            return f"{subject_label}{when}: recorded as {class_label}"
        return f"{subject_label}: {self.label(prop)} = {self.label(value)}"

    def derived_from(self, subject: Node) -> str:
        """Name the records a case fact came from (prov:wasDerivedFrom, e.g. FHIR resources on import)."""
        sources = sorted(self.label(src) for src in self.case.objects(subject, _DERIVED_FROM))
        return f" [from {'; '.join(sources)}]" if sources else ""

    def premises(self, result: Node) -> list[Premise]:
        found = []
        for node in self.derived.objects(result, _PREMISE):
            premise = self._premises.get(node, _UNSEEN)
            if premise is _UNSEEN:  # a premise node is read and worded once per case (results share premises)
                premise = self._premises[node] = self.premise(node)
            if premise is not None:
                found.append(premise)
        return found

    def premise(self, node: Node) -> Premise | None:
        """One premise node of the derivation as a record, or None if it lacks a part."""
        derived = self.derived
        s = derived.value(node, _PREMISE_SUBJECT)
        p = derived.value(node, _PREMISE_PROPERTY)
        v = derived.value(node, _PREMISE_VALUE)
        if s is None or p is None or v is None:
            return None
        return Premise(subject=str(s), property=str(p), value=str(v), text=self.premise_text(s, p, v) + self.derived_from(s))

    # -- evidence -------------------------------------------------------
    def evidence(self, iri: Node, role: str) -> Evidence:
        facts = self.facts.evidence(iri)  # the knowledge base's side, worked out once (kbfacts.py)
        source, certainty = facts.source, facts.certainty
        source_label = self.label(source) if source is not None else "unknown source"
        self.sources_cited[source_label] = facts.status
        return Evidence(
            id=facts.id,
            statement=facts.claim,
            source=source_label,
            reference=facts.reference,
            certainty=self.label(certainty) if certainty is not None else "not stated",
            conflicts_with=facts.conflicts_with,
            source_note=facts.source_note,
            role=role,
        )

    def evidence_of(self, rules: list[Rule], kind: Node | None) -> tuple[Evidence, ...]:
        """Supporting evidence (rules', then the catalogue entry's), then background evidence not also supporting."""
        return tuple(self.evidence(iri, role) for role, iri in self.facts.evidence_items(tuple(rules), kind))

    @staticmethod
    def local_id(iri: Node) -> str:
        """The IRI's local name: after its last '#' or '/'."""
        return local_id(iri)

    def evidence_id(self, iri: Node) -> str:
        """An evidence statement's id: its local name without the ontology's glr:localIdPrefix for evidence."""
        return self.facts.evidence_id(iri)

    # -- one result -----------------------------------------------------
    def rules_of(self, result: Node) -> list[Rule]:
        rules = []
        derived = self.derived
        for activity in derived.objects(result, _GENERATED_BY):
            for assoc in derived.objects(activity, _QUALIFIED_ASSOCIATION):
                plan = derived.value(assoc, _HAD_PLAN)
                if plan in self.rules_by_iri:
                    rules.append(self.rules_by_iri[plan])
        return sorted(rules, key=lambda r: (r.stage, r.rule_id))

    def criteria(self, rules: list[Rule]) -> tuple[Criterion, ...]:
        return tuple(Criterion(rule=rule_id, text=text) for rule_id, text in self.facts.criteria(tuple(rules)))

    def common(self, result: Node, result_type: URIRef) -> dict[str, Any]:
        derived, facts = self.derived, self.facts
        kind = derived.value(result, _OF_KIND)
        rules = self.rules_of(result)
        primary = next((r for r in rules if r.result_type == result_type), rules[0] if rules else None)
        premises = self.premises(result)
        assessments = sorted(derived.objects(result, _USES_ASSESSMENT), key=str)
        for assessment in assessments:  # explain down to the case facts
            premises.extend(self.premises(assessment))
        unique: dict[tuple[str, str, str], Premise] = {}
        for p in premises:
            unique.setdefault((p.subject, p.property, p.value), p)
        notes = facts.notes(tuple(rules))
        return dict(
            id=facts.catalogue_id(kind),
            label=self.kb.label(kind) or facts.catalogue_id(kind),
            rule=primary.rule_id if primary else "",
            rules=tuple(r.rule_id for r in rules),
            premises=tuple(sorted(unique.values(), key=lambda p: (p.subject, p.property, p.value))),
            evidence=self.evidence_of(rules, kind),
            assessments=tuple(facts.catalogue_id(derived.value(a, _OF_KIND)) for a in assessments if derived.value(a, _OF_KIND) is not None),
            notes=tuple(notes),
            criteria=self.criteria(rules),
            module=self.module_name(primary.module if primary else None),
        )

    def module_name(self, iri: Node | None) -> str:
        """A module's directory name: the id results carry in JSON (``module``) and group by in Markdown."""
        return self.facts.module_name(iri)

    def priority(self, result: Node) -> Priority:
        """The most pressing priority any rule gave the result, else its kind's default, else the lowest level."""
        scale = self.kb.priorities()
        kind = self.derived.value(result, _OF_KIND)
        candidates = list(self.derived.objects(result, _PRIORITY)) or list(self.facts.objects(kind, _DEFAULT_PRIORITY))
        levels = [scale.get(c) for c in candidates if isinstance(c, URIRef)]
        return max((p for p in levels if p is not None), key=lambda p: p.rank, default=scale.lowest())

    def existing_order(self, result: Node) -> ExistingOrder | None:
        studies = sorted(self.derived.objects(result, _EXISTING_ORDER), key=str)  # one, or the first by IRI
        if not studies:
            return None
        study = studies[0]
        status = self.case.value(study, _IMAGING_STATUS)
        return ExistingOrder(subject=str(study), status=self.label(status) if status is not None else "not stated", label=self.label(study))

    def recommendation(self, result: Node, raised_needs: set[Node]) -> tuple[Recommendation, Priority]:
        kind = self.derived.value(result, _OF_KIND)
        order = self.existing_order(result)
        text = self.facts.value(kind, _TEXT_WHEN_ORDERED) if order is not None else None
        conditional = sorted(self.facts.catalogue_id(n) for n in self.facts.objects(kind, _CONDITIONAL_ON) if n in raised_needs)
        level = self.priority(result)
        rec = Recommendation(
            **self.common(result, _RECOMMENDATION),
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
        derived = self.derived
        for node in derived.objects(result, _UNMET_CONDITION):
            cond = derived.value(node, _CONDITION)
            state = derived.value(node, _CONDITION_STATE) or self.unstated_condition_state
            if cond is None:
                continue
            cid = str(self.facts.value(cond, _CATALOGUE_ID) or self.local_id(cond))
            found.append(Reason(condition=cid, state=self.label(state) if state is not None else "not stated", text=self.kb.label(cond) or cid))
        return tuple(sorted(set(found), key=lambda r: (r.state, r.condition)))

    def of_type(self, result_type: URIRef) -> list[Node]:
        return sorted(set(self.derived.subjects(_TYPE, result_type)), key=str)


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
    facts = kb_facts(kb)
    ex = _Explainer(kb, case_graph, derived, as_of, facts)
    lookups = ex.derived

    def kind_of(r: Node) -> Node | None:
        return lookups.value(r, _OF_KIND)

    def ordered(items: list[Any], nodes: list[Node]) -> list[Any]:
        keyed = sorted(zip(items, nodes), key=lambda pair: facts.list_key(kind_of(pair[1]), pair[0].id))
        return [item for item, _ in keyed]

    need_nodes = ex.of_type(_INFORMATION_NEED)
    raised: set[Node] = {kind for kind in map(kind_of, need_nodes) if kind is not None}
    rec_nodes = ex.of_type(_RECOMMENDATION)
    ranked = [ex.recommendation(r, raised) for r in rec_nodes]
    sides: dict[Node, tuple[str, Any]] = {node: ("recommendation", rec) for (rec, _), node in zip(ranked, rec_nodes)}
    keys = {rec.id: facts.list_key(kind_of(node), rec.id) for (rec, _), node in zip(ranked, rec_nodes)}
    ranked.sort(key=lambda pair: (-pair[1].rank, keys[pair[0].id]))
    recs = _with_deferrals(ranked, kb)
    not_nodes = ex.of_type(_NOT_RECOMMENDED)
    not_items = [NotRecommended(**ex.common(r, _NOT_RECOMMENDED), reasons=ex.reasons(r)) for r in not_nodes]
    nots = ordered(not_items, not_nodes)
    caution_nodes = ex.of_type(_CAUTION)
    caution_items = [Caution(**ex.common(r, _CAUTION), text=kb.text(kind_of(r)) or "") for r in caution_nodes]
    cautions = ordered(caution_items, caution_nodes)
    sides.update({node: ("not-recommended", item) for item, node in zip(not_items, not_nodes)})
    sides.update({node: ("caution", item) for item, node in zip(caution_items, caution_nodes)})
    needs = []
    for r in need_nodes:
        affected = sorted(facts.objects(kind_of(r), _AFFECTS), key=facts.catalogue_id)
        needs.append(
            InformationNeed(
                **ex.common(r, _INFORMATION_NEED),
                affects=tuple(facts.catalogue_id(a) for a in affected),
                affects_labels=tuple(kb.label(a) or facts.catalogue_id(a) for a in affected),
            )
        )
    needs = ordered(needs, need_nodes)
    assessment_nodes = ex.of_type(_ASSESSMENT)
    assessments = ordered([Assessment(**ex.common(r, _ASSESSMENT)) for r in assessment_nodes], assessment_nodes)
    from ..interactions import build_interactions

    interactions = build_interactions(kb, lookups, sides, evidence=ex.evidence, label=ex.label, rules_of=ex.rules_of, premises=ex.premises)
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
        unconsidered_findings=unconsidered_findings(kb, ex.case_reads),  # type: ignore[arg-type]
        source_status=tuple(SourceStatus(source=name, status=status) for name, status in sorted(ex.sources_cited.items())),
        interactions=interactions,
        case_graph=case_graph,
        derivation_graph=derived,
    )
