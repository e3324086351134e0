"""Graphs built in bulk (reasoner/pipeline/memorygraph.py) are exactly the graphs built call by call.

"Exactly": every attribute of the graph, of its Memory store (indexes,
context sets and maps, namespace dictionaries) and of its namespace manager
(trie and caches), dictionaries and sets in iteration order, terms with
their types, lexical forms, datatypes and languages; the graph's own
identifier is the only thing allowed to differ.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.store import TripleAddedEvent

from reasoner._runtime import safety
from reasoner.pipeline import memorygraph, run
from reasoner.pipeline.fastturtle import read_plain_turtle
from reasoner.pipeline.memorygraph import add_triples, graph_with_namespaces
from reasoner.pipeline.pendingcase import PendingCaseGraph
from reasoner.pipeline.plainview import PlainCaseView
from reasoner.pipeline.timeline import (
    AsOf,
    AsOfSource,
    _integer,
    normalise,
    whole_months_between,
)
from reasoner.vocab import GLR, RDF, XSD

ROOT = Path(__file__).resolve().parent.parent
_FILES = sorted(p for d in ("tests", "examples") for p in (ROOT / d).rglob("*.ttl"))


def _render(value: object, graph: Graph) -> object:
    """A value as comparable data, order kept; the graph itself and its identifier as placeholders."""
    if value is graph:
        return "<the graph>"
    if value is graph.identifier:
        return "<its identifier>"
    if isinstance(value, (URIRef, Literal, BNode)):
        return (type(value).__name__, str(value), getattr(value, "datatype", None), getattr(value, "language", None))
    if isinstance(value, str):
        return value.replace(str(graph.identifier), "<its identifier>")
    if isinstance(value, dict):
        return ("dict", [(_render(k, graph), _render(v, graph)) for k, v in value.items()])
    if isinstance(value, (set, frozenset)):
        return ("set", [_render(v, graph) for v in value])
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, [_render(v, graph) for v in value])
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return (type(value).__name__, _render(vars(value), graph))


def full_state(graph: Graph) -> object:
    """Everything a graph holds, in order (its namespace manager made only if it already was)."""
    manager = vars(graph).get("_Graph__namespace_manager")
    return (
        type(graph).__name__,
        [tuple(_render(t, graph) for t in triple) for triple in graph],
        _render({k: v for k, v in vars(graph).items() if k != "_Graph__namespace_manager"}, graph),
        _render(vars(graph.store), graph),
        None if manager is None else _render(vars(manager), graph),
    )


def _call_by_call(namespaces, triples, override: bool = False) -> Graph:  # type: ignore[no-untyped-def]
    graph = Graph()
    for prefix, namespace in namespaces:
        graph.bind(prefix, namespace, override=override)
    for triple in triples:
        graph.add(triple)
    return graph


def _bulk(namespaces, triples, override: bool = False) -> Graph:  # type: ignore[no-untyped-def]
    graph = graph_with_namespaces(list(namespaces), override=override)
    add_triples(graph, list(triples))
    return graph


def _normalise_call_by_call(graph, as_of: AsOf, props) -> Graph:  # type: ignore[no-untyped-def]
    """timeline.normalise as it was written before the bulk build: bind, then add, one call each."""
    out = Graph()
    for prefix, ns in graph.namespaces():
        out.bind(prefix, ns, override=False)
    for triple in graph:
        out.add(triple)
    for case in graph.subjects(RDF.type, GLR.Case):
        out.add((case, GLR.asOfUsed, Literal(as_of.date, datatype=XSD.date)))
        out.add((case, GLR.asOfSource, Literal(as_of.source.value)))
    for ep in props:
        for subject, value in graph.subject_objects(ep.date_property):
            if not (isinstance(value, Literal) and value.datatype == XSD.date):
                continue
            try:
                when = value.toPython()
            except ValueError:
                continue
            if not isinstance(when, dt.date):
                continue
            out.add((subject, ep.months_property, _integer(whole_months_between(when, as_of.date))))
            out.add((subject, ep.days_property, _integer((as_of.date - when).days)))
    return out


EX = "https://example.org/"
_S, _P, _O = URIRef(EX + "s"), URIRef(EX + "p"), URIRef(EX + "o")
_TRIPLES = [
    (_S, _P, _O),
    (_S, _P, Literal("x", lang="en")),
    (_S, _P, _O),  # a repeat leaves the store as it was
    (BNode("b1"), URIRef(EX + "q"), Literal("2026-01-02", datatype=XSD.date)),
    (_O, _P, _S),
    (_S, URIRef(EX + "q"), Literal(3)),
]
_SEQUENCES = [
    [],
    [("ex", URIRef(EX))],
    [("xsd", URIRef(str(XSD))), ("", URIRef(EX + "case/1/")), ("ex", URIRef(EX))],
    [("xsd", URIRef(str(XSD))), ("", URIRef(EX + "case/2/")), ("ex", URIRef(EX))],
    [("", URIRef(EX + "case/3/")), ("", URIRef(EX + "case/4/"))],  # a prefix taken: rdflib makes default1
    [("rdf", URIRef(EX + "not-rdf#")), ("owl", URIRef(str(RDF)))],  # a default prefix, a default namespace
    [("ex", URIRef(EX)), ("ex2", URIRef(EX)), ("ex", URIRef(EX + "sub/"))],  # nested in the trie
]


def test_namespaces_and_triples_as_call_by_call() -> None:
    for _ in range(2):  # the second round starts from the kept states
        for override in (False, True):
            for namespaces in _SEQUENCES:
                for triples in ([], _TRIPLES):
                    bulk, by_call = _bulk(namespaces, triples, override), _call_by_call(namespaces, triples, override)
                    assert full_state(bulk) == full_state(by_call), (override, namespaces)


def test_kept_states_are_copies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Using a built graph's namespaces (a qname adds to the trie) or binding more never changes the next graph."""
    monkeypatch.setattr(memorygraph, "_KEPT_LIMIT", 2)  # and emptying the kept states on the way changes nothing
    sequence = _SEQUENCES[2]
    for round_ in range(4):
        graph = _bulk(sequence, _TRIPLES)
        assert full_state(graph) == full_state(_call_by_call(sequence, _TRIPLES)), round_
        graph.namespace_manager.compute_qname(EX + "deeper/x")
        graph.bind("more", URIRef(EX + "more/"))


