"""Issue 17: a batch's cases are validated together, and only cases with no result are cleared.

The records this gives are compared with pySHACL's by
tests/test_batch_validator.py; here, what the batch step itself decides:
every valid case cleared, each kind of problem (Core shape, SPARQL
constraint, whole-file count) keeps exactly its own case back, and cases
sharing a node are never judged in one graph.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from _synthetic_helpers import synthetic  # noqa: E402
from reasoner.batch.shapeparts import split_shapes
from reasoner.batch.validate_many import BatchValidator
from reasoner.pipeline.run import prepare_case
from reasoner.vocab import SH

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def _normalised(path: Path, kb) -> Graph:
    return prepare_case(path, kb=kb, validator=lambda *args, **kwargs: None).graph


@pytest.fixture(scope="module")
def validator(kb) -> BatchValidator:
    return BatchValidator(kb)


@pytest.fixture(scope="module")
def valid(kb, tmp_path_factory: pytest.TempPathFactory) -> list[Graph]:
    paths = [EXAMPLES / "seed-case.ttl", EXAMPLES / "nsaid-contraindicated.ttl"]
    paths += synthetic().write_directory(5, tmp_path_factory.mktemp("synthetic"), seed=31)
    return [_normalised(path, kb) for path in paths]


def test_the_bundled_shapes_split_into_core_constraints_and_counts(kb) -> None:
    parts = split_shapes(kb.shapes)
    assert not isinstance(parts, str), parts
    assert len(parts.constraint_queries) == len(set(kb.shapes.subject_objects(SH.sparql)))
    assert {c.focus.fragment for c in parts.counts} == {"Case", "Patient"}
    assert not set(parts.core.subjects(SH.targetNode, None))
    assert not set(parts.core.objects(None, SH.sparql))


def test_a_shape_outside_the_split_forms_is_named(kb) -> None:
    shapes = Graph() + kb.shapes
    shape = next(shapes.subjects(SH.targetNode, None))
    shapes.add((shape, SH["class"], URIRef("https://example.org/Thing")))
    reason = split_shapes(shapes)
    assert isinstance(reason, str) and str(shape) in reason


def test_valid_cases_are_all_cleared(validator: BatchValidator, valid: list[Graph]) -> None:
    assert validator.clear(valid) == set(range(len(valid)))


@pytest.mark.parametrize(
    "bad",
    [
        "finding-without-status.ttl",  # a Core shape
        "future-dated-imaging.ttl",  # SPARQL constraints
        "imaging-before-surgery.ttl",
        "finding-present-and-absent.ttl",
        "two-patients.ttl",  # a whole-file count
    ],
)
def test_a_bad_case_is_kept_back_alone(validator: BatchValidator, valid: list[Graph], kb, bad: str) -> None:
    graphs = [*valid[:3], _normalised(EXAMPLES / "invalid" / bad, kb), *valid[3:]]
    assert validator.clear(graphs) == set(range(len(graphs))) - {3}


def test_cases_sharing_a_node_are_not_judged_together(validator: BatchValidator, valid: list[Graph]) -> None:
    """Two copies of one case would each see the other's statements in a union (e.g. two
    statuses for one finding), so both go to the per-case validator."""
    twin = Graph() + valid[0]
    assert validator.clear([*valid, twin]) == set(range(1, len(valid)))


def test_a_result_on_an_ontology_node_keeps_every_case_back(kb, valid: list[Graph]) -> None:
    """Validated alone, every case would report it (the ontology is part of each data graph)."""
    from dataclasses import replace

    from rdflib import Literal
    from rdflib.namespace import XSD

    from reasoner.vocab import GLR

    ontology = Graph() + kb.ontology
    ontology.add((URIRef("https://example.org/ontology-node"), GLR.date, Literal("2999-01-01", datatype=XSD.date)))
    assert BatchValidator(replace(kb, ontology=ontology)).clear(valid) == set()


def test_one_target_per_property_gives_pyrudofs_results_as_written(kb, valid: list[Graph]) -> None:
    """Core shapes cut per property shape (shapeparts.one_target_per_property) give the same
    (focus node, path, value, component, severity) results as the shapes as written, on a case
    whose every cut shape's every target predicate has values no property shape accepts."""
    import pyrudof

    as_written = split_shapes(kb.shapes, per_property=False)
    cut = split_shapes(kb.shapes)
    assert not isinstance(as_written, str) and not isinstance(cut, str)
    kept = {s for s in as_written.core.subjects() if (s, None, None) in cut.core}
    changed = {s for s in as_written.core.subjects(RDF.type, SH.NodeShape) if s not in kept}
    assert len(changed) >= 2, "the bundled shapes have shapes to cut; the cut found none"
    data = Graph() + valid[0] + kb.ontology
    foreign = URIRef("https://example.org/foreign")
    for n, shape in enumerate(sorted(changed)):
        for predicate in as_written.core.objects(shape, SH.targetSubjectsOf):
            for m, value in enumerate((Literal("mutated"), foreign, Literal(3), Literal("2026-01-01", datatype=XSD.date))):
                data.add((URIRef(f"https://example.org/node-{n}-{m}"), predicate, value))
    data.add((URIRef("https://example.org/node-0-0"), RDF.type, URIRef("https://w3id.org/glr/ontology#Patient")))
    nt = data.serialize(format="nt")

    def results(core: Graph) -> list[tuple[str, ...]]:
        rudof = pyrudof.Rudof(pyrudof.RudofConfig())
        rudof.read_shacl(core.serialize(format="turtle"), format=pyrudof.ShaclFormat.Turtle)
        rudof.read_data(nt, format=pyrudof.RDFFormat.NTriples)
        report = rudof.validate_shacl()
        return sorted((r.focus_node, str(r.path), str(r.value), r.constraint_component, r.severity) for r in report.violations)

    expected = results(as_written.core)
    assert len(expected) > 20
    assert results(cut.core) == expected


