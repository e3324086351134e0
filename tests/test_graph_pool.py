"""Graphs lent with the ontology already in them must look exactly like a fresh copy, every time.

reasoner/_runtime/graph_pool.py lends graphs to validation and to the rdflib
rule engine; a case's triples left behind in a lent graph would leak into
the next case's results. These tests hold the pool to "base + case, in
that order, and nothing of any earlier case".
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef

from reasoner.kb.memo import MemoGraph
from reasoner.pipeline.engines.rdflib_engine import RdflibEngine
from reasoner._runtime.graph_pool import GraphPool
from reasoner.pipeline.merged_data import merged_with_ontology

EX = "https://example.org/pool#"


def _triple(s: str, o: str) -> tuple[URIRef, URIRef, URIRef]:
    return URIRef(EX + s), URIRef(EX + "p"), URIRef(EX + o)


def _base() -> Graph:
    base = Graph()
    base.add(_triple("Seroma", "Finding"))
    base.add(_triple("Finding", "Thing"))
    return base


def test_a_returned_graph_holds_the_base_alone_and_in_its_order() -> None:
    base = _base()
    pool = GraphPool(base)
    graph = pool.borrow()
    case = [_triple("a", "b"), _triple("Seroma", "Finding")]  # the second is already in the base
    added = pool.add(graph, case)
    assert added == [_triple("a", "b")], "a triple the base holds is not the case's to remove"
    assert set(graph) == set(base) | set(case)
    pool.give_back(graph, added)
    again = pool.borrow()
    assert again is graph, "the graph is reused"
    assert list(again) == list(base), "the same triples in the same order as a fresh copy"


def test_two_borrowers_at_once_get_different_graphs() -> None:
    pool = GraphPool(_base())
    first, second = pool.borrow(), pool.borrow()
    assert first is not second
    pool.add(first, [_triple("only", "first")])
    assert _triple("only", "first") not in second


def test_the_pool_keeps_a_snapshot_of_the_base() -> None:
    base = _base()
    pool = GraphPool(base)
    base.add(_triple("late", "change"))
    assert _triple("late", "change") not in pool.borrow()


def test_validation_sees_a_changed_ontology_at_once() -> None:
    """The validation pool follows the knowledge base's ontology: a change makes a new pool."""
    ontology = MemoGraph()
    ontology += _base()
    data = Graph()
    data.add(_triple("case", "fact"))
    with merged_with_ontology(data, ontology, Graph) as merged:
        assert set(merged) == set(ontology) | set(data)
    ontology.add(_triple("new", "axiom"))
    with merged_with_ontology(data, ontology, Graph) as merged:
        assert _triple("new", "axiom") in merged
    with merged_with_ontology(Graph(), ontology, Graph) as merged:
        assert _triple("case", "fact") not in merged, "the earlier case left nothing behind"


def test_a_rule_run_leaves_nothing_behind_for_the_next_case() -> None:
    """Case facts and derived triples of one rdflib session never reach the next session."""
    engine = RdflibEngine(_base())
    first = Graph()
    first.add(_triple("patient1", "finding1"))
    session = engine.open(first)
    session.add([(URIRef(EX + "result1"), URIRef(EX + "derived"), Literal("yes"))])
    graph = session._graph
    session.close()
    second = engine.open(Graph())
    assert second._graph is graph, "the graph was given back and is reused"
    assert list(second._graph) == list(_base())
    second.close()


def test_a_session_whose_query_may_still_run_is_not_reused() -> None:
    """After a time-limit error a helper thread may still read the graph: it is never lent again."""
    engine = RdflibEngine(_base())
    session = engine.open(Graph())
    session._added = None  # what the time-limit branch of RdflibSession.construct sets
    graph = session._graph
    session.close()
    assert engine.pool.borrow() is not graph
