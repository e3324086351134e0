"""Answers to graph patterns over a list of triples, in the order rdflib's in-memory store gives them.

Why a module of its own: a batch keeps a case's derivation (reasoner/pipeline/derivation.py)
and its normalised graph (reasoner/pipeline/pendingcase.py) as triples until a graph is
needed, and the explanation reads both through these indexes instead (tests/test_derivation.py
and tests/test_pendingcase.py compare their answers with rdflib's).
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib.term import Node

__all__ = ["DerivationIndex"]

Triple = tuple[Node, Node, Node]


class DerivationIndex:
    """``objects``/``value``/``subjects`` over triples added in order, as rdflib's in-memory store answers
    them: its indexes are dicts filled as triples are added, so each answer lists first-added first."""

    def __init__(self, triples: Iterable[Triple]) -> None:
        by_sp: dict[tuple[Node, Node], list[Node]] = {}
        by_po: dict[tuple[Node, Node], list[Node]] = {}
        for s, p, o in triples:  # unique triples: no value is listed twice
            by_sp.setdefault((s, p), []).append(o)
            by_po.setdefault((p, o), []).append(s)
        self._by_sp = by_sp
        self._by_po = by_po

    def objects(self, subject: Node, predicate: Node) -> tuple[Node, ...]:
        if subject is None or predicate is None:
            raise TypeError("a derivation index answers patterns naming both the subject and the predicate")
        return tuple(self._by_sp.get((subject, predicate), ()))

    def value(self, subject: Node, predicate: Node) -> Node | None:
        """``Graph.value(subject, predicate)``: the first object, or None."""
        if subject is None or predicate is None:
            return None  # rdflib's answer to a pattern with two unknowns
        found = self._by_sp.get((subject, predicate))
        return found[0] if found else None

    def subjects(self, predicate: Node, obj: Node) -> tuple[Node, ...]:
        if predicate is None or obj is None:
            raise TypeError("a derivation index answers patterns naming both the predicate and the object")
        return tuple(self._by_po.get((predicate, obj), ()))
