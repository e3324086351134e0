"""A normalised case graph kept as its triples until something needs the rdflib graph.

Why: time normalisation (reasoner/pipeline/timeline.py) built every case's
rdflib graph — bound namespaces, a Memory store and its three indexes —
yet a batch (reasoner/batch/many.py) only reads the case back as a list of
triples (validation and the rule store) and through a few patterns of the
explanation; the store's cycles (graph, store, namespace manager) also
left every case as garbage for the cyclic collector (issue 17: ~1 ms of a
batch case's ~10). A :class:`PendingCaseGraph` is an rdflib
:class:`~rdflib.Graph` that holds its namespaces and triples until any
graph method is used; then it fills itself exactly as normalisation built
its graph before (:func:`~reasoner.pipeline.memorygraph.graph_with_namespaces`
then :func:`~reasoner.pipeline.memorygraph.add_triples`, on itself) and
from then on *is* a plain ``Graph`` (its class is switched), so no caller
can tell the difference; the per-case path fills it as soon as its rules run.

The batch reads it without filling it: :meth:`PendingCaseGraph.unique_triples`
(reasoner/pipeline/memorygraph.py, ``all_triples``) and :meth:`PendingCaseGraph.lookups`,
a :class:`CaseIndex` answering the explanation's patterns in the order
rdflib's in-memory store gives (first-added first, as
:class:`~reasoner.pipeline.storeorder.DerivationIndex`; tests/test_pendingcase.py
holds it to that).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from rdflib import Graph
from rdflib.term import Node

from .storeorder import DerivationIndex

__all__ = ["CaseIndex", "PendingCaseGraph", "lookups_of"]

Triple = tuple[Node, Node, Node]

#: attributes a pending case graph answers without filling itself
_OWN = frozenset({"__class__", "__dict__", "_namespaces", "_triples", "unique_triples", "lookups", "subjects_of", "_fill"})


class CaseIndex(DerivationIndex):
    """The case graph's answers to the explanation's patterns (objects, value, subjects,
    subject_objects and membership, a subject or object left open where rdflib allows it), in
    the order rdflib's in-memory store answers them."""

    def __init__(self, triples: Iterable[Triple]) -> None:
        unique = list(triples)  # unique triples, first-added first
        super().__init__(unique)
        by_p: dict[Node, dict[Node, list[Node]]] = {}  # the store's pos index: predicate -> object -> subjects
        for s, p, o in unique:
            by_p.setdefault(p, {}).setdefault(o, []).append(s)
        self._by_p = by_p

    def objects(self, subject: Node | None, predicate: Node) -> tuple[Node, ...]:  # type: ignore[override]
        if subject is None and predicate is not None:  # one object per triple, as Graph.objects(None, p) yields
            return tuple(o for o, subjects in self._by_p.get(predicate, {}).items() for _ in subjects)
        return super().objects(subject, predicate)

    def subject_objects(self, predicate: Node) -> Iterator[tuple[Node, Node]]:
        if predicate is None:
            raise TypeError("a case index answers subject_objects for a given predicate")
        return ((s, o) for o, subjects in self._by_p.get(predicate, {}).items() for s in subjects)

    def __contains__(self, triple: tuple[Node | None, Node | None, Node | None]) -> bool:
        s, p, o = triple
        if p is None:
            raise TypeError("a case index answers membership for a given predicate")
        if s is None and o is None:
            return p in self._by_p
        if s is not None and o is not None:
            return o in self._by_sp.get((s, p), ())
        if s is None:
            return bool(self._by_po.get((p, o)))
        return bool(self._by_sp.get((s, p)))


class PendingCaseGraph(Graph):
    """A normalised case graph whose namespaces are bound and triples added on first use.

    While it is a ``PendingCaseGraph`` they are pending; once filled it is a plain ``Graph``."""

    def __init__(self, namespaces: list[tuple[str, str]], triples: list[Triple]) -> None:  # no Graph.__init__: _fill makes it
        self._namespaces = namespaces
        # set last: its presence marks the graph as not yet filled
        self._triples = triples

    def __getattribute__(self, name: str) -> Any:
        if name not in _OWN and "_triples" in object.__getattribute__(self, "__dict__"):
            object.__getattribute__(self, "_fill")()
        return object.__getattribute__(self, name)

    def unique_triples(self) -> list[Triple]:
        """Every triple once, first-added first."""
        return list(dict.fromkeys(self._triples))

    def subjects_of(self, predicate: Node, obj: Node) -> list[Node]:
        """``list(graph.subjects(predicate, obj))``, without filling the graph (first-added first);
        each pattern read once (a batch asks a case for its glr:Case node several times)."""
        memo = self.__dict__.setdefault("_subjects", {})
        found = memo.get((predicate, obj))
        if found is None:
            found = memo[(predicate, obj)] = list(dict.fromkeys(s for s, p, o in self._triples if p == predicate and o == obj))
        return list(found)

    def lookups(self) -> CaseIndex:
        """The explanation's reads of this case, answered without filling the graph (a new index
        each call: the explanation asks once per case)."""
        return CaseIndex(dict.fromkeys(self._triples))

    def _fill(self) -> None:
        """Become the graph normalisation used to build: the namespaces bound, then the triples added."""
        from .memorygraph import add_triples, graph_with_namespaces

        namespaces = self.__dict__.pop("_namespaces")
        self.__dict__.pop("_subjects", None)
        triples = self.__dict__.pop("_triples")
        self.__class__ = Graph  # type: ignore[assignment]
        graph_with_namespaces(namespaces, into=self)
        add_triples(self, triples)


def lookups_of(graph: Graph) -> Graph | CaseIndex:
    """What the explanation reads a case graph through: a pending graph's index, else the graph."""
    return graph.lookups() if type(graph) is PendingCaseGraph else graph