@pytest.mark.parametrize(
    "extra, cut",
    [
        ("", True),
        ("ex:S sh:property [ sh:path ex:p ; sh:minCount 1 ] .", False),  # fails on a node with no value
        ("ex:S sh:property [ sh:path ex:other ; sh:maxCount 1 ] .", False),  # a path the targets do not name
        ("ex:S sh:property [ sh:path [ sh:inversePath ex:p ] ; sh:maxCount 1 ] .", False),
        ("ex:S sh:severity sh:Warning .", False),  # a node-level key
        ("ex:S sh:closed true .", False),
        ("ex:T sh:node ex:S .", False),  # another shape uses it
        ("ex:S a rdfs:Class .", False),  # an implicit class target
    ],
)
def test_one_target_per_property_cuts_only_its_form(extra: str, cut: bool) -> None:
    from reasoner.batch.shapeparts import one_target_per_property

    core = Graph().parse(
        data="@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> ."
        " @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p , ex:q ;"
        " sh:property [ sh:path ex:p ; sh:maxCount 1 ; sh:datatype ex:D ] , [ sh:path ex:q ; sh:class ex:C ] .\n"
        "ex:Inert a sh:NodeShape ; sh:targetClass ex:C ; rdfs:comment \"targets only\" .\n" + extra,
        format="turtle",
    )
    out = one_target_per_property(core)
    S = URIRef("https://example.org/S")
    assert (URIRef("https://example.org/Inert"), None, None) not in out
    assert ((S, None, None) not in out) == cut
    if cut:
        assert {(str(p), len(list(out.objects(s, SH.property)))) for s, p in out.subject_objects(SH.targetSubjectsOf)} == {
            ("https://example.org/p", 1),
            ("https://example.org/q", 1),
        }
    # out: Inert's 3 triples and, when cut, S's 5; in: 3 per new node shape (type, target, property)
    assert len(out) == len(core) - 3 - (5 - 2 * 3 if cut else 0)