def test_declines_where_the_store_is_not_fresh_or_a_term_is_foreign() -> None:
    used = _call_by_call([], _TRIPLES[:2])
    add_triples(used, _TRIPLES)
    assert full_state(used) == full_state(_call_by_call([], _TRIPLES[:2] + _TRIPLES))
    listened, heard = Graph(), []
    listened.store.dispatcher.subscribe(TripleAddedEvent, heard.append)
    add_triples(listened, _TRIPLES)
    assert len(heard) == len(_TRIPLES)  # every add was announced, one by one

    class Named(URIRef):
        pass

    odd = [(Named(EX + "s"), _P, _O)]
    assert full_state(_bulk([], odd)) == full_state(_call_by_call([], odd))


def _as_of(text: str) -> AsOf:
    return AsOf(dt.date.fromisoformat(text), AsOfSource.CASE_GRAPH, None)


def test_normalise_as_call_by_call() -> None:
    """Every plain Turtle file of the project: normalise builds the graph it built call by call."""
    props = run.default_knowledge_base().elapsed_properties()
    taken = 0
    for path in _FILES:
        try:
            plain = read_plain_turtle(safety.strip_utf8_bom(path.read_bytes()).decode("utf-8"))
        except UnicodeDecodeError:
            continue
        if plain is None:
            continue
        # by turns (the whole product is slow to compare): a view or a graph, an as-of before or after the dates
        source = PlainCaseView(plain) if taken % 2 == 0 else plain.to_graph()
        as_of = _as_of("2026-06-01" if taken % 4 < 2 else "2020-02-29")
        taken += 1
        normalised = normalise(source, as_of, props)
        assert type(normalised) is PendingCaseGraph  # built on first use (reasoner/pipeline/pendingcase.py) ...
        len(normalised)
        assert type(normalised) is Graph  # ... as the graph it built before
        assert full_state(normalised) == full_state(_normalise_call_by_call(source, as_of, props)), path
    assert taken >= 10


def test_all_triples_is_list_of_the_graph_in_its_order_and_its_side_effect() -> None:
    """memorygraph.all_triples (read by batch validation and the rule store) gives what
    ``list(graph)`` gives, in the same order, and leaves the store as iteration leaves it."""
    from rdflib import ConjunctiveGraph, Dataset

    from reasoner.pipeline.memorygraph import all_triples

    for identifier in (None, URIRef("https://example.org/g"), BNode("g1")):
        graph = Graph(identifier=identifier)
        for n in range(60):
            graph.add((URIRef(f"https://example.org/s{n % 7}"), GLR.status, Literal(n) if n % 3 else BNode(f"b{n}")))
        graph.remove((URIRef("https://example.org/s1"), None, None))  # a set with deletions iterates in its own order
        expected = list(graph)
        assert all_triples(graph) == expected and len(expected) > 40
        state = {k: (dict(v) if isinstance(v, dict) else v) for k, v in vars(graph.store).items()}
        all_triples(graph)
        assert {k: (dict(v) if isinstance(v, dict) else v) for k, v in vars(graph.store).items()} == state
    assert all_triples(Graph()) == []
    # another class of graph: read as rdflib reads it
    conjunctive = ConjunctiveGraph()
    conjunctive.get_context(URIRef("https://example.org/c")).add((URIRef("https://example.org/s"), GLR.status, Literal(1)))
    assert all_triples(conjunctive) == list(conjunctive)
    assert all_triples(Dataset()) == list(Dataset())
