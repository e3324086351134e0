"""Issue 17: case and derived triples no rule can read stay out of the multi-case store.

The whole path's records are compared with the per-case path by
tests/test_batch_multicase.py; these tests pin the filter itself
(reasoner/batch/unread.py): what it keeps, why the zero-length nodes must
be kept, and that the bundled rules answer the same with it and without it.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Literal, URIRef

from _synthetic_helpers import prepared_cases  # noqa: E402
from reasoner.batch import multicase
from reasoner.batch.multicase import MultiCaseRules
from reasoner.batch.slim import zero_length_nodes
from reasoner.batch.unread import ReadFilter
from reasoner.kb.cache import prepare_query
from reasoner.kb.footprint import rules_predicates

GLR = "https://w3id.org/glr/ontology#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
PROV_USED = URIRef("http://www.w3.org/ns/prov#used")


def _u(local: str) -> URIRef:
    return URIRef(GLR + local)


def test_either_set_unknown_keeps_everything() -> None:
    assert ReadFilter.of(None, frozenset()) is None
    assert ReadFilter.of(frozenset({_u("status")}), None) is None


def test_a_triple_is_kept_for_its_predicate_or_for_a_zero_length_node() -> None:
    read = ReadFilter.of(frozenset({_u("status")}), frozenset({GLR + "Anchor"}))
    assert read is not None
    triples = [
        (_u("f1"), _u("status"), _u("Present")),  # read predicate
        (_u("f1"), PROV_USED, _u("f2")),  # nothing reads it
        (_u("Anchor"), URIRef(RDFS + "label"), Literal("a")),  # names a node a p* path may need
        (_u("f3"), PROV_USED, _u("Anchor")),  # ... as object too
        (_u("f1"), URIRef(RDFS + "label"), Literal("pain")),
    ]
    assert read.kept(triples) == [triples[0], triples[2], triples[3]]
    assert [read.keeps(*t) for t in triples] == [True, False, True, True, False]


def test_without_the_node_rule_a_zero_length_path_would_lose_its_answer() -> None:
    """Why the nodes matter: ``glr:Anchor rdfs:subClassOf* ?c`` answers ``?c = glr:Anchor`` only while
    glr:Anchor is a node of the graph — here only an unread triple makes it one."""
    query = f"PREFIX glr: <{GLR}> PREFIX rdfs: <{RDFS}> CONSTRUCT {{ glr:r glr:c ?c }} WHERE {{ glr:Anchor rdfs:subClassOf* ?c }}"
    prepared = prepare_query(query)
    predicates, nodes = rules_predicates([prepared]), zero_length_nodes([prepared.algebra])
    assert predicates is not None and nodes == frozenset({GLR + "Anchor"})
    triples = [(_u("Anchor"), URIRef(RDFS + "label"), Literal("anchor")), (_u("x"), URIRef(RDFS + "subClassOf"), _u("y"))]

    def answers(kept: list) -> list[str]:  # type: ignore[type-arg]
        store = ox.Store()
        store.extend([ox.Quad(ox.NamedNode(s), ox.NamedNode(p), ox.Literal(o) if isinstance(o, Literal) else ox.NamedNode(o)) for s, p, o in kept])
        return sorted(str(t) for t in store.query(query))

    with_nodes = ReadFilter.of(predicates, nodes)
    without_nodes = ReadFilter.of(predicates, frozenset())
    assert with_nodes is not None and without_nodes is not None
    assert answers(with_nodes.kept(triples)) == answers(triples) != []
    assert answers(without_nodes.kept(triples)) != answers(triples)


def test_the_bundled_rules_keep_provenance_out_of_the_store_and_answer_the_same(kb, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rules = MultiCaseRules(kb)
    assert rules._read is not None  # what makes it worth it: every bundled rule names its predicates
    assert str(PROV_USED) not in rules._read.predicates
    stores: list[ox.Store] = []
    real_store = ox.Store
    monkeypatch.setattr(multicase.ox, "Store", lambda *a: stores.append(real_store(*a)) or stores[-1])
    cases = [(case.case_iri, case.graph) for case in prepared_cases(kb, 30, seed=13)]
    filtered = rules.run(cases)  # type: ignore[arg-type]
    assert not any(True for _ in stores[-1].quads_for_pattern(None, ox.NamedNode(str(PROV_USED)), None))
    assert any(p == PROV_USED for graph in filtered if not isinstance(graph, BaseException) for _, p, _ in graph)  # derived all the same
    rules._read = None
    everything = rules.run(cases)  # type: ignore[arg-type]
    assert any(True for _ in stores[-1].quads_for_pattern(None, ox.NamedNode(str(PROV_USED)), None))
    # the same triples (their order follows the store's answer order, which the records do not show:
    # tests/test_batch_multicase.py compares the records and derivation files byte for byte)
    assert [sorted(g) for g in filtered] == [sorted(g) for g in everything]
