"""Which ontology triples the rules can read, so each case's rule store holds only those.

Why: every case gets a fresh rule store (reasoner/engines), and copying
the whole ontology (about 1,100 triples: labels, comments, definitions,
evidence links) into it made up about half of the rule time per case on
Oxigraph (docs/performance.md). The rules read far less: class and
property hierarchies and a few value-set links.

Exact, not a guess. A triple pattern whose predicate is an IRI, or a
property path built from IRIs, can only ever match triples with those
predicates, so dropping ontology triples with any other predicate cannot
change a rule's answer. The whole ontology is kept when that argument does
not hold for some rule:

* a pattern with a variable predicate (``?s ?p ?o``) or a negated property
  set (``!rdfs:label``), which can match any predicate;
* a path that may have length zero between two variables
  (``?a rdfs:subClassOf* ?b``), which ranges over every node of the graph,
  unless another pattern of the same group ties one of them to the graph;
* a rule that does not parse (its run reports the error as before).

Computing a footprint means parsing every rule with rdflib (about 1.4 s
for the bundled 32, pyparsing is slow), so it is done only where it pays:
by the rdflib engine, which parses the rules anyway, and by batch workers,
which reuse it for every case. It is then remembered on disk
(reasoner/kb/cache.py), and any later run uses it for free. A single
Oxigraph run with nothing remembered loads the whole ontology instead of
paying 1.4 s: same answers (that is the point of being exact), slightly
slower queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from rdflib import Graph, URIRef, Variable
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, Path, SequencePath
from rdflib.term import BNode

__all__ = ["predicates_read", "rules_predicates", "ontology_subset"]


class _AnyPredicate(Exception):
    """Raised inside the walk: this query can read triples of any predicate."""


def _can_be_empty(path: Any) -> bool:
    """True if ``path`` can match with length zero (then it relates every node to itself)."""
    if isinstance(path, MulPath):
        return path.mod in ("*", "?") or _can_be_empty(path.path)
    if isinstance(path, SequencePath):
        return all(_can_be_empty(p) for p in path.args)
    if isinstance(path, AlternativePath):
        return any(_can_be_empty(p) for p in path.args)
    if isinstance(path, InvPath):
        return _can_be_empty(path.arg)
    return False


def _path_predicates(path: Any) -> Iterator[URIRef]:
    if isinstance(path, URIRef):
        yield path
    elif isinstance(path, NegatedPath):
        raise _AnyPredicate
    elif isinstance(path, MulPath):
        yield from _path_predicates(path.path)
    elif isinstance(path, InvPath):
        yield from _path_predicates(path.arg)
    elif isinstance(path, SequencePath | AlternativePath):
        for part in path.args:
            yield from _path_predicates(part)
    else:  # a variable, a blank node or anything unforeseen: assume it can be any predicate
        raise _AnyPredicate


def _is_variable(term: Any) -> bool:
    return isinstance(term, Variable | BNode)


def _bgp_predicates(triples: list[tuple[Any, Any, Any]]) -> Iterator[URIRef]:
    """Predicates of one basic graph pattern.

    A path that may be empty between two variables (``?a rdfs:subClassOf*
    ?b``) relates every node of the graph to itself; it is harmless when
    one of the two variables is also the subject or object of another,
    never-empty pattern of the same group (``?flag a ?a``), because then
    the node is in the graph whichever ontology triples were kept.
    """
    anchored = {
        term
        for s, p, o in triples
        if not (isinstance(p, Path) and _can_be_empty(p))
        for term in (s, o)
        if _is_variable(term)
    }
    for s, p, o in triples:
        if isinstance(p, Path) and _can_be_empty(p) and _is_variable(s) and _is_variable(o):
            if s not in anchored and o not in anchored:
                raise _AnyPredicate
        yield from _path_predicates(p)


def _walk(node: Any, found: set[URIRef]) -> None:
    """Collect the predicates of every triple pattern anywhere in an algebra tree."""
    if isinstance(node, dict):  # rdflib's CompValue and Expr nodes
        name = getattr(node, "name", None)
        if name == "BGP":  # translated algebra: a list of (s, p, o)
            found.update(_bgp_predicates(list(node.get("triples") or ())))
        elif name == "TriplesBlock":  # left untranslated by rdflib, e.g. inside FILTER (NOT) EXISTS
            flat = [t[i : i + 3] for t in node.get("triples") or () for i in range(0, len(t), 3)]
            found.update(_bgp_predicates([tuple(t) for t in flat]))
        for key, value in node.items():
            if key != "template":  # the CONSTRUCT template writes; it reads nothing
                _walk(value, found)
    elif isinstance(node, list | tuple | set | frozenset):
        for item in node:
            _walk(item, found)


def predicates_read(query: Any) -> frozenset[URIRef] | None:
    """The predicates a prepared rdflib query can match, or None if it can match any."""
    found: set[URIRef] = set()
    try:
        _walk(query.algebra, found)
    except _AnyPredicate:
        return None
    return frozenset(found)


def rules_predicates(queries: Iterable[Any | None]) -> frozenset[URIRef] | None:
    """The predicates any of the prepared queries can match; None if unbounded or one does not parse."""
    predicates: set[URIRef] = set()
    for query in queries:
        read = predicates_read(query) if query is not None else None
        if read is None:
            return None
        predicates |= read
    return frozenset(predicates)


def ontology_subset(ontology: Graph, predicates: Iterable[str] | None) -> Graph:
    """The ontology triples with one of ``predicates`` (IRIs); the ontology itself for None."""
    if predicates is None:
        return ontology
    subset = Graph()
    for prefix, namespace in ontology.namespaces():
        subset.bind(prefix, namespace)
    for predicate in sorted(predicates):
        subset += ontology.triples((None, URIRef(predicate), None))
    return subset
