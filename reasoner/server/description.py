"""SPARQL 1.1 Service Description of the endpoint (returned by GET without a query)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .dataset import ServedDataset

__all__ = ["service_description"]

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"


def service_description(endpoint: str, dataset: "ServedDataset", *, timeout: float, max_results: int) -> bytes:
    """Turtle describing the endpoint, its result formats, its limits and its named graphs."""
    from rdflib import BNode, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import RDF, RDFS, VOID, XSD

    sd = Namespace(SD)
    fmt = Namespace(FORMATS)
    g = Graph()
    g.bind("sd", sd)
    g.bind("formats", fmt)
    g.bind("void", VOID)
    service = URIRef(endpoint + "#service")
    g.add((service, RDF.type, sd.Service))
    g.add((service, sd.endpoint, URIRef(endpoint)))
    g.add((service, sd.supportedLanguage, sd.SPARQL11Query))
    g.add((service, sd.feature, sd.UnionDefaultGraph))
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        g.add((service, sd.resultFormat, fmt[name]))
    g.add((
        service,
        RDFS.comment,
        Literal(
            "Read-only endpoint of the knowledge-graph guideline reasoner (glr serve). "
            "Updates, SERVICE and LOAD are refused. The default graph is the union of all named graphs. "
            f"Each query may run for at most {timeout:g} s and return at most {max_results} solutions or triples. "
            f"Knowledge base: {dataset.knowledge_base_version}.",
            lang="en",
        ),
    ))
    ds = BNode("dataset")
    g.add((service, sd.defaultDataset, ds))
    g.add((ds, RDF.type, sd.Dataset))
    default = BNode("default-graph")
    g.add((ds, sd.defaultGraph, default))
    g.add((default, RDF.type, sd.Graph))
    g.add((default, VOID.triples, Literal(sum(dataset.graph_sizes.values()), datatype=XSD.integer)))
    for name, size in dataset.graph_sizes.items():
        named = BNode()
        graph = BNode()
        g.add((ds, sd.namedGraph, named))
        g.add((named, RDF.type, sd.NamedGraph))
        g.add((named, sd.name, URIRef(name)))
        g.add((named, sd.graph, graph))
        g.add((graph, RDF.type, sd.Graph))
        g.add((graph, VOID.triples, Literal(size, datatype=XSD.integer)))
    return g.serialize(format="turtle", encoding="utf-8")
