"""Knowledge-base facts the explanation reads, worked out once per knowledge base.

Why: explaining a case reads the same knowledge-base facts for every case
(a rule's criteria and notes, an evidence statement's source, claim and
references, a catalogue entry's id, label, list order and evidence). Even
memoised (reasoner/kb/memo.py) each read costs several rdflib calls; here
each fact is derived once and kept, as plain Python values.

Exactness: every method returns what the explainer computed from the
knowledge base before, by the same expressions; nothing here reads a case.
A cache is tied to the knowledge base's graphs as they were when it was
made: when either graph has changed since (its ``generation``, see
reasoner/kb/memo.py), or cannot say whether it has, the facts are worked
out again (:func:`kb_facts`). The cache holds one entry per knowledge-base
node asked about (a few hundred Python objects), never anything of a case:
growing per case, it would slow the garbage collector (docs/performance.md,
fifth pass).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from typing import Any, NamedTuple, TypeVar

from rdflib import Literal, URIRef
from rdflib.term import Node

from ...kb.knowledge import KnowledgeBase, Rule
from ...vocab import GLR, RDF

__all__ = ["EvidenceFacts", "KbFacts", "kb_facts", "local_id"]

_BACKGROUND = GLR.hasBackgroundEvidence
_BIBLIOGRAPHIC = GLR.bibliographicStatus
_CATALOGUE_ID = GLR.catalogueId
_CERTAINTY = GLR.certainty
_CITES = GLR.citesReference
_CLAIM = GLR.claim
_CONFLICTS = GLR.conflictsWith
_CRITERION = GLR.criterion
_HAS_EVIDENCE = GLR.hasEvidence
_INFERENCE_NOTE = GLR.inferenceNote
_INTERACTION_KIND = GLR.InteractionKind
_LIST_ORDER = GLR.listOrder
_REFERENCE_NUMBER = GLR.referenceNumber
_REVIEW_STATUS = GLR.reviewStatus
_STATED_IN = GLR.statedIn
_TYPE = RDF.type

T = TypeVar("T")

#: the marker of "not worked out yet" (None is a fact: "no value")
_MISSING = object()


def local_id(iri: Node) -> str:
    """The IRI's local name: after its last '#' or '/'."""
    return str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


class EvidenceFacts(NamedTuple):
    """What the knowledge base says of one evidence statement (labels, which a case may state, excepted)."""

    id: str
    claim: str
    source: Node | None
    reference: tuple[int, ...]
    certainty: Node | None
    conflicts_with: tuple[str, ...]
    status: str  #: the source's review status, as the explanation shows it
    source_note: str


