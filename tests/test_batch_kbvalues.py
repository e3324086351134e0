"""Issue 17: knowledge-base blocks of the multi-case rules answered once, at load, as VALUES blocks.

The records of the whole path are compared with the per-case path by
tests/test_batch_multicase.py (every example, fixture and synthetic case);
these tests pin what is replaced, what is left, that the replaced form has
the same solutions as the form it came from, and which zero-length paths
move to the shared graph (reasoner/batch/kbgraph.py).
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from _synthetic_helpers import prepared_cases  # noqa: E402
from reasoner.batch import multicase
from reasoner.batch.kbgraph import KB_GRAPH, KbGraphForm, kb_graph_form
from reasoner.batch.kbvalues import values_form
from reasoner.batch.multicase import MultiCaseRules

GLR = "https://w3id.org/glr/ontology#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
KB = ox.NamedNode(KB_GRAPH)
PROLOGUE = f"PREFIX glr: <{GLR}>\nPREFIX rdfs: <{RDFS}>\nSELECT ?g ?r ?id WHERE {{ GRAPH ?g {{\n"


def _shared(*triples: tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.NamedNode | ox.Literal | ox.BlankNode]) -> ox.Store:
    store = ox.Store()
    store.extend([ox.Quad(s, p, o, KB) for s, p, o in triples])
    return store


def _g(local: str) -> ox.NamedNode:
    return ox.NamedNode(GLR + local)


CATALOGUE = (
    (_g("k1"), _g("catalogueId"), ox.Literal("nsaid")),
    (_g("k2"), _g("catalogueId"), ox.Literal("opioid", language="en")),
    (_g("k3"), _g("catalogueId"), ox.Literal("7", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
    (_g("k1"), _g("aboutCareAction"), _g("Nsaid")),
)


def _form(body: str) -> KbGraphForm:
    return KbGraphForm(PROLOGUE + body + "\n} }", frozenset({GLR + "catalogueId"}))


def _solutions(store: ox.Store, query: str) -> list[str]:
    graphs = [ox.NamedNode("urn:x-test:case"), KB]
    return sorted(str(s) for s in store.query(query, named_graphs=graphs))


def test_a_block_becomes_its_answers_and_the_solutions_stay_the_same() -> None:
    form = _form(f"?r glr:ofKind ?k . GRAPH <{KB_GRAPH}> {{ ?k glr:catalogueId ?id }}")
    shared = _shared(*CATALOGUE)
    replaced = values_form(form, shared)
    assert KB_GRAPH not in replaced.query and not replaced.reads_shared
    assert "VALUES (?k ?id)" in replaced.query or "VALUES (?id ?k)" in replaced.query
    # every kind of literal is written so the query reads it back as the same term
    assert '"opioid"@en' in replaced.query and '"7"^^<http://www.w3.org/2001/XMLSchema#integer>' in replaced.query
    store = _shared(*CATALOGUE)
    case = ox.NamedNode("urn:x-test:case")
    store.extend([ox.Quad(ox.NamedNode(f"urn:x-test:r{n}"), _g("ofKind"), k, case) for n, k in enumerate((_g("k1"), _g("k2"), _g("k3"), _g("k9")))])
    before = _solutions(store, form.query)
    assert len(before) == 3 and _solutions(store, replaced.query) == before
    assert replaced.predicates == form.predicates and replaced.applies(set()) == form.applies(set())


def test_no_answer_gives_an_empty_table_and_a_block_inside_filter_exists_is_replaced_too() -> None:
    shared = _shared(*CATALOGUE)
    empty = values_form(_form(f"?r glr:ofKind ?k . GRAPH <{KB_GRAPH}> {{ ?k glr:catalogueId \"none\" }}"), shared)
    assert "VALUES (?k) {  }" in empty.query
    inside = _form(f"?r glr:ofKind ?k . FILTER NOT EXISTS {{ GRAPH <{KB_GRAPH}> {{ ?k glr:aboutCareAction ?a }} }}")
    replaced = values_form(inside, shared)
    assert KB_GRAPH not in replaced.query
    store = _shared(*CATALOGUE)
    case = ox.NamedNode("urn:x-test:case")
    store.extend([ox.Quad(ox.NamedNode(f"urn:x-test:r{n}"), _g("ofKind"), k, case) for n, k in enumerate((_g("k1"), _g("k2")))])
    for form, answer in ((inside, replaced), (_form(f"?r glr:ofKind ?k . GRAPH <{KB_GRAPH}> {{ ?k glr:catalogueId \"none\" }}"), empty)):
        assert _solutions(store, answer.query) == _solutions(store, form.query)
    assert len(_solutions(store, replaced.query)) == 1  # k2 has no care action


@pytest.mark.parametrize(
    "block, triples",
    [
        ("?k glr:aboutCareAction ?a", ((ox.BlankNode("b0"), _g("aboutCareAction"), _g("Nsaid")),)),  # VALUES cannot name a blank node
        ("glr:k1 glr:aboutCareAction glr:Nsaid", CATALOGUE),  # no variable: nothing to bind
    ],
)
def test_a_block_values_cannot_say_is_left_as_it_was(block: str, triples) -> None:  # type: ignore[no-untyped-def]
    form = _form(f"?r glr:ofKind ?k . GRAPH <{KB_GRAPH}> {{ {block} }}")
    replaced = values_form(form, _shared(*triples))
    assert replaced.query == form.query and replaced.reads_shared


def test_a_zero_length_path_moves_only_from_a_footprint_node_to_a_variable_or_footprint_node() -> None:
    footprint = {RDFS + "subClassOf"}
    nodes = {GLR + "Seroma", GLR + "ImagingFinding"}
    head = f"PREFIX glr: <{GLR}>\nPREFIX rdfs: <{RDFS}>\nSELECT ?g ?x WHERE {{ GRAPH ?g {{\n  ?x glr:status ?s .\n  "
    moved = {
        "?c rdfs:subClassOf* glr:Seroma .": True,
        "glr:Seroma rdfs:subClassOf* ?c .": True,
        "glr:Seroma rdfs:subClassOf* glr:ImagingFinding .": True,
        "glr:Unknown rdfs:subClassOf* ?c .": False,  # not a node of the footprint: a case triple could make it one
        "glr:Seroma rdfs:subClassOf* glr:Unknown .": False,
        "?c rdfs:subClassOf* ?d .": False,  # both ends variables: every node of the graph
        '?c rdfs:subClassOf* "x" .': False,
    }
    for body, moves in moved.items():
        form = kb_graph_form(head + body + "\n} }", footprint, nodes)
        assert (form is not None) == moves, body


def test_every_bundled_rule_answers_the_same_with_its_blocks_replaced(kb, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    replaced = MultiCaseRules(kb)
    assert sum(not form.reads_shared for form in replaced.kb_forms.values()) >= 20  # what makes it worth it
    monkeypatch.setattr(multicase, "values_form", lambda form, shared: form)
    monkeypatch.setenv("GLR_NO_KB_CACHE", "1")  # compiled anew, not the first one's cached state
    kept = MultiCaseRules(kb)
    assert all(form.reads_shared for form in kept.kb_forms.values())
    cases = [(case.case_iri, case.graph) for case in prepared_cases(kb, 30, seed=11)]
    assert [sorted(g) for g in replaced.run(cases)] == [sorted(g) for g in kept.run(cases)]  # type: ignore[arg-type]


def test_a_block_that_hits_the_time_limit_stays_a_block(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Blocks are answered within the per-query time limit too; one that hits it is left for the
    store to answer inside each rule, under that rule's own limit."""
    from reasoner._runtime.limits import QueryTimeout
    from reasoner.batch import kbvalues

    def expired(fn, seconds, *, what, native):  # type: ignore[no-untyped-def]
        raise QueryTimeout(what, 1.0)

    monkeypatch.setattr(kbvalues, "run_with_time_limit", expired)
    form = _form(f"?r glr:ofKind ?k . GRAPH <{KB_GRAPH}> {{ ?k glr:catalogueId ?id }}")
    replaced = values_form(form, _shared(*CATALOGUE))
    assert replaced.query == form.query and replaced.reads_shared
