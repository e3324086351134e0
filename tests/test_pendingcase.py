"""Issue 17: a normalised case graph is built only when something needs it (reasoner/pipeline/pendingcase.py).

A batch reads the case as its triples and through a few patterns of the
explanation; these tests hold the pending graph's answers to those of the
graph it becomes (in rdflib's order), pin that filling it builds that very
graph, and that a batch never builds one. tests/test_memorygraph.py compares
the filled graph with the graph built call by call; tests/test_batch_multicase.py
the batch's records with the per-case path's (which builds every case graph).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef

from reasoner.batch.sources import CaseItem
from reasoner.batch.worker import BatchConfig, process_chunk
from reasoner.pipeline import pendingcase
from reasoner.batch.ntrows import case_triples
from reasoner.pipeline.pendingcase import CaseIndex, PendingCaseGraph, lookups_of
from reasoner.vocab import GLR, RDF, RDFS

ROOT = Path(__file__).resolve().parent.parent
EX = "https://example.org/"
S1, S2, S3 = (URIRef(EX + f"s{n}") for n in (1, 2, 3))
#: repeats, one subject with several objects, one object with several subjects, labels and a blank node
TRIPLES = [
    (S2, GLR.hasFinding, S3),
    (S1, GLR.hasFinding, S3),
    (S1, GLR.hasFinding, S2),
    (S1, RDFS.label, Literal("one")),
    (S3, RDFS.label, Literal("three")),
    (S3, RDFS.label, Literal("drei")),
    (S2, GLR.hasFinding, S3),  # a repeat
    (S3, GLR.status, GLR.Present),
    (BNode("b"), GLR.status, GLR.Present),
    (S3, RDF.type, GLR.Seroma),
    (S1, RDFS.subClassOf, S2),
]
NAMESPACES = [("glr", str(GLR)), ("ex", EX)]


def _pending() -> PendingCaseGraph:
    return PendingCaseGraph(list(NAMESPACES), list(TRIPLES))


def test_the_index_answers_as_the_graph_it_becomes() -> None:
    pending = _pending()
    index = lookups_of(pending)
    assert isinstance(index, CaseIndex) and type(pending) is PendingCaseGraph  # asking built nothing
    graph = _pending()
    len(graph)
    assert type(graph) is Graph
    for s in (S1, S2, S3, BNode("b"), URIRef(EX + "none")):
        for p in (GLR.hasFinding, RDFS.label, GLR.status, RDF.type):
            assert index.objects(s, p) == tuple(graph.objects(s, p)), (s, p)
            assert index.value(s, p) == graph.value(s, p), (s, p)
            for o in (S2, S3, GLR.Present, Literal("one"), GLR.Seroma):
                assert ((s, p, o) in index) == ((s, p, o) in graph)
                assert ((None, p, o) in index) == ((None, p, o) in graph)
                assert index.subjects(p, o) == tuple(graph.subjects(p, o)), (p, o)
            assert ((s, p, None) in index) == ((s, p, None) in graph)
    for p in (GLR.hasFinding, RDFS.label, GLR.status, RDFS.subClassOf, GLR.catalogueId):
        assert index.objects(None, p) == tuple(graph.objects(None, p)), p  # one per triple, as rdflib yields
        assert list(index.subject_objects(p)) == list(graph.subject_objects(p)), p
        assert ((None, p, None) in index) == ((None, p, None) in graph), p
    assert index.value(None, RDFS.label) is graph.value(None, RDFS.label) is None
    with pytest.raises(TypeError):
        (S1, None, S2) in index  # noqa: B015 - a pattern the explanation never asks


def test_reading_its_triples_or_subjects_builds_nothing_and_anything_else_builds_it() -> None:
    pending = _pending()
    assert case_triples(pending) == list(dict.fromkeys(TRIPLES))
    assert pending.subjects_of(GLR.status, GLR.Present) == [S3, BNode("b")]
    assert type(pending) is PendingCaseGraph
    built = _pending()
    assert pending.subjects_of(GLR.hasFinding, S3) == list(built.subjects(GLR.hasFinding, S3)) == [S2, S1]
    assert type(pending) is PendingCaseGraph and type(built) is Graph  # any graph method builds it
    assert built.namespace_manager.store.namespace("ex") == URIRef(EX)
    pending.value(S1, RDFS.label)
    assert type(pending) is Graph and "_subjects" not in vars(pending)  # nothing of the pending state is left
    assert set(pending) == set(TRIPLES) and len(pending) == len(set(TRIPLES))


def test_a_batch_never_builds_a_case_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[int] = []
    fill = PendingCaseGraph._fill
    monkeypatch.setattr(pendingcase.PendingCaseGraph, "_fill", lambda self: (built.append(1), fill(self))[1])
    cases = sorted((ROOT / "examples").glob("*.ttl"))[:3]
    outcomes = process_chunk([CaseItem(source=str(p), path=str(p)) for p in cases], BatchConfig())
    assert len(outcomes) == len(cases) == 3
    assert built == []