class KbFacts:
    """Memoised knowledge-base look-ups of the explanation (see the module docstring)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._kb = weakref.ref(kb)  # weak: the module-level cache must not keep a knowledge base alive
        self.stamp = _stamp(kb)
        self.rules_by_iri: dict[Node, Rule] = {r.iri: r for r in kb.rules}
        # elapsed-time property → (the date property it measures from, its unit)
        self.elapsed_to_date: dict[Node, tuple[URIRef, str]] = {}
        # whole-months property → the days property of the same date (a 0-month span is stated in days)
        self.months_to_days: dict[Node, URIRef] = {}
        for ep in kb.elapsed_properties():
            self.elapsed_to_date[ep.months_property] = (ep.date_property, "months")
            self.elapsed_to_date[ep.days_property] = (ep.date_property, "days")
            self.months_to_days[ep.months_property] = ep.days_property
        # the ontology's naming convention for evidence IRIs (glr:localIdPrefix, e.g. "ev-"): ids omit it
        self.evidence_prefix = str(kb.ontology.value(GLR.EvidenceStatement, GLR.localIdPrefix) or "")
        # the state of a condition whose rule states none (glr:valueWhenUnstated on glr:conditionState)
        self.unstated_condition_state = kb.ontology.value(GLR.conditionState, GLR.valueWhenUnstated)
        self._values: dict[tuple[Node | None, URIRef], Node | None] = {}
        self._objects: dict[tuple[Node | None, URIRef], tuple[Node, ...]] = {}
        self._catalogue: dict[Node | None, str] = {}
        self._evidence: dict[Node, EvidenceFacts] = {}
        self._by_rules: dict[tuple[Any, ...], Any] = {}
        self._modules: dict[Node | None, str] = {}
        self._interaction_order: dict[str, int] | None = None
        self._memo: dict[Hashable, Any] = {}
        self._superclasses: dict[Node, frozenset[Node]] = {}

    @property
    def kb(self) -> KnowledgeBase:
        kb = self._kb()
        assert kb is not None, "facts of a knowledge base no longer held"
        return kb

    # -- plain look-ups -------------------------------------------------------------
    def value(self, subject: Node | None, prop: URIRef) -> Node | None:
        """``kb.knowledge.value(subject, prop)``."""
        key = (subject, prop)
        found = self._values.get(key, _MISSING)
        if found is _MISSING:
            found = self._values[key] = self.kb.knowledge.value(subject, prop)
        return found  # type: ignore[return-value]

    def objects(self, subject: Node | None, prop: URIRef) -> tuple[Node, ...]:
        """``tuple(kb.knowledge.objects(subject, prop))``, in the graph's order."""
        key = (subject, prop)
        found = self._objects.get(key)
        if found is None:
            found = self._objects[key] = tuple(self.kb.knowledge.objects(subject, prop))
        return found

    def catalogue_id(self, entry: Node | None) -> str:
        """``kb.catalogue_id(entry)``; an entry without one raises, every time, as before."""
        found = self._catalogue.get(entry)
        if found is None:
            found = self._catalogue[entry] = self.kb.catalogue_id(entry)  # type: ignore[arg-type]
        return found

    def evidence_id(self, iri: Node) -> str:
        """An evidence statement's id: its local name without the ontology's glr:localIdPrefix for evidence."""
        return local_id(iri).removeprefix(self.evidence_prefix) if self.evidence_prefix else local_id(iri)

    def list_key(self, kind: Node | None, cid: str) -> tuple[bool, int, str]:
        """Order within a list: the module's glr:listOrder (lower first; entries without one last), then id."""
        value = self.value(kind, _LIST_ORDER) if kind is not None else None
        order = int(value.toPython()) if isinstance(value, Literal) else None
        return (order is None, order or 0, cid)

    def module_name(self, iri: Node | None) -> str:
        """A module's directory name: the id results carry in JSON (``module``) and group by in Markdown."""
        found = self._modules.get(iri)
        if found is None:
            found = self._modules[iri] = next((m.directory.name for m in self.kb.modules if m.iri == iri), "")
        return found

    # -- evidence -------------------------------------------------------------------
    def evidence(self, iri: Node) -> EvidenceFacts:
        """The knowledge base's side of one evidence item (the explainer adds the labels)."""
        found = self._evidence.get(iri)
        if found is None:
            k = self.kb.knowledge
            source = k.value(iri, _STATED_IN)
            refs = sorted(int(n.toPython()) for r in k.objects(iri, _CITES) for n in k.objects(r, _REFERENCE_NUMBER))
            conflicts = sorted({self.evidence_id(c) for c in k.objects(iri, _CONFLICTS)} | {self.evidence_id(c) for c in k.subjects(_CONFLICTS, iri)})
            status = k.value(source, _REVIEW_STATUS) if source is not None else None
            found = self._evidence[iri] = EvidenceFacts(
                id=self.evidence_id(iri),
                claim=str(k.value(iri, _CLAIM) or ""),
                source=source,
                reference=tuple(refs),
                certainty=k.value(iri, _CERTAINTY),
                conflicts_with=tuple(conflicts),
                status=str(status) if status is not None else "review status not stated",
                source_note=str(k.value(source, _BIBLIOGRAPHIC) or "") if source is not None else "",
            )
        return found

    def evidence_items(self, rules: tuple[Rule, ...], kind: Node | None) -> tuple[tuple[str, Node], ...]:
        """(role, evidence IRI) shown for a result: supporting (rules', then the catalogue entry's),
        then background evidence not also supporting; each IRI once."""
        key = ("evidence", rules, kind)
        found = self._by_rules.get(key)
        if found is None:
            k = self.kb.knowledge
            supporting: list[Node] = [iri for rule in rules for iri in rule.evidence]
            supporting += sorted(k.objects(kind, _HAS_EVIDENCE), key=str) if kind is not None else []
            background: list[Node] = [iri for rule in rules for iri in sorted(k.objects(rule.iri, _BACKGROUND), key=str)]
            background += sorted(k.objects(kind, _BACKGROUND), key=str) if kind is not None else []
            seen: set[Node] = set()
            items = []
            for role, iris in (("supports", supporting), ("background", background)):
                for iri in iris:
                    if iri not in seen:
                        seen.add(iri)
                        items.append((role, iri))
            found = self._by_rules[key] = tuple(items)
        return found  # type: ignore[no-any-return]

    # -- per set of rules -----------------------------------------------------------
    def criteria(self, rules: tuple[Rule, ...]) -> tuple[tuple[str, str], ...]:
        """(rule id, criterion text) of each rule, its criteria sorted."""
        key = ("criteria", rules)
        found = self._by_rules.get(key)
        if found is None:
            found = self._by_rules[key] = tuple(
                (rule.rule_id, str(text)) for rule in rules for text in sorted(self.kb.knowledge.objects(rule.iri, _CRITERION), key=str)
            )
        return found  # type: ignore[no-any-return]

    def notes(self, rules: tuple[Rule, ...]) -> tuple[str, ...]:
        """The rules' inference notes, sorted, each once."""
        key = ("notes", rules)
        found = self._by_rules.get(key)
        if found is None:
            found = self._by_rules[key] = tuple(sorted({str(n) for rule in rules for n in self.kb.knowledge.objects(rule.iri, _INFERENCE_NOTE)}))
        return found  # type: ignore[no-any-return]

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, worked out once per ``key``: for a fact of the knowledge base alone."""
        found = self._memo.get(key, _MISSING)
        if found is _MISSING:
            found = self._memo[key] = compute()
        return found  # type: ignore[return-value]

    def superclasses(self, cls: Node, walk: Callable[[], frozenset[Node]]) -> frozenset[Node]:
        """``walk()``: the class and its superclasses over the knowledge base's graphs, kept for the
        classes the knowledge base places under another (a class it does not know is its own only
        superclass: walked at once, never kept, so what is kept does not grow with the cases)."""
        found = self._superclasses.get(cls)
        if found is None:
            found = walk()
            if len(found) > 1:
                self._superclasses[cls] = found
        return found

    def interaction_order(self) -> dict[str, int]:
        """Interaction kind's catalogue id → its place (glr:listOrder, then id; reasoner/pipeline/interactions.py)."""
        if self._interaction_order is None:
            kb = self.kb

            def order(kind: Node) -> tuple[int, str]:
                value = kb.knowledge.value(kind, _LIST_ORDER)
                return (int(value.toPython()) if value is not None else 1_000_000, kb.catalogue_id(kind))

            kinds = sorted(kb.knowledge.subjects(_TYPE, _INTERACTION_KIND), key=order)
            self._interaction_order = {kb.catalogue_id(k): i for i, k in enumerate(kinds)}
        return self._interaction_order


