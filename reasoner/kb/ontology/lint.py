"""Lints: the usual OWL 2 DL breakers and the documentation rules, in pure Python, each naming the term.

Why: they run everywhere (no Java) and tell the author which term to fix.
"""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.term import Node

from ...vocab import GLR, GLR_ONTOLOGY_IRI, OWL, RDF, RDFS, SKOS, XSD
from ..problems import Problem

__all__ = ['OWL2_DATATYPES', 'lint_ontology']


DCTERMS = "http://purl.org/dc/terms/"
VANN = "http://purl.org/vocab/vann/"

# The OWL 2 datatype map (OWL 2 Structural Specification, section 4) plus rdfs:Literal.
_XSD_IN_MAP = (
    "decimal integer nonNegativeInteger nonPositiveInteger positiveInteger negativeInteger long int short byte "
    "unsignedLong unsignedInt unsignedShort unsignedByte double float string normalizedString token language "
    "Name NCName NMTOKEN boolean hexBinary base64Binary anyURI dateTime dateTimeStamp"
).split()
OWL2_DATATYPES: frozenset[URIRef] = frozenset(
    [XSD[n] for n in _XSD_IN_MAP]
    + [RDFS.Literal, RDF.PlainLiteral, RDF.XMLLiteral, OWL.real, OWL.rational]
)


_PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
_BUILTIN_NS = (str(RDF), str(RDFS), str(OWL), str(XSD))
_BUILTIN_ANNOTATIONS = {RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy, OWL.versionInfo, OWL.deprecated}


def lint_ontology(graph: Graph, *, namespace: str = str(GLR), ontology_iri: str = GLR_ONTOLOGY_IRI) -> list[Problem]:
    """Structural checks of the usual OWL 2 DL breakers and the documentation rules.

    Every problem names the offending term. Checks:

    * a property declared with two of object / datatype / annotation property (punning of properties);
    * a predicate used in the ontology that is not declared (undeclared annotation property);
    * a datatype outside the OWL 2 datatype map in an axiom (rdfs:range, owl:someValuesFrom, ...);
    * an IRI used as a class in an axiom (subClassOf, equivalentClass, domain, range, rdf:type) but not declared owl:Class;
    * a class, property or named individual of ``namespace`` without rdfs:label or skos:definition;
    * the ontology header: title, description, creator, licence, version IRI and info, preferred prefix and namespace.
    """
    problems: list[Problem] = []
    declared: dict[Node, set[Node]] = {}
    for ptype in _PROPERTY_TYPES:
        for prop in graph.subjects(RDF.type, ptype):
            declared.setdefault(prop, set()).add(ptype)
    for prop, types in sorted(declared.items(), key=lambda kv: str(kv[0])):
        if len(types) > 1:
            names = " and ".join(sorted(t.split("#")[-1] for t in types))
            problems.append(Problem("owl2-dl", f"{prop} is declared both {names}; OWL 2 DL forbids this punning.", subject=str(prop)))

    for pred in sorted(set(graph.predicates()), key=str):
        if str(pred).startswith(_BUILTIN_NS) or pred in _BUILTIN_ANNOTATIONS or pred in declared:
            continue
        problems.append(
            Problem("owl2-dl", f"{pred} is used as a property but never declared (an undeclared annotation property breaks OWL 2 DL).", subject=str(pred))
        )

    # datatypes in axioms
    datatype_positions = [RDFS.range, OWL.someValuesFrom, OWL.allValuesFrom, OWL.onDatatype, OWL.onDataRange]
    for pos in datatype_positions:
        for subject, dtype in graph.subject_objects(pos):
            if isinstance(dtype, URIRef) and str(dtype).startswith(str(XSD)) and dtype not in OWL2_DATATYPES:
                where = subject if isinstance(subject, URIRef) else "a restriction"
                problems.append(
                    Problem("owl2-dl", f"{where} uses datatype {dtype} in an axiom; it is not in the OWL 2 datatype map (reasoners reject it).", subject=str(where))
                )
    for subject, _, obj in graph.triples((None, RDF.type, RDFS.Datatype)):
        if isinstance(subject, URIRef) and str(subject).startswith(str(XSD)) and subject not in OWL2_DATATYPES:
            problems.append(Problem("owl2-dl", f"{subject} is declared a datatype but lies in the reserved XSD namespace outside the OWL 2 datatype map.", subject=str(subject)))

    # IRIs used as classes must be declared classes
    classes = set(graph.subjects(RDF.type, OWL.Class)) | set(graph.subjects(RDF.type, RDFS.Class))
    class_refs: set[Node] = set()
    for pos in (RDFS.subClassOf, OWL.equivalentClass, OWL.disjointWith, RDFS.domain, OWL.complementOf):
        for s, o in graph.subject_objects(pos):
            class_refs.add(o)
            if pos != RDFS.domain:
                class_refs.add(s)
    for prop in graph.subjects(RDF.type, OWL.ObjectProperty):
        class_refs.update(graph.objects(prop, RDFS.range))
    for s, o in graph.subject_objects(RDF.type):
        if isinstance(s, URIRef) and str(s).startswith(namespace) and not str(o).startswith(_BUILTIN_NS):
            class_refs.add(o)
    for ref in sorted((r for r in class_refs if isinstance(r, URIRef)), key=str):
        if str(ref).startswith(_BUILTIN_NS) or ref in classes or ref in OWL2_DATATYPES:
            continue
        problems.append(Problem("owl2-dl", f"{ref} is used as a class but not declared owl:Class.", subject=str(ref)))

    # documentation: label + definition on every term of our namespace
    terms: set[Node] = set()
    for t in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual):
        terms.update(s for s in graph.subjects(RDF.type, t) if isinstance(s, URIRef) and str(s).startswith(namespace))
    for term in sorted(terms, key=str):
        kind = "term"
        for t, name in ((OWL.Class, "class"), (OWL.NamedIndividual, "individual")):
            if (term, RDF.type, t) in graph:
                kind = name
        if (term, RDF.type, OWL.Class) not in graph and term in declared:
            kind = "property"
        if graph.value(term, RDFS.label) is None:
            problems.append(Problem("documentation", f"{kind} {term} has no rdfs:label.", subject=str(term)))
        if graph.value(term, SKOS.definition) is None:
            problems.append(Problem("documentation", f"{kind} {term} has no skos:definition.", subject=str(term)))

    onto = URIRef(ontology_iri)
    if (onto, RDF.type, OWL.Ontology) in graph:
        header = {
            "title (dcterms:title)": URIRef(DCTERMS + "title"),
            "description (dcterms:description)": URIRef(DCTERMS + "description"),
            "creator (dcterms:creator)": URIRef(DCTERMS + "creator"),
            "licence (dcterms:license)": URIRef(DCTERMS + "license"),
            "version IRI (owl:versionIRI)": OWL.versionIRI,
            "version (owl:versionInfo)": OWL.versionInfo,
            "preferred prefix (vann:preferredNamespacePrefix)": URIRef(VANN + "preferredNamespacePrefix"),
            "preferred namespace (vann:preferredNamespaceUri)": URIRef(VANN + "preferredNamespaceUri"),
        }
        for what, prop in header.items():
            if graph.value(onto, prop) is None:
                problems.append(Problem("header", f"the ontology header has no {what}.", subject=ontology_iri))
    else:
        problems.append(Problem("header", f"no owl:Ontology {ontology_iri} found.", subject=ontology_iri))
    return problems
