"""Issue 17: case graphs leave out the footprint triples only the shared graph is asked for.

The records of the whole path are compared with the per-case path by
tests/test_batch_multicase.py (every example, fixture and 210 synthetic
cases); these tests pin what is left out, that every node stays, and that a
query reading those triples from the case graphs (a knowledge-base form that
does not apply, a rule asked as written over one case) gets them back first.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef

from _synthetic_helpers import prepared_cases  # noqa: E402
from reasoner.batch.kbgraph import KB_GRAPH
from reasoner.batch.kbonly import case_predicates, kb_only_predicates, leave_out
from reasoner.batch.multicase import MultiCaseRules
from reasoner.batch.slim import slim_footprint
from reasoner.kb.cache import prepare_query
from reasoner.vocab import GLR, RDF, RDFS

ROOT = Path(__file__).resolve().parent.parent
PROLOGUE = "PREFIX glr: <https://w3id.org/glr/ontology#>\nSELECT ?g WHERE { GRAPH ?g {\n"


def _q(body: str):  # type: ignore[no-untyped-def]
    return prepare_query(PROLOGUE + body + "\n} }")


def test_only_predicates_read_outside_the_shared_graph_count() -> None:
    q = _q(f"?r glr:ofKind ?k . GRAPH <{KB_GRAPH}> {{ ?k glr:catalogueId ?id }} "
           f"FILTER NOT EXISTS {{ GRAPH <{KB_GRAPH}> {{ ?k glr:strength ?s }} ?r glr:forCase ?c }}")
    assert case_predicates(q.algebra) == {GLR.ofKind, GLR.forCase}
    footprint = [str(p) for p in (GLR.catalogueId, GLR.strength, GLR.ofKind, RDF.type)]
    assert kb_only_predicates(footprint, [q]) == {str(GLR.catalogueId), str(GLR.strength)}  # never rdf:type
    # the same pattern outside the shared graph, a variable predicate, a rule that does not parse
    assert kb_only_predicates(footprint, [q, _q("?k glr:catalogueId ?id .")]) == {str(GLR.strength)}
    assert kb_only_predicates(footprint, [q, _q("?k ?p ?id .")]) == frozenset()
    assert kb_only_predicates(footprint, [q, None]) == frozenset()


def test_the_bundled_rules_leave_knowledge_base_triples_out_and_keep_every_node(kb) -> None:  # type: ignore[no-untyped-def]
    rules = MultiCaseRules(kb)
    assert rules._slim is not None and len(rules._kb_only) > 50
    out = {p.value for _, p, _ in rules._kb_only}
    assert str(GLR.hasEvidence) in out and str(RDF.type) not in out
    # urgent-spine-evaluation reads its red-flag classes' rdfs:subClassOf from the shared graph
    # (a path bound by a VALUES block, reasoner/batch/kbgraph.py): no case graph keeps them
    assert str(RDFS.subClassOf) in out
    assert not out & {p.value for _, p, _ in rules._slim.kept}
    # node triples keep the nodes a path of length zero may need (reasoner/batch/slim.py); without
    # that proof, every node
    nodes = {n for s, _, o in rules._ontology for n in (s, o)}
    kept = {n for s, _, o in rules._slim.kept for n in (s, o)}
    assert kept <= nodes and ox.NamedNode(str(GLR.LumbarFusion)) in kept
    kept_all, _ = leave_out(slim_footprint(rules._ontology, [prepare_query(r.query_text).algebra for r in kb.rules]).kept, frozenset(out))  # type: ignore[union-attr]
    assert {n for s, _, o in kept_all for n in (s, o)} == nodes


def _cases(kb, picks: tuple[int, ...], extra: bool) -> list:  # type: ignore[no-untyped-def,type-arg]
    prepared = prepared_cases(kb, max(picks) + 1, seed=7, picks=picks)  # case 22 has a compounding-harm interaction
    if extra:  # a case fact with a moved predicate: the knowledge-base forms no longer apply
        prepared[0].graph.add((URIRef("urn:x-test:node"), GLR.catalogueId, Literal("x")))
    return [(case.case_iri, case.graph) for case in prepared]


class _NoRestore(MultiCaseRules):
    def _restore_kb_only(self, store, state):  # type: ignore[no-untyped-def]
        self._kb_only_store = None


@pytest.mark.parametrize(("picks", "extra"), [((0, 1, 22), False), ((0, 1, 22), True), ((22,), False)])
def test_queries_reading_the_case_graphs_get_the_left_out_triples_back(kb, picks: tuple[int, ...], extra: bool) -> None:  # type: ignore[no-untyped-def]
    whole = MultiCaseRules(kb)
    whole._slim = None  # every case graph gets the whole footprint
    cases = _cases(kb, picks, extra)
    expected = [sorted(g) for g in whole.run(cases)]  # type: ignore[arg-type]
    assert any(str(t[1]) == str(GLR.throughEffect) for g in expected for t in g)  # an interaction depends on them
    assert [sorted(g) for g in MultiCaseRules(kb).run(cases)] == expected  # type: ignore[arg-type]
    without = [sorted(g) for g in _NoRestore(kb).run(cases)]  # type: ignore[arg-type]
    assert (without == expected) is (len(picks) > 1 and not extra)  # the fallback is what keeps them
