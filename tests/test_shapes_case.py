"""The case shapes themselves: in step with the ontology, portable, and explained.

Why: value sets are written twice (owl:oneOf in the ontology, sh:in in the
shapes); these tests keep them equal. A second SHACL engine runs the same
shapes, so they must stay SHACL Core plus a few portable SHACL-SPARQL
constraints. Every constraint must say in words what is wrong.
"""

from __future__ import annotations

import re
import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from reasoner import load_knowledge_base
from reasoner.kb.ontology import load_ontology
from reasoner.pipeline.validation import CASE_SHAPES_DIR, load_case_shapes
from reasoner.vocab import GLR, OWL, RDF, RDFS, SH

# Value-set properties of the knowledge base, not of case graphs: not checked in cases.
KNOWLEDGE_BASE_PROPERTIES = {GLR.priority, GLR.defaultPriority, GLR.defersPriority, GLR.conditionState, GLR.certainty,
                             GLR.strength, GLR.relationKind,
                             GLR.administersDrugClass}  # issue 16: stated by modules (care-actions.ttl), never by cases

# The only SHACL-SPARQL constraints allowed: what SHACL Core cannot say.
SPARQL_SHAPES = {"NoFutureDateShape", "ImagingNotBeforeSurgeryShape", "NoContradictoryFindingShape"}

# SHACL Core vocabulary plus sh:sparql / sh:select / sh:prefixes / sh:declare.
ALLOWED_SH_TERMS = {
    "NodeShape", "PropertyShape", "SPARQLConstraint", "Violation", "Warning", "Info", "Literal", "IRI",
    "BlankNode", "targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "property", "path",
    "inversePath", "alternativePath", "zeroOrMorePath", "oneOrMorePath", "zeroOrOnePath", "class",
    "datatype", "nodeKind", "minCount", "maxCount", "minInclusive", "maxInclusive", "minExclusive",
    "maxExclusive", "minLength", "maxLength", "pattern", "in", "hasValue", "not", "and", "or", "xone",
    "node", "equals", "disjoint", "lessThan", "lessThanOrEquals", "severity", "message", "name",
    "description", "deactivated", "sparql", "select", "prefixes", "declare", "prefix", "namespace",
}


@pytest.fixture(scope="module")
def shapes() -> Graph:
    """The core case shapes and every bundled pack's: the value sets live in both."""
    return load_knowledge_base().shapes


@pytest.fixture(scope="module")
def ontology() -> Graph:
    """The ontology of the bundled packs (core + extensions): the value sets the shapes must match."""
    return load_ontology()


def _value_set(ontology: Graph, cls: Node) -> set[Node] | None:
    """Members of a class defined as owl:oneOf (through owl:equivalentClass)."""
    for equivalent in ontology.objects(cls, OWL.equivalentClass):
        members = ontology.value(equivalent, OWL.oneOf)
        if members is not None:
            return set(Collection(ontology, members))
    return None


def _in_lists(shapes: Graph) -> dict[Node, list[set[Node]]]:
    """Every sh:in list in the shapes, by the property path it constrains."""
    found: dict[Node, list[set[Node]]] = {}
    for shape, members in shapes.subject_objects(SH["in"]):
        path = shapes.value(shape, SH.path)
        if path is not None:
            found.setdefault(path, []).append(set(Collection(shapes, members)))
    return found


def test_every_sh_in_list_equals_the_ontology_value_set(shapes: Graph, ontology: Graph) -> None:
    lists = _in_lists(shapes)
    assert lists
    for prop, member_sets in lists.items():
        value_set = _value_set(ontology, ontology.value(prop, RDFS.range))
        assert value_set is not None, f"{prop} has sh:in but its range is not an owl:oneOf value set"
        for members in member_sets:
            assert members == value_set, f"sh:in for {prop} differs from the ontology: {members ^ value_set}"


def test_every_case_value_set_property_is_checked(shapes: Graph, ontology: Graph) -> None:
    lists = _in_lists(shapes)
    for prop in ontology.subjects(RDF.type, OWL.ObjectProperty):
        if prop in KNOWLEDGE_BASE_PROPERTIES or ontology.value(prop, OWL.deprecated) is not None:
            continue
        value_range = ontology.value(prop, RDFS.range)
        if value_range is not None and _value_set(ontology, value_range) is not None:
            assert prop in lists, f"{prop} takes values from a value set but no shape checks them with sh:in"
        elif value_range is not None and (value_range, RDFS.subClassOf, GLR.ValueSetMember) in ontology:  # open: packs declare members
            classes = {shapes.value(s, SH["class"]) for s in shapes.subjects(SH.path, prop)}
            assert value_range in classes, f"{prop} takes values from the open value set {value_range} but no shape checks them with sh:class"


def test_functional_properties_checked_in_cases_allow_one_value(shapes: Graph, ontology: Graph) -> None:
    max_one = {shapes.value(s, SH.path) for s in shapes.subjects(SH.maxCount, None) if int(shapes.value(s, SH.maxCount)) == 1}
    for prop in shapes.objects(None, SH.targetSubjectsOf):
        if (prop, RDF.type, OWL.FunctionalProperty) in ontology and prop != GLR.aboutPatient:
            assert prop in max_one, f"{prop} is functional in the ontology; some shape must say sh:maxCount 1"
    assert GLR.aboutPatient in max_one