def _stamp(kb: KnowledgeBase) -> tuple[int, int] | None:
    """The knowledge base's graphs' change counters, or None if either graph does not count changes."""
    knowledge, ontology = getattr(kb.knowledge, "generation", None), getattr(kb.ontology, "generation", None)
    if not isinstance(knowledge, int) or not isinstance(ontology, int):
        return None
    return (knowledge, ontology)


#: id(knowledge base) → (a weak reference to it, its facts); an entry leaves with its knowledge base
_FACTS: dict[int, tuple[weakref.ref[KnowledgeBase], KbFacts]] = {}


def kb_facts(kb: KnowledgeBase) -> KbFacts:
    """The knowledge base's facts: kept while its graphs are unchanged, else worked out afresh."""
    held = _FACTS.get(id(kb))
    if held is not None and held[0]() is kb and held[1].stamp is not None and held[1].stamp == _stamp(kb):
        return held[1]
    facts = KbFacts(kb)
    if facts.stamp is not None:
        key = id(kb)
        _FACTS[key] = (weakref.ref(kb, lambda _ref, key=key: _drop(key, _ref)), facts)
    return facts


def _drop(key: int, ref: weakref.ref[KnowledgeBase]) -> None:
    held = _FACTS.get(key)
    if held is not None and held[0] is ref:
        del _FACTS[key]
