"""The case shapes cut into the three parts a batch validator answers differently.

Why: validating many cases in one graph is exact only for constraints tied
to their focus node's own case (shapes/case/sparql.ttl, issue 17); the
shapes are data, so the cut is made here, mechanically, from the shapes
graph as written:

* **Core** — every shape except the whole-file ones below, without their
  ``sh:sparql`` constraints: validated for a whole batch in one pyrudof call
  (a node shape with many ``sh:targetSubjectsOf`` predicates is cut into one
  per property shape where that gives the same results: :func:`one_target_per_property`).
* **SPARQL constraints** — each ``sh:sparql`` SELECT with its prefixes, as
  one query that returns the focus nodes with a result (``$this`` left
  free, joined with the shape's ``sh:targetSubjectsOf`` predicates). Asked
  once over the batch; pyrudof's own SPARQL step grows faster than the
  graph (docs/performance.md).
* **Whole-file counts** — shapes on a fixed node (``sh:targetNode``) such
  as "exactly one glr:Case": about the file, so never true of a union;
  kept only when they are plain ``sh:minCount``/``sh:maxCount`` on a
  predicate or its inverse, and then counted per case.

A shape outside these forms makes :func:`split_shapes` say why, and the
batch validator then validates case by case (slower, same records).
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

from ..vocab import RDF, RDFS, SH

__all__ = ["ShapeParts", "Count", "split_shapes", "readable_ontology", "readable_predicates"]

#: What a whole-file shape may say besides its counts (anything else: not split).
_NODE_SHAPE_KEYS = {RDF.type, RDFS.comment, RDFS.label, SH.targetNode, SH.property, SH.severity, SH.message}
_PROPERTY_KEYS = {SH.path, SH.minCount, SH.maxCount, SH.severity, SH.message, RDFS.comment, RDFS.label, SH.name, SH.description}


@dataclass(frozen=True)
class Count:
    """``focus`` must have between ``low`` and ``high`` values along ``predicate`` (inverse if ``inverse``)."""

    focus: URIRef
    predicate: URIRef
    inverse: bool
    low: int | None
    high: int | None

    def broken(self, values: int) -> bool:
        return (self.low is not None and values < self.low) or (self.high is not None and values > self.high)


@dataclass(frozen=True)
class ShapeParts:
    core: Graph
    #: one SPARQL query per constraint: ``SELECT DISTINCT ?glr_case_graph`` naming the case graphs with a
    #: result (unbound: a result on a node of no case graph), over the cases and the ontology as default graph
    constraint_queries: tuple[str, ...]
    counts: tuple[Count, ...]


def split_shapes(shapes: Graph, *, per_property: bool = True) -> ShapeParts | str:
    """The three parts, or why these shapes cannot be validated many cases at a time.
    ``per_property=False`` keeps the Core shapes as written (see :func:`one_target_per_property`)."""
    whole_file = set(shapes.subjects(SH.targetNode, None))
    counts: list[Count] = []
    dropped: set[Node] = set(whole_file)
    for shape in whole_file:
        found = _counts(shapes, shape)
        if isinstance(found, str):
            return found
        counts.extend(found)
        for prop in shapes.objects(shape, SH.property):
            dropped.add(prop)
            dropped.update(p for p in shapes.objects(prop, SH.path) if isinstance(p, BNode))
    queries: list[str] = []
    for shape, constraint in shapes.subject_objects(SH.sparql):
        if shape in whole_file:
            return f"the whole-file shape {shape} has a SPARQL constraint"
        query = _constraint_query(shapes, shape, constraint)
        if query is None:
            return f"the SPARQL constraint of {shape} is not a SELECT on sh:targetSubjectsOf focus nodes"
        queries.append(query)
        dropped.add(constraint)
    core = Graph()
    for s, p, o in shapes:
        if s not in dropped and p != SH.sparql:
            core.add((s, p, o))
    if per_property:
        core = one_target_per_property(core)
    return ShapeParts(core=core, constraint_queries=tuple(queries), counts=tuple(counts))


def one_target_per_property(core: Graph) -> Graph:
    """``core`` with each node shape of the form below replaced by one node shape per property
    shape, and without the node shapes that have no constraint (only targets: never a result).

    Why: pyrudof checks every property shape on every focus node, at a cost that grows with the
    graph; a shape such as "the subjects of any of these eight predicates: each of the eight at
    most once, an integer" then costs eight times what it must (about a fifth of a batch's
    pyrudof time for the bundled shapes).

    The form: a node shape that says nothing but ``sh:targetSubjectsOf`` (any number of
    predicates) and ``sh:property`` (and rdf:type sh:NodeShape, comments, labels), that no
    other triple names, each of whose property shapes has one of those predicates as its
    ``sh:path`` and only constraints that every focus node with no value on the path meets
    (:data:`_VACUOUS_KEYS`). A focus node then has a result from property shape *k* only if it
    has a value on *k*'s path, that is, only if it is a subject of that predicate: so the node
    shape "``sh:targetSubjectsOf`` *k*'s path, ``sh:property`` *k*" gives exactly the same
    (focus node, property shape) results, with the property shape's own severity.
    tests/test_batch_validate_many.py compares pyrudof's results both ways.
    """
    replaced: dict[Node, list[tuple[URIRef, Node]]] = {}
    for shape in set(core.subjects(SH.targetSubjectsOf, None)) | set(core.subjects(SH.targetClass, None)):
        split = _split(core, shape)
        if split is not None:
            replaced[shape] = split
    if not replaced:
        return core
    out = Graph()
    for s, p, o in core:
        if s not in replaced:
            out.add((s, p, o))
    for split in replaced.values():
        for path, prop in split:
            node = BNode()
            out.add((node, RDF.type, SH.NodeShape))
            out.add((node, SH.targetSubjectsOf, path))
            out.add((node, SH.property, prop))
    return out


#: Node-shape keys the split keeps the meaning of.
_SPLIT_NODE_KEYS = {RDF.type, SH.targetSubjectsOf, SH.property, RDFS.comment, RDFS.label}
#: Keys of a node shape with no constraint at all.
_INERT_KEYS = {RDF.type, SH.targetSubjectsOf, SH.targetClass, SH.targetObjectsOf, SH.targetNode, RDFS.comment, RDFS.label}
#: Property-shape keys whose constraints hold on a focus node with no value on the path.
_VACUOUS_KEYS = {
    SH.path, SH.datatype, SH.maxCount, SH["class"], SH.nodeKind, SH["in"],
    SH.severity, SH.message, SH.name, SH.description, RDFS.comment, RDFS.label,
}


def _split(core: Graph, shape: Node) -> list[tuple[URIRef, Node]] | None:
    """(path, property shape) per property shape of ``shape`` if it has the split's form (none at
    all: a node shape that is only targets, so never has a result), else None."""
    if set(core.objects(shape, RDF.type)) != {SH.NodeShape} or next(core.subjects(None, shape), None) is not None:
        return None
    keys = set(core.predicates(shape, None))
    if not keys - _INERT_KEYS:
        return []
    targets = set(core.objects(shape, SH.targetSubjectsOf))
    if len(targets) < 2 or keys - _SPLIT_NODE_KEYS:
        return None
    split = []
    for prop in core.objects(shape, SH.property):
        paths = list(core.objects(prop, SH.path))
        if set(core.predicates(prop, None)) - _VACUOUS_KEYS or len(paths) != 1 or not isinstance(paths[0], URIRef) or paths[0] not in targets:
            return None
        split.append((paths[0], prop))
    return split


def _counts(shapes: Graph, shape: Node) -> list[Count] | str:
    unknown = set(shapes.predicates(shape, None)) - _NODE_SHAPE_KEYS
    if unknown:
        return f"the whole-file shape {shape} uses {sorted(map(str, unknown))}"
    found = []
    for focus in shapes.objects(shape, SH.targetNode):
        if not isinstance(focus, URIRef):
            return f"the whole-file shape {shape} targets a node that is not an IRI"
        for prop in shapes.objects(shape, SH.property):
            unknown = set(shapes.predicates(prop, None)) - _PROPERTY_KEYS
            path = shapes.value(prop, SH.path)
            inverse = isinstance(path, BNode)
            if inverse:
                keys = set(shapes.predicates(path, None))
                path = shapes.value(path, SH.inversePath) if keys == {SH.inversePath} else None
            if unknown or not isinstance(path, URIRef):
                return f"the whole-file shape {shape} has a property shape other than a count on a predicate"
            low, high = shapes.value(prop, SH.minCount), shapes.value(prop, SH.maxCount)
            found.append(Count(focus, path, inverse, int(low) if low is not None else None, int(high) if high is not None else None))
    return found


def _constraint_query(shapes: Graph, shape: Node, constraint: Node) -> str | None:
    select = shapes.value(constraint, SH.select)
    targets = sorted(set(shapes.objects(shape, SH.targetSubjectsOf)))
    other_targets = {SH.targetClass, SH.targetObjectsOf, SH.targetNode} & set(shapes.predicates(shape, None))
    if select is None or not targets or other_targets or (shape, RDF.type, SH.PropertyShape) in shapes:
        return None
    if shapes.value(constraint, SH.deactivated) is not None or shapes.value(shape, SH.deactivated) is not None:
        return None
    prefixes = []
    for holder in shapes.objects(constraint, SH.prefixes):
        for declaration in shapes.objects(holder, SH.declare):
            prefix, namespace = shapes.value(declaration, SH.prefix), shapes.value(declaration, SH.namespace)
            prefixes.append(f"PREFIX {prefix}: <{namespace}>")
    path = "|".join(f"<{t}>" for t in targets)
    # The constraint as a sub-select: $this is the same variable as ?this in SPARQL, left free,
    # so its solutions are the results for every focus node at once; GRAPH ?g names the case
    # graph the focus node's target triple is in (none: the focus node is the ontology's).
    return "\n".join(prefixes) + (
        f"\nSELECT DISTINCT ?glr_case_graph WHERE {{\n ?this {path} ?glr_target .\n {{ {select} }}\n"
        f" OPTIONAL {{ GRAPH ?glr_case_graph {{ ?this {path} ?glr_in_case }} }}\n}}"
    )


#: Core keywords that let a shape read predicates its graph need not name: with one, every
#: ontology triple stays (:func:`readable_ontology`).
_READS_ANY_PREDICATE = {SH.closed, SH.ignoredProperties, SH.sparql, SH.target}


def readable_ontology(core: Graph, ontology: Graph) -> Graph | None:
    """The ontology triples a Core shape of ``core`` can read, or None for "all of them".

    Why: pyrudof validates the ontology with every batch of cases, and about two thirds of
    the ontology (labels, definitions, OWL axioms, domains and ranges) is nothing a shape
    reads (~0.2 ms per case, docs/performance.md, ninth pass).

    What a Core shape reads from the data: rdf:type and rdfs:subClassOf (``sh:targetClass``,
    ``sh:class``, implicit class targets), and the predicates its paths, target predicates
    and property-pair constraints name — every such predicate is an IRI the shapes graph
    holds as an object (or, for a node shape's own IRI, a subject). So the triples kept are
    those whose predicate is rdf:type, rdfs:subClassOf or an IRI of the shapes graph; a
    shape that can read any predicate (``sh:closed``, SPARQL-based) keeps everything."""
    named = readable_predicates(core)
    if named is None:
        return None
    kept = Graph()
    for triple in ontology:
        if triple[1] in named:
            kept.add(triple)
    return kept


def readable_predicates(core: Graph) -> frozenset[URIRef] | None:
    """The predicates a Core shape of ``core`` can read in any data graph (see
    :func:`readable_ontology`), or None when a shape can read any predicate."""
    if any(next(core.triples((None, keyword, None)), None) is not None for keyword in _READS_ANY_PREDICATE):
        return None
    return frozenset({n for n in core.all_nodes() if isinstance(n, URIRef)} | {RDF.type, RDFS.subClassOf})
