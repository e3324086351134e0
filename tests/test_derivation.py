"""Issue 17: the explanation's shortcuts answer exactly what the graphs they stand for answer.

* :class:`reasoner.pipeline.derivation.Derivation` holds a case's derived triples and becomes,
  on first use as a graph, the graph the batch path built before (prefixes, triples, order);
* its index answers ``objects``/``value``/``subjects`` in rdflib's in-memory store's order;
* :class:`reasoner.pipeline.results.lookups.GraphLookups` / ``CaseLabels`` answer as the graph does;
* ``derivation_ntriples`` gives the lines of ``derivation_with_context(...).serialize("nt")``;
* knowledge-base facts are worked out again when the knowledge base changes.

The byte-for-byte comparisons of tests/test_batch_multicase.py (every example and rule
fixture, per-case path against the multi-case path) cover the same code end to end.
"""

from __future__ import annotations

import random

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from reasoner.pipeline.derivation import Derivation, DerivationIndex
from reasoner.pipeline.results.lookups import CaseLabels, GraphLookups
from reasoner.vocab import GLR, PROV, RDFS

EX = "https://example.org/"


def _random_triples(seed: int, count: int = 400) -> list[tuple]:
    """Triples over a small vocabulary, so that subjects, predicates and objects repeat (and whole triples do)."""
    rng = random.Random(seed)
    nodes = [URIRef(f"{EX}n{i}") for i in range(12)] + [BNode(f"b{i}") for i in range(3)]
    preds = [URIRef(f"{EX}p{i}") for i in range(4)] + [GLR.premise, GLR.ofKind]
    values = nodes + [Literal("x"), Literal("x", lang="en"), Literal("1", datatype=XSD.integer), Literal("01", datatype=XSD.integer), Literal('a "q"\nline')]
    return [(rng.choice(nodes[:12]), rng.choice(preds), rng.choice(values)) for _ in range(count)]


def _graph_as_before(stages: list[list[tuple]]) -> Graph:
    """What reasoner/batch/multicase.py built before: a graph, two prefixes, each stage's triples added."""
    graph = Graph()
    graph.bind("glr", GLR)
    graph.bind("prov", PROV)
    for stage in stages:
        if stage:
            graph += stage
    return graph


def _patterns(triples: list[tuple]) -> tuple[set, set]:
    sp = {(s, p) for s, p, _ in triples} | {(URIRef(f"{EX}absent"), URIRef(f"{EX}p0"))}
    po = {(p, o) for _, p, o in triples} | {(URIRef(f"{EX}p0"), Literal("absent"))}
    return sp, po


def test_the_index_answers_in_the_in_memory_stores_order() -> None:
    for seed in range(5):
        triples = _random_triples(seed)
        graph = _graph_as_before([triples])
        index = DerivationIndex(dict.fromkeys(triples))
        sp, po = _patterns(triples)
        for s, p in sp:
            assert index.objects(s, p) == tuple(graph.objects(s, p))
            assert index.value(s, p) == graph.value(s, p)
        for p, o in po:
            assert index.subjects(p, o) == tuple(graph.subjects(p, o))
        assert index.value(None, GLR.ofKind) is graph.value(None, GLR.ofKind) is None  # type: ignore[arg-type]


def test_a_derivation_becomes_the_graph_built_before() -> None:
    for seed in range(5):
        triples = _random_triples(seed)
        stages = [triples[:150], triples[150:300], triples[300:]]
        before = _graph_as_before(stages)
        derivation = Derivation([t for stage in stages for t in dict.fromkeys(stage)])
        sp, po = _patterns(triples)
        lookups = derivation.lookups()  # answers without filling
        assert type(derivation) is Derivation
        assert [lookups.objects(s, p) for s, p in sorted(sp)] == [tuple(before.objects(s, p)) for s, p in sorted(sp)]
        assert len(derivation) == len(before)  # any graph method fills it ...
        assert type(derivation) is Graph  # ... and it is a plain graph from then on
        assert set(derivation) == set(before)
        assert [tuple(derivation.objects(s, p)) for s, p in sorted(sp)] == [tuple(before.objects(s, p)) for s, p in sorted(sp)]
        assert [tuple(derivation.subjects(p, o)) for p, o in sorted(po)] == [tuple(before.subjects(p, o)) for p, o in sorted(po)]
        assert dict(derivation.namespaces()) == dict(before.namespaces())
        assert derivation.serialize(format="turtle") == before.serialize(format="turtle")


def test_an_empty_derivation_is_an_empty_graph_with_the_prefixes() -> None:
    derivation = Derivation()
    assert derivation.unique_triples() == []
    assert len(derivation) == 0
    assert dict(derivation.namespaces()) == dict(_graph_as_before([]).namespaces())