def test_each_batch_is_judged_in_a_fresh_store(kb, valid: list[Graph]) -> None:
    """An Oxigraph store keeps every string it was given, and one that had held many batches
    answered more slowly: every batch gets a fresh store with the ontology, and the verdicts
    stay the same — a bad case judged after good batches too."""
    validator = BatchValidator(kb)
    bad = _normalised(EXAMPLES / "invalid" / "future-dated-imaging.ttl", kb)  # a SPARQL constraint: read in the store
    stores = []
    for _ in range(3):
        assert validator.clear(valid[:2]) == {0, 1}
        stores.append(validator._store)
    assert validator.clear([valid[0], bad, valid[1]]) == {0, 2}
    stores.append(validator._store)
    assert len({id(store) for store in stores}) == 4
    assert sum(1 for _ in validator._store.named_graphs()) == 3  # this batch's cases only


def test_pyrudof_gives_the_same_results_with_only_the_triples_a_shape_can_read(kb, valid: list[Graph]) -> None:
    """shapeparts.readable_ontology: pyrudof's results with the whole ontology and with the part a
    Core shape can read are the same, on data where every shape has results (values of the wrong
    class, datatype and list, ontology individuals as values, a node typed with a subclass)."""
    import pyrudof

    from reasoner.batch.shapeparts import readable_ontology, readable_predicates

    parts = split_shapes(kb.shapes)
    assert not isinstance(parts, str)
    readable = readable_ontology(parts.core, kb.ontology)
    assert readable is not None and 0 < len(readable) < len(kb.ontology)
    glr = "https://w3id.org/glr/ontology#"
    data = Graph() + valid[0] + valid[1]
    individuals = sorted({s for s in kb.ontology.subjects(RDF.type, None) if isinstance(s, URIRef) and s.startswith(glr)})
    predicates = sorted({p for p in parts.core.objects(None, SH.path) if isinstance(p, URIRef)} | set(parts.core.objects(None, SH.targetSubjectsOf)))
    for n, predicate in enumerate(predicates):
        node = URIRef(f"https://example.org/node-{n}")
        for value in (Literal("mutated"), Literal(3), Literal("2026-01-01", datatype=XSD.date), individuals[n % len(individuals)], URIRef(f"{glr}Nothing{n}")):
            data.add((node, predicate, value))
    data.add((URIRef("https://example.org/node-0"), RDF.type, URIRef(f"{glr}Patient")))
    for node in list(data.subjects(unique=True))[:40]:  # what no shape reads, on nodes that have results
        data.add((node, RDFS.label, Literal("a label")))
        data.add((node, URIRef("https://example.org/unknown"), URIRef(f"{glr}Nothing")))

    def results(ontology: Graph, cases: Graph) -> list[tuple[str, ...]]:
        rudof = pyrudof.Rudof(pyrudof.RudofConfig())
        rudof.read_shacl(parts.core.serialize(format="turtle"), format=pyrudof.ShaclFormat.Turtle)
        rudof.read_data((cases + ontology).serialize(format="nt"), format=pyrudof.RDFFormat.NTriples)
        report = rudof.validate_shacl()
        return sorted((r.focus_node, str(r.path), str(r.value), r.constraint_component, r.severity) for r in report)

    expected = results(kb.ontology, data)
    assert len(expected) > 50
    assert results(readable, data) == expected
    # the batch validator gives pyrudof only the case triples a shape can read, too
    predicates = readable_predicates(parts.core)
    assert predicates is not None
    read = Graph()
    for triple in data:
        if triple[1] in predicates:
            read.add(triple)
    assert 0 < len(read) < len(data) - 40
    assert results(readable, read) == expected


@pytest.mark.parametrize("keyword", ["sh:closed true", "sh:sparql [ sh:select \"SELECT $this WHERE { }\" ]"])
def test_a_shape_that_can_read_any_predicate_keeps_the_whole_ontology(kb, keyword: str) -> None:
    from reasoner.batch.shapeparts import readable_ontology

    core = Graph().parse(
        data=f"@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .\n"
        f"ex:S a sh:NodeShape ; sh:targetClass ex:C ; {keyword} .",
        format="turtle",
    )
    assert readable_ontology(core, kb.ontology) is None
