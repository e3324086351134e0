"""rdflib graphs that already hold a fixed base (the ontology), lent out one case at a time.

Why: both validation and the rdflib rule engine query the union of one case
and a fixed set of ontology triples. Copying the ~700–1,800 ontology
triples into a fresh graph for every case cost more than the case itself
(7 ms of each rdflib rule run, 40% of each validation; docs/performance.md).
A lent graph already holds the base; the borrower adds the case (and, for
the rule engine, what the rules derive), and when it is given back exactly
the triples that were added are removed. What the borrower sees is the
same set of triples, in the same order, as a fresh ``base + case`` copy:
the base is added first and never touched, and rdflib's in-memory store
lists triples in the order they were added.

A graph is lent to one borrower at a time (a lock guards the idle list),
so threads never see each other's cases. A graph whose borrower could not
say what it added (e.g. a rule hit its time limit and its thread may still
be reading) is simply not given back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from rdflib import Graph
from rdflib.term import Node

Triple = tuple[Node, Node, Node]

__all__ = ["GraphPool"]


class GraphPool:
    """Graphs holding a snapshot of ``base``, taken when the pool is made."""

    def __init__(self, base: Graph, new_graph: Callable[[], Graph] = Graph, *, keep: int = 8) -> None:
        self._base = tuple(base)  # a snapshot: later changes to ``base`` do not reach lent graphs
        self._new_graph = new_graph
        self._keep = keep  # enough for the server's threads, few enough to bound memory (~2 MB each)
        self._idle: list[Graph] = []
        self._lock = threading.Lock()

    def borrow(self) -> Graph:
        """A graph holding exactly the base; give it back with what was added to it."""
        with self._lock:
            if self._idle:
                return self._idle.pop()
        graph = self._new_graph()
        graph.addN((s, p, o, graph) for s, p, o in self._base)  # in the base's own order, as ``graph += base`` adds
        return graph

    def add(self, graph: Graph, triples: Iterable[Triple]) -> list[Triple]:
        """Add ``triples`` to a borrowed graph; returns those that were new (to remove on return)."""
        new = [t for t in dict.fromkeys(triples) if t not in graph]
        graph.addN((s, p, o, graph) for s, p, o in new)
        return new

    def give_back(self, graph: Graph, added: Iterable[Triple]) -> None:
        """Remove what was added and keep the graph for the next borrower."""
        for triple in added:
            graph.remove(triple)
        with self._lock:
            if len(self._idle) < self._keep:
                self._idle.append(graph)
