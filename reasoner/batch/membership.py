"""Class membership triples of a multi-case store, computed in Python instead of by a SPARQL update.

Why: the rewritten rules read ``?x <member> C`` (reasoner/batch/rewrite.py),
and the store used to materialise those triples before every stage with a
SPARQL INSERT over every case graph (:func:`~reasoner.batch.rewrite.membership_update`):
≈ 1–2 ms per case (issue 17), mostly re-deriving the same footprint triples.

What the update inserts in a graph G: ``x <member> C`` for every member class
C (a class some rewritten rule names) and every ``x rdf:type T`` in G with
``T rdfs:subClassOf* C`` in G (zero steps: T is C). While no case or derived
triple of the store has predicate rdfs:subClassOf, the rdfs:subClassOf
triples of a case graph are exactly those of the footprint copy it received,
so the closure ``T ⊑* C`` is the copy's and is computed here once per
knowledge base (:class:`Membership`). Then

* the footprint copy's own type triples give the same membership triples in
  every case graph: they are added to the copy itself (:meth:`Membership.of`),
  which is exact whatever the cases hold, as the update only adds triples
  (the store grows) and runs before any rule is asked;
* the case's type triples and, after each stage, the new derived type triples
  give the rest (:meth:`Membership.quads`): the only triples that can add
  membership while the closure stays the footprint's.

Terms are compared as pyoxigraph terms, as the update compares them: a type
object that is a literal or a blank node no footprint rdfs:subClassOf triple
starts from reaches no class (a class is an IRI), a blank-node subject gets
its triple like any other. The store (reasoner/batch/multicase.py) falls back
to the SPARQL update, as before, whenever the condition may not hold: a case
or derived rdfs:subClassOf triple, the left-out declarations copied back
(reasoner/batch/slim.py), or copied-back triples with rdf:type or
rdfs:subClassOf. The update adds nothing the Python triples lack there, and
never removes one, so the two paths can take turns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from ..vocab import RDF, RDFS
from .rewrite import MEMBER

__all__ = ["Membership", "SUBCLASS", "TYPE", "MEMBER_NODE"]

TYPE = ox.NamedNode(str(RDF.type))
SUBCLASS = ox.NamedNode(str(RDFS.subClassOf))
MEMBER_NODE = ox.NamedNode(str(MEMBER))
OxTriple = tuple[Any, Any, Any]


@dataclass(frozen=True)
class Membership:
    """For each term T of a graph's rdfs:subClassOf triples (and each member class), the
    member classes C with ``T rdfs:subClassOf* C`` in those triples alone."""

    up: dict[Any, tuple[ox.NamedNode, ...]]

    @classmethod
    def of_closure(cls, triples: Iterable[OxTriple], classes: Iterable[ox.NamedNode]) -> Membership:
        """The closure of the rdfs:subClassOf triples among ``triples`` (cycles included)."""
        members = frozenset(classes)
        edges: dict[Any, set[Any]] = defaultdict(set)
        for s, p, o in triples:
            if p == SUBCLASS:
                edges[s].add(o)
        up: dict[Any, tuple[ox.NamedNode, ...]] = {}
        for start in {*edges, *members}:
            seen = {start}
            todo = [start]
            while todo:  # every node reachable in zero or more steps; seen stops a cycle
                for nxt in edges.get(todo.pop(), ()):
                    if nxt not in seen:
                        seen.add(nxt)
                        todo.append(nxt)
            reached = tuple(sorted((n for n in seen if n in members), key=str))
            if reached:
                up[start] = reached
        return cls(up)

    def of(self, triples: Iterable[OxTriple]) -> list[OxTriple]:
        """The membership triples ``x <member> C`` the type triples among ``triples`` give."""
        up = self.up
        return [(s, MEMBER_NODE, c) for s, p, o in triples if p == TYPE for c in up.get(o, ())]

    def quads(self, quads: Iterable[ox.Quad], graph: ox.NamedNode) -> list[ox.Quad]:
        """The membership quads of ``graph`` the type quads among ``quads`` (of that graph) give."""
        up = self.up
        return [ox.Quad(q.subject, MEMBER_NODE, c, graph) for q in quads if q.predicate == TYPE for c in up.get(q.object, ())]
