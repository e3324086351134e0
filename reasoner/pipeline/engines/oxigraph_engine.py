"""A fast embedded engine: Oxigraph via pyoxigraph.

A fresh in-memory store per case: one shared store with per-case graphs
slows down as a batch proceeds, a fresh one does not.
"""

from __future__ import annotations

from typing import Iterable

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from ...errors import RuleExecutionError
from ..._runtime.limits import query_time_limit, run_with_time_limit
from ...kb.knowledge import Rule
from .base import Triple

__all__ = ["OxigraphEngine", "OxigraphSession", "to_ox", "from_ox"]


def to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unsupported RDF term {term!r}")


def from_ox(term: object) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"unsupported Oxigraph term {term!r}")


def _quads(triples: Iterable[Triple]) -> list[ox.Quad]:
    return [ox.Quad(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in triples]  # type: ignore[arg-type]


class OxigraphSession:
    def __init__(self, engine: "OxigraphEngine", data: Graph) -> None:
        self._store = ox.Store()
        self._store.extend(engine.ontology_quads)
        self._store.extend(_quads(data))

    def construct(self, rule: Rule) -> list[Triple]:
        try:
            result = run_with_time_limit(
                lambda: list(self._store.query(rule.query_text)),  # type: ignore[arg-type]
                query_time_limit(),
                what=f"rule '{rule.rule_id}'",
                native=True,
            )
            return [(from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)) for t in result]  # type: ignore[union-attr]
        except (SyntaxError, OSError, ValueError) as exc:
            raise RuleExecutionError(f"rule '{rule.rule_id}' failed on oxigraph: {exc}", source=str(rule.query_path)) from None

    def add(self, triples: Iterable[Triple]) -> None:
        self._store.extend(_quads(triples))

    def close(self) -> None:
        """Nothing to release: the store is the session's own and goes with it."""


class OxigraphEngine:
    name = "oxigraph"
    native = True  # queries run in Rust with the GIL released: time-limited from another thread

    def __init__(self, ontology: Graph) -> None:
        self.ontology_quads = _quads(ontology)

    def open(self, data: Graph) -> OxigraphSession:
        return OxigraphSession(self, data)
