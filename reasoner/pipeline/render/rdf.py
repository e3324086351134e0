"""The derivation graph (PROV-O) as Turtle or JSON-LD, loadable into any store."""

from __future__ import annotations

import warnings

from rdflib import Graph
from rdflib.plugins.serializers.nt import _nt_row
from rdflib.term import Node

from ..derivation import Derivation
from ..results import RecommendationResult
from ...vocab import GLR, PROV

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
    graph only to serialise it cost more than the rest of the record. Each line is made by
    rdflib's own N-Triples serialiser (``_nt_row``), each triple once (the graph's
    equality), and encoded as it encodes it, so an unencodable term fails the same way.
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
    return b"".join(_nt_row(triple).encode() for triple in triples).decode("utf-8")  # type: ignore[arg-type]


def render_rdf(result: RecommendationResult, fmt: str) -> str:
    graph = derivation_with_context(result)
    if fmt == "jsonld":
        with warnings.catch_warnings():  # rdflib's JSON-LD serializer uses its own deprecated ConjunctiveGraph
            warnings.simplefilter("ignore", DeprecationWarning)
            return graph.serialize(format="json-ld", indent=2, auto_compact=True)
    return graph.serialize(format="turtle")
