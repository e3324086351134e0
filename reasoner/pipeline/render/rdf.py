"""The derivation graph (PROV-O) as Turtle or JSON-LD, loadable into any store."""

from __future__ import annotations

import warnings

from rdflib import Graph, Literal, URIRef
from rdflib.plugins.serializers.nt import _quoteLiteral
from rdflib.term import Node

from ...vocab import GLR, PROV
from ..derivation import Derivation
from ..results import RecommendationResult

_AS_OF_USED = GLR.asOfUsed
_AS_OF_SOURCE = GLR.asOfSource

__all__ = ["derivation_ntriples", "derivation_with_context", "render_rdf"]


def derivation_with_context(result: RecommendationResult) -> Graph:
    """The results plus the case facts that say which as-of date was used."""
    graph = Graph()
    graph.bind("glr", GLR)
    graph.bind("prov", PROV)
    graph += result.derivation_graph
    for case in result.case_graph.subjects(GLR.asOfUsed, None):
        for prop in (GLR.asOfUsed, GLR.asOfSource):
            for value in result.case_graph.objects(case, prop):
                graph.add((case, prop, value))
    return graph


def derivation_ntriples(result: RecommendationResult) -> str:
    """``derivation_with_context(result).serialize(format="nt")`` up to the order of its lines.

    Why: a batch writes each case's derivation as sorted N-Quads (reasoner/batch/output.py),
    so the order of the lines does not matter, and copying the derivation into a second
    graph only to serialise it cost more than the rest of the record. Each line is made as
    rdflib's N-Triples serialiser makes it (``_nt_row``: ``n3()`` of each term, its
    ``_quoteLiteral`` for a literal object), each triple once (the graph's equality); text
    that UTF-8 cannot encode fails as rdflib fails on it, on the row that holds it.
    """
    derived = result.derivation_graph
    triples: dict[tuple[Node, Node, Node], None] = dict.fromkeys(
        derived.unique_triples() if isinstance(derived, Derivation) else derived.triples((None, None, None))
    )
    case_graph = result.case_graph
    for case in case_graph.subjects(_AS_OF_USED, None):
        for prop in (_AS_OF_USED, _AS_OF_SOURCE):
            for value in case_graph.objects(case, prop):
                triples.setdefault((case, prop, value), None)
    row = _Rows()
    text = "".join(row(triple) for triple in triples)
    try:
        text.encode()
    except UnicodeEncodeError:  # rdflib encodes row by row: fail on the row, with its error
        for triple in triples:
            row(triple).encode()
        raise
    return text


class _Rows:
    """rdflib's ``_nt_row`` with each IRI written once per derivation (its subjects and predicates
    recur; an IRI's N-Triples form depends only on its text, an invalid one raises every time)."""

    def __init__(self) -> None:
        self._iris: dict[URIRef, str] = {}

    def __call__(self, triple: tuple[Node, Node, Node]) -> str:
        s, p, o = triple
        return f"{self._n3(s)} {self._n3(p)} {_quoteLiteral(o) if isinstance(o, Literal) else self._n3(o)} .\n"

    def _n3(self, term: Node) -> str:
        if type(term) is not URIRef:
            return term.n3()
        found = self._iris.get(term)
        if found is None:
            found = self._iris[term] = term.n3()
        return found


def render_rdf(result: RecommendationResult, fmt: str) -> str:
    graph = derivation_with_context(result)
    if fmt == "jsonld":
        with warnings.catch_warnings():  # rdflib's JSON-LD serializer uses its own deprecated ConjunctiveGraph
            warnings.simplefilter("ignore", DeprecationWarning)
            return graph.serialize(format="json-ld", indent=2, auto_compact=True)
    return graph.serialize(format="turtle")
