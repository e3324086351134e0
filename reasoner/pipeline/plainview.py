"""A read-only stand-in for the graph of a plain Turtle case, for the steps before normalisation.

Why: preparing a case built two rdflib graphs — the parsed one, then its
time-normalised copy (timeline.normalise) — and the parsed one was read only
by check_case_content, resolve_as_of and normalise. For a plain Turtle case
(reasoner/pipeline/fastturtle.py) this view answers exactly those reads, in
exactly the order rdflib's in-memory store would answer them for the graph
``PlainTurtle.to_graph()`` builds, so only the normalised graph is built:

* iterating yields the triples in the order of the store's per-graph set, a
  Python set that received the same ``add`` calls in the same order (CPython
  set order depends only on that sequence), copied as the store copies it;
* ``subjects(p, o)``, ``objects(s, p)`` and ``subject_objects(p)`` follow the
  store's pos / spo dictionaries, built by the same insertions;
* ``namespaces()`` is the parsed graph's (its bindings do not depend on triples).

tests/test_plainview.py requires normalise(view) and normalise(graph) to
build identical graphs (store order included), and the same refusals.
"""

from __future__ import annotations

from collections.abc import Iterator

from rdflib import URIRef
from rdflib.term import Node

from .fastturtle import PlainTurtle, Triple

__all__ = ["PlainCaseView"]


class PlainCaseView:
    """The reads of rdflib's Graph that case preparation makes, answered for a plain Turtle case."""

    def __init__(self, plain: PlainTurtle) -> None:
        self.plain = plain
        members: set[Triple] = set()
        spo: dict[Node, dict[Node, dict[Node, int]]] = {}
        pos: dict[Node, dict[Node, dict[Node, int]]] = {}
        for triple in plain.triples:
            held = len(members)
            members.add(triple)  # one hash of the triple, not two (``in`` then ``add``)
            if len(members) == held:
                continue  # the store leaves every index as it was for a triple it holds
            s, p, o = triple
            spo.setdefault(s, {}).setdefault(p, {})[o] = 1
            pos.setdefault(p, {}).setdefault(o, {})[s] = 1
        self._members = members
        self._spo = spo
        self._pos = pos

    def __iter__(self) -> Iterator[Triple]:
        return iter(self._members.copy())  # Memory.triples((None, None, None)) iterates a copy of its set

    def __len__(self) -> int:
        return len(self._members)

    def to_graph(self):  # type: ignore[no-untyped-def]
        """The parsed graph itself, for anything that needs more than these reads."""
        return self.plain.to_graph()

    def namespaces(self) -> Iterator[tuple[str, URIRef]]:
        return iter(self.plain.namespaces())

    def subjects(self, predicate: Node, object: Node) -> Iterator[Node]:  # noqa: A002 - rdflib's name
        return iter(list(self._pos.get(predicate, {}).get(object, {})))

    def objects(self, subject: Node, predicate: Node) -> Iterator[Node]:
        return iter(list(self._spo.get(subject, {}).get(predicate, {})))

    def subject_objects(self, predicate: Node) -> Iterator[tuple[Node, Node]]:
        by_object = self._pos.get(predicate, {})
        return iter([(s, o) for o in list(by_object) for s in list(by_object[o])])
