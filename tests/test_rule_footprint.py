"""Rule engines load only the ontology triples rules can read, and answer exactly as with all of them."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.plugins.sparql import prepareQuery

from reasoner.pipeline.engines import get_engine
from reasoner.pipeline.inference import run_rules
from reasoner.kb.knowledge import KnowledgeBase
from reasoner.pipeline.run import prepare_case
from reasoner.kb.footprint import ontology_subset, predicates_read, rules_predicates

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
P = "PREFIX ex: <http://example.org/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
EX = "http://example.org/"


def _read(where: str) -> frozenset[URIRef] | None:
    return predicates_read(prepareQuery(P + "CONSTRUCT { ?s ex:out ?o } WHERE { " + where + " }"))


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("?s ex:p ?o", {EX + "p"}),
        ("?s a/rdfs:subClassOf* ex:C", {str(RDF.type), str(RDFS.subClassOf)}),
        ("?s ex:p ?o FILTER NOT EXISTS { ?o ex:q ?x }", {EX + "p", EX + "q"}),
        ("?s ex:p|^ex:r ?o", {EX + "p", EX + "r"}),
        ("{ SELECT ?s ?o WHERE { ?s ex:p+ ?o } }", {EX + "p"}),
        ("?s ex:p ?o OPTIONAL { ?o ex:q ?x } MINUS { ?s ex:r ?y }", {EX + "p", EX + "q", EX + "r"}),
        # rdflib leaves FILTER (NOT) EXISTS bodies untranslated; they are read all the same
        ("?s ex:p ?o FILTER EXISTS { ?o ex:a/ex:b* ?x ; ex:c [ ex:d ?y ] }", {EX + p for p in "pabcd"}),
        # a maybe-empty path between two variables, one of them tied to the graph by another pattern
        ("?s a ?c . ?c rdfs:subClassOf* ?d", {str(RDF.type), str(RDFS.subClassOf)}),
    ],
)
def test_predicates_a_query_can_match(where: str, expected: set[str]) -> None:
    found = _read(where)
    assert found is not None and {str(p) for p in found} == expected


@pytest.mark.parametrize(
    "where",
    [
        "?s ?p ?o",  # a variable predicate can match anything
        "?s ex:p ?o . ?o ?q ?x",
        "?s !ex:p ?o",  # a negated property set too
        "?c rdfs:subClassOf* ?d",  # ranges over every node of the graph
        "?s ex:p ?o FILTER EXISTS { ?o ?any ?x }",  # inside a filter as well
        "?s ex:p ?o FILTER NOT EXISTS { ?o ex:q ?x OPTIONAL { ?x !ex:e ?z } }",
    ],
)
def test_queries_that_can_read_any_predicate(where: str) -> None:
    assert _read(where) is None


def _ontology() -> Graph:
    g = Graph()
    g.add((URIRef(EX + "C"), RDFS.subClassOf, URIRef(EX + "B")))
    g.add((URIRef(EX + "C"), RDFS.label, URIRef(EX + "label")))
    g.add((URIRef(EX + "C"), SKOS.definition, URIRef(EX + "text")))
    return g


def test_only_the_triples_rules_read_are_kept() -> None:
    subset = ontology_subset(_ontology(), rules_predicates([prepareQuery(P + "CONSTRUCT { ?s ex:o ?o } WHERE { ?s rdfs:subClassOf ?o }")]))
    assert set(subset.predicates()) == {RDFS.subClassOf}


def test_the_whole_ontology_when_one_rule_cannot_be_bounded() -> None:
    ontology = _ontology()
    bounded = prepareQuery(P + "CONSTRUCT { ?s ex:o ?o } WHERE { ?s rdfs:subClassOf ?o }")
    unbounded = prepareQuery(P + "CONSTRUCT { ?s ex:o ?o } WHERE { ?s ?p ?o }")
    assert ontology_subset(ontology, rules_predicates([bounded, unbounded])) is ontology
    assert ontology_subset(ontology, rules_predicates([bounded, None])) is ontology  # a rule that does not parse


def test_the_bundled_rules_skip_labels_and_definitions(kb: KnowledgeBase) -> None:
    footprint = kb.ontology_for_rules()
    assert footprint is not kb.ontology and 0 < len(footprint) < len(kb.ontology) / 2
    kept = set(footprint.predicates())
    assert RDFS.subClassOf in kept and RDF.type in kept
    assert RDFS.label not in kept and SKOS.definition not in kept
    assert all(t in kb.ontology for t in footprint)  # a subset, never anything new


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_every_example_derives_the_same_with_the_footprint_as_with_the_whole_ontology(kb: KnowledgeBase, engine: str) -> None:
    with_footprint = get_engine(engine, ontology=kb.ontology_for_rules())
    with_everything = get_engine(engine, ontology=kb.ontology)
    checked = 0
    for path in sorted(EXAMPLES.glob("*.ttl")):
        prepared = prepare_case(path, kb=kb)
        if not prepared.report.conforms or prepared.case_iri is None:
            continue
        a = run_rules(kb, with_footprint, prepared.graph, prepared.case_iri)
        b = run_rules(kb, with_everything, prepared.graph, prepared.case_iri)
        assert len(a) > 0 and isomorphic(a, b), path.name
        checked += 1
    assert checked >= 3


def test_worked_out_only_where_it_pays_then_remembered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A single Oxigraph run does not parse the rules for it; once computed, every later load has it."""
    from reasoner.kb import cache as kbcache
    from reasoner.kb import footprint as rule_footprint
    from reasoner.kb.knowledge import load_knowledge_base

    monkeypatch.setenv("GLR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GLR_NO_KB_CACHE", raising=False)
    parses: list[int] = []
    original = rule_footprint.rules_predicates

    def counting(queries):  # type: ignore[no-untyped-def]
        parses.append(1)
        return original(queries)

    monkeypatch.setattr(rule_footprint, "rules_predicates", counting)
    first = load_knowledge_base()
    assert first.ontology_for_rules(compute=False) is first.ontology and not parses  # nothing known yet: everything
    footprint = first.ontology_for_rules()
    assert parses == [1] and len(footprint) < len(first.ontology)
    assert list((tmp_path / "cache").glob("fp-*.pickle"))

    later = load_knowledge_base()  # another process, in effect: a fresh object from the cache
    assert later._rule_ontology is None
    remembered = later.ontology_for_rules(compute=False)
    # the same triples, blank nodes included (both come from the one cached ontology): stricter than
    # isomorphism, which rdflib takes minutes to decide on the packs' ~100 list and restriction nodes
    assert parses == [1] and set(remembered) == set(footprint)
    found, predicates = kbcache.load_footprint([r.query_text for r in later.rules])
    assert found and predicates is not None and str(RDFS.subClassOf) in predicates