def test_graph_lookups_and_case_labels_are_the_graphs_answers() -> None:
    triples = _random_triples(7)
    graph = Graph()
    graph += triples
    labelled = [URIRef(f"{EX}n{i}") for i in range(12)]
    graph.add((labelled[0], RDFS.label, Literal("one")))
    graph.add((labelled[1], RDFS.label, Literal("first")))
    graph.add((labelled[1], RDFS.label, Literal("second")))
    graph.add((labelled[2], RDFS.label, Literal("one")))
    lookups, labels = GraphLookups(graph), CaseLabels(graph)
    sp, po = _patterns(triples)
    for _ in range(2):  # asked twice: the memoised answer is the same
        for s, p in sp:
            assert lookups.objects(s, p) == tuple(graph.objects(s, p))
            assert lookups.value(s, p) == graph.value(s, p)
        for p, o in po:
            assert lookups.subjects(p, o) == tuple(graph.subjects(p, o))
        for node in [*labelled, Literal("one"), URIRef(f"{EX}absent"), None]:
            assert labels.get(node) == graph.value(node, RDFS.label)  # type: ignore[arg-type]
    assert lookups.value(None, GLR.ofKind) == graph.value(None, GLR.ofKind)  # type: ignore[arg-type]


def test_derivation_ntriples_are_the_serialised_lines(kb) -> None:
    from pathlib import Path

    from reasoner.batch.multicase import MultiCaseRules
    from reasoner.pipeline.render.rdf import derivation_ntriples, derivation_with_context
    from reasoner.pipeline.run import explain_prepared, prepare_case

    root = Path(__file__).resolve().parent.parent
    prepared = prepare_case(root / "examples" / "seed-case.ttl", kb=kb)
    assert prepared.report.conforms
    (derived,) = MultiCaseRules(kb).run([(prepared.case_iri, prepared.graph)])
    assert isinstance(derived, Derivation)
    result = explain_prepared(prepared, kb=kb, engine="oxigraph", derived=derived, rules_seconds=0.0)
    assert type(result.derivation_graph) is Derivation  # explained without building the graph
    fast = derivation_ntriples(result)
    assert type(result.derivation_graph) is Derivation  # written without building it either
    slow = derivation_with_context(result).serialize(format="nt")
    assert sorted(fast.splitlines()) == sorted(slow.splitlines()) and fast
    assert sorted(derivation_ntriples(result).splitlines()) == sorted(slow.splitlines())  # a filled graph too


def test_knowledge_base_facts_follow_a_change_of_the_knowledge_base() -> None:
    from reasoner.kb.knowledge import load_knowledge_base
    from reasoner.pipeline.results.kbfacts import kb_facts

    kb = load_knowledge_base()
    facts = kb_facts(kb)
    assert kb_facts(kb) is facts
    rule = kb.rules[0]
    before = facts.notes((rule,))
    kb.knowledge.add((rule.iri, GLR.inferenceNote, Literal("a note added after loading")))
    assert kb_facts(kb) is not facts
    assert kb_facts(kb).notes((rule,)) == tuple(sorted({*before, "a note added after loading"}))


def test_ntriples_rows_are_rdflibs() -> None:
    from rdflib.plugins.serializers.nt import _nt_row

    from reasoner.pipeline.render.rdf import _Rows

    row = _Rows()
    terms = [URIRef(f"{EX}a"), BNode("b1"), Literal("x"), Literal("x", lang="en-GB"), Literal("1", datatype=XSD.integer),
             Literal('tab\\t "quoted"\nnew\rline \u00e9 \U0001f600'), Literal("2026-01-01", datatype=XSD.date)]
    for triple in _random_triples(3, 200) + [(URIRef(f"{EX}s"), URIRef(f"{EX}p"), o) for o in terms] + [(BNode("b2"), GLR.premise, BNode("b3"))]:
        assert row(triple) == _nt_row(triple)
        assert row(triple) == _nt_row(triple)  # the second time from the remembered IRIs
    bad = URIRef(f"{EX}has space")
    for _ in range(2):  # an invalid IRI fails every time, as rdflib's serialiser fails
        try:
            row((bad, GLR.premise, bad))
        except Exception as exc:  # noqa: BLE001
            assert "does not look like a valid URI" in str(exc)
        else:
            raise AssertionError("an invalid IRI was written")


def test_ntriples_that_utf8_cannot_encode_fail_as_rdflib_fails() -> None:
    from rdflib.plugins.serializers.nt import _nt_row

    from reasoner.pipeline.render.rdf import derivation_ntriples
    from reasoner.pipeline.results import RecommendationResult

    derived = Graph()
    derived.add((URIRef(f"{EX}s"), URIRef(f"{EX}p"), Literal("fine")))
    derived.add((URIRef(f"{EX}s"), URIRef(f"{EX}p"), Literal("lone \udc80 surrogate")))
    result = RecommendationResult(case="", source=None, as_of=None, knowledge_base_version="", engine="", validation=None, derivation_graph=derived)  # type: ignore[arg-type]
    try:
        _nt_row((URIRef(f"{EX}s"), URIRef(f"{EX}p"), Literal("lone \udc80 surrogate"))).encode()
    except UnicodeEncodeError as exc:
        expected = str(exc)
    try:
        derivation_ntriples(result)
    except UnicodeEncodeError as exc:
        assert str(exc) == expected
    else:
        raise AssertionError("unencodable text was written")
