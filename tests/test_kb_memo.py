"""Issue 17: the knowledge base's graphs remember triple-pattern answers, and forget them on any change."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from reasoner.kb import memo
from reasoner.kb.memo import MemoGraph, memoised

EX = "https://example.org/"


def test_the_loaded_knowledge_base_reads_through_memoising_graphs(kb) -> None:
    assert isinstance(kb.knowledge, MemoGraph) and isinstance(kb.ontology, MemoGraph)
    assert memoised(kb.knowledge) is kb.knowledge


def test_an_answer_is_remembered_and_a_change_is_seen() -> None:
    graph = memoised(Graph())
    node = URIRef(EX + "a")
    graph.add((node, RDFS.label, Literal("first")))
    assert graph.value(node, RDFS.label) == Literal("first")
    assert graph._answers  # the pattern was remembered
    graph.remove((node, RDFS.label, None))
    assert graph.value(node, RDFS.label) is None
    graph += [(node, RDFS.label, Literal("second"))]
    assert graph.value(node, RDFS.label) == Literal("second")
    graph.parse(data=f'<{EX}b> <{RDFS.label}> "parsed" .', format="nt")
    assert graph.value(URIRef(EX + "b"), RDFS.label) == Literal("parsed")


def test_the_memo_keeps_nothing_about_nodes_it_does_not_hold_and_is_bounded(monkeypatch) -> None:
    """A batch asks about every case node; those answers must not pile up."""
    monkeypatch.setattr(memo, "_LIMIT", 3)
    graph = memoised(Graph())
    for n in range(10):
        graph.add((URIRef(f"{EX}{n}"), RDFS.label, Literal(str(n))))
    for n in range(20):
        assert graph.value(URIRef(f"{EX}{n}"), RDFS.label) == (Literal(str(n)) if n < 10 else None)
    assert 0 < len(graph._answers) <= 3
    assert all(key[0] in {URIRef(f"{EX}{n}") for n in range(10)} for key in graph._answers)