def test_every_constraint_has_a_message_naming_its_property(shapes: Graph) -> None:
    constrained = set(shapes.objects(None, SH.property)) | set(shapes.objects(None, SH.sparql))
    constrained |= {s for s in shapes.subjects(SH["or"], None) if (None, SH.property, s) not in shapes}
    assert constrained
    for shape in constrained:
        messages = list(shapes.objects(shape, SH.message))
        assert messages, f"shape {shape} ({shapes.value(shape, SH.path)}) has no sh:message"
        for message in messages:
            # a property by name, or the SPARQL variable that carries it
            assert re.search(r"\b(glr|rdf):[a-z]\w*", str(message)) or "{?property}" in str(message), (
                f"message does not name a property: {message}"
            )


def test_every_constraint_states_its_severity(shapes: Graph) -> None:
    constrained = set(shapes.objects(None, SH.property)) | set(shapes.objects(None, SH.sparql))
    for shape in constrained:
        assert shapes.value(shape, SH.severity) in (SH.Violation, SH.Warning, SH.Info), shape


def test_warnings_are_few(shapes: Graph) -> None:
    warnings = list(shapes.subjects(SH.severity, SH.Warning))
    assert 1 <= len(warnings) <= 5


def test_only_shacl_core_and_the_listed_sparql_constraints(shapes: Graph) -> None:
    for term in set(shapes.predicates()) | set(shapes.objects()):
        if isinstance(term, URIRef) and str(term).startswith(str(SH)):
            assert str(term)[len(str(SH)):] in ALLOWED_SH_TERMS, f"{term} is not SHACL Core"
    owners = {shapes.qname(s).split(":")[-1] for s in shapes.subjects(SH.sparql, None) if isinstance(s, URIRef)}
    assert owners == SPARQL_SHAPES
    assert all(not isinstance(s, BNode) for s in shapes.subjects(SH.sparql, None))


def test_sparql_constraints_are_portable(shapes: Graph) -> None:
    forbidden = re.compile(
        r"\bSERVICE\b|\bNOW\s*\(|\bYEAR\s*\(|\bMONTH\s*\(|\bDAY\s*\(|\bHOURS\s*\(|\bTIMEZONE\s*\(|\bTZ\s*\("
        r"|\bxsd:dateTime\s*\(|\bxsd:date\s*\(|[a-z]+:[a-zA-Z]+\s*\(|<java:|<http://jena|afn:|ofn:|fn:",
        re.IGNORECASE,
    )
    selects = [str(q) for q in shapes.objects(None, SH.select)]
    assert len(selects) == len(SPARQL_SHAPES)
    for query in selects:
        assert "$this" in query
        assert not forbidden.search(query.replace("rdf:type/rdfs:subClassOf*", "")), query
        # Date literals are only compared, after checking they are xsd:date.
        if "xsd:date" in query:
            assert "datatype(" in query


def test_no_owl_imports_anywhere_in_the_shapes(shapes: Graph) -> None:
    assert (None, OWL.imports, None) not in shapes


def test_each_shapes_file_parses_on_its_own() -> None:
    files = sorted(CASE_SHAPES_DIR.glob("*.ttl"))
    assert {f.name for f in files} >= {"case.ttl", "values.ttl", "required.ttl", "sparql.ttl", "warnings.ttl"}
    for file in files:
        Graph().parse(file, format="turtle")
        assert file.read_text(encoding="utf-8").startswith("#"), f"{file.name} must open with a comment saying why"


def test_shapes_use_only_terms_the_ontology_defines(shapes: Graph, ontology: Graph) -> None:
    defined = set(ontology.subjects())
    for term in set(shapes.subjects()) | set(shapes.predicates()) | set(shapes.objects()):
        if isinstance(term, URIRef) and str(term).startswith(str(GLR)):
            assert term in defined, f"{term} is used in the shapes but not defined in the ontology"



def test_calendar_date_pattern_accepts_exactly_the_real_days(shapes: Graph) -> None:
    """The sh:pattern that makes every engine reject impossible dates agrees with the calendar."""
    import datetime as dt

    from reasoner.vocab import XSD

    shape = URIRef("https://w3id.org/glr/shapes/case#CalendarDateShape")
    assert shapes.value(shape, SH.datatype) == XSD.date
    pattern = re.compile(str(shapes.value(shape, SH.pattern)))
    for year in (1896, 1900, 1999, 2000, 2023, 2024, 2026, 2100, 2104):
        for month in range(1, 13):
            for day in range(1, 32):
                text = f"{year:04d}-{month:02d}-{day:02d}"
                try:
                    dt.date(year, month, day)
                    real = True
                except ValueError:
                    real = False
                assert bool(pattern.match(text)) == real, text
    for wrong in ("2026-06-20Z", "2026-06-20+01:00", "June 2026", "2026-06", "2026-06-20T10:00:00", "20-06-2026", "2026-6-20"):
        assert not pattern.match(wrong), wrong


def test_the_core_shapes_use_only_core_terms() -> None:
    """Issue 13: shapes/case/ is what every guideline shares; a pack's own terms are constrained in its shapes/."""
    from reasoner.paths import ONTOLOGY_DIR

    core = set(Graph().parse(ONTOLOGY_DIR / "glr.ttl", format="turtle").subjects())
    shapes = load_case_shapes()
    used = {t for t in set(shapes.predicates()) | set(shapes.objects()) if isinstance(t, URIRef) and str(t).startswith(str(GLR))}
    assert sorted(used - core) == []
