"""The derivation graph (PROV-O) as Turtle or JSON-LD, loadable into any store."""

from __future__ import annotations

import warnings

from rdflib import Graph

from ..results import RecommendationResult
from ...vocab import GLR, PROV

__all__ = ["derivation_with_context", "render_rdf"]


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


def render_rdf(result: RecommendationResult, fmt: str) -> str:
    graph = derivation_with_context(result)
    if fmt == "jsonld":
        with warnings.catch_warnings():  # rdflib's JSON-LD serializer uses its own deprecated ConjunctiveGraph
            warnings.simplefilter("ignore", DeprecationWarning)
            return graph.serialize(format="json-ld", indent=2, auto_compact=True)
    return graph.serialize(format="turtle")
