"""Memoised reads of one case's graphs while it is explained.

Why: the explanation asks the derivation graph the same few patterns many
times (a result's kind, its rules, its premises), and labels of the case's
nodes for every premise it words; through rdflib's in-memory store each
costs several microseconds. A graph is not changed while it is explained,
so each pattern is answered by the graph once and the answer reused: the
same values in the same order, by construction.
"""

from __future__ import annotations

from typing import Protocol

from rdflib import Graph
from rdflib.term import Node

from ...vocab import RDFS

__all__ = ["Lookups", "GraphLookups", "CaseLabels"]

_LABEL = RDFS.label


class Lookups(Protocol):
    """The reads the explanation makes of a derivation: rdflib's ``objects``, ``value`` and ``subjects``
    with both named terms given."""

    def objects(self, subject: Node, predicate: Node) -> tuple[Node, ...]: ...

    def value(self, subject: Node, predicate: Node) -> Node | None: ...

    def subjects(self, predicate: Node, obj: Node) -> tuple[Node, ...]: ...


class GraphLookups:
    """A graph's answers to ``objects``/``value``/``subjects`` patterns, each asked of it once."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._objects: dict[tuple[Node, Node], tuple[Node, ...]] = {}
        self._subjects: dict[tuple[Node, Node], tuple[Node, ...]] = {}

    def objects(self, subject: Node, predicate: Node) -> tuple[Node, ...]:
        key = (subject, predicate)
        found = self._objects.get(key)
        if found is None:
            found = self._objects[key] = tuple(self.graph.objects(subject, predicate))
        return found

    def value(self, subject: Node, predicate: Node) -> Node | None:
        """``Graph.value(subject, predicate)``: the first object, or None."""
        if subject is None or predicate is None:  # rdflib's own rule for a pattern with two unknowns
            return self.graph.value(subject, predicate)
        found = self.objects(subject, predicate)
        return found[0] if found else None

    def subjects(self, predicate: Node, obj: Node) -> tuple[Node, ...]:
        key = (predicate, obj)
        found = self._subjects.get(key)
        if found is None:
            found = self._subjects[key] = tuple(self.graph.subjects(predicate, obj))
        return found


class CaseLabels:
    """``case_graph.value(node, RDFS.label)`` for any node, from one pass over the graph's labels.

    A node with one label gets it from the index; a node with several is asked of
    the graph itself (which one comes first is the graph's business), so the
    answer is always the graph's."""

    _SEVERAL = object()

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        index: dict[Node, object] = {}
        for subject, label in graph.subject_objects(_LABEL):
            index[subject] = self._SEVERAL if subject in index else label
        self._index = index

    def get(self, node: Node) -> Node | None:
        found = self._index.get(node)
        if found is self._SEVERAL or node is None:
            return self.graph.value(node, _LABEL)
        return found  # type: ignore[return-value]
