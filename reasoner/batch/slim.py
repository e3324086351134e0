"""Leave out of each case graph the footprint's type declarations no rule can read.

Why: every case graph of a multi-case store holds its own copy of the rules'
ontology footprint (reasoner/batch/multicase.py), ~720 triples, of which
~430 are declarations such as ``glr:Seroma a owl:Class`` or ``glr:status a
owl:ObjectProperty``. A pattern like ``?ue a ?ueClass`` (joined with
``glr:UpperExtremityRadicularSymptom rdfs:subClassOf* ?ueClass``) is
matched against all of them in every case graph (issue 17: 2 ms of the
rule stage per case).

What is left out (:func:`slim_footprint`): the footprint triples ``X
rdf:type T`` whose class T ("a dropped class") is the subject of no
footprint triple, the object of no footprint triple but rdf:type ones, and
named by no rule. In their place each node that only they held gets one
triple ``n <NODE> n`` with a private predicate, so every case graph keeps
the very same nodes (pyoxigraph answers a path of length zero from the
nodes of the graph) — or, when :func:`zero_length_nodes` can show which
nodes a path of length zero may need, only those of them.

Why the answers are the same, for every rule as written (and so for its
many-case forms, which are checked to be the rule per case graph):
while no case or derived triple names a dropped class (the store checks
after loading the cases and before each stage, :meth:`SlimFootprint.clean_in`,
and else copies the left-out triples in and recomputes the membership
triples), a dropped class T has no outgoing triple in
the case graph, and is the object of no triple but the left-out ones. A
left-out triple can only be matched by a type pattern ``S a ?v`` (or
``S a T``, but no rule names T) binding ``?v`` to T. The check
(:func:`_unguarded`) asks every such ``?v`` to be *guarded*: joined — in
the same basic graph pattern, or through joins, filters and binds — with a
pattern no solution of which can bind it to T (the subject of any
predicate, the object of a predicate that is not rdf:type, one end of an
anchored ``p*`` path, a VALUES column of IRIs). A solution that used a
left-out triple is therefore removed by that join, and every other
solution reads only triples both graphs share; the private node triples
are matched by no rule (no rule has a variable predicate: the same
condition as the membership rewrite). Anything the check does not know —
a variable predicate, a negated property set, rdf:type inside an inverse,
alternative or repeated path, GRAPH or SERVICE — and every case graph gets
the whole footprint, as before. The membership update
(reasoner/batch/rewrite.py, ``?x a/rdfs:subClassOf* ?c`` for classes the
rules name) reads no left-out triple either: from T it would need T to be
one of those classes or to have an outgoing triple.

A second pass (:func:`slim_copy`) applies the same argument to what the
case graphs keep once reasoner/batch/kbonly.py has left out the triples
only the shared graph is asked for (rdfs:subClassOf among them): classes
such as ``glr:FindingStatus`` are then described by nothing in a case
graph but their members' type triples (``glr:Present a
glr:FindingStatus``, 65 of the copy's 71). It reads the forms the store
asks instead of the rules as written — a ``GRAPH ?g`` block reads a case
graph; a ``GRAPH <kb>`` block the shared graph, which holds every triple
and so guards nothing — and its classes must be named by none of them
(a knowledge-base block answered as a VALUES block names its IRIs). Its
triples go back into the case graphs whenever the knowledge-base-only
ones do, and when a case or derived triple names one of its classes
(reasoner/batch/multicase.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef, Variable
from rdflib.paths import (
    AlternativePath,
    InvPath,
    MulPath,
    NegatedPath,
    Path,
    SequencePath,
)

from ..vocab import RDF
from .kbgraph import shared_graph_block

__all__ = ["NODE", "SLIM_GRAPH", "SlimFootprint", "slim_copy", "slim_footprint", "zero_length_nodes"]

#: The private predicate of the node-keeping triples. A URN of this package: no rule names it.
NODE = "urn:x-glr:batch:footprint-node"
#: Where a store holds the slim copy while copying it into the case graphs (then dropped).
SLIM_GRAPH = "urn:x-glr:batch:slim-footprint-graph"
_TYPE = RDF.type
OxTriple = tuple[Any, Any, Any]


class _Unknown(Exception):
    """A construct the check does not reason about: keep the whole footprint."""


@dataclass(frozen=True)
class SlimFootprint:
    """The footprint to copy into each case graph, and what was left out."""

    kept: tuple[OxTriple, ...]  # the footprint minus the left-out triples, plus the node triples
    dropped: tuple[OxTriple, ...]  # the left-out triples
    classes: frozenset[ox.NamedNode]  # the dropped classes

    def clean_in(self, store: ox.Store, shared_graph: str) -> bool:
        """True when no triple of ``store`` outside ``shared_graph`` (which holds the whole
        footprint) names a dropped class, but the node-keeping triples."""
        shared, node = ox.NamedNode(shared_graph), ox.NamedNode(NODE)
        for c in self.classes:
            for pattern in ((c, None, None), (None, c, None), (None, None, c)):
                for quad in store.quads_for_pattern(*pattern):
                    if quad.graph_name != shared and quad.predicate != node:
                        return False
        return True


def slim_footprint(footprint: list[OxTriple], rule_algebras: Iterable[Any], nodes: frozenset[str] | None = None) -> SlimFootprint | None:
    """The slim copy of ``footprint`` for these rules, or None when it would not be exact
    (a rule the check does not read, or nothing to leave out). ``nodes``: the only nodes a
    node triple is needed for (:func:`zero_length_nodes`); None, every node."""
    return _slim(footprint, rule_algebras, nodes, "ConstructQuery")


def slim_copy(copy: list[OxTriple], asked_algebras: Iterable[Any], nodes: frozenset[str] | None = None) -> SlimFootprint | None:
    """The second pass, on the case graphs' copy (the slim copy less the triples
    reasoner/batch/kbonly.py leaves out, with its membership triples): the type triples of the
    classes that copy no longer describes, checked against the queries the store asks of the
    case graphs (``SELECT`` forms: their ``GRAPH ?g`` reads a case graph, a ``GRAPH <kb>`` block
    the shared graph, which matches no left-out triple and guards nothing). What it leaves out
    is exact only while those forms are the ones asked: the store copies it back with the
    knowledge-base-only triples (reasoner/batch/multicase.py)."""
    return _slim(copy, asked_algebras, nodes, "SelectQuery")


def _slim(footprint: list[OxTriple], algebras_in: Iterable[Any], nodes: frozenset[str] | None, kind: str) -> SlimFootprint | None:
    algebras = list(algebras_in)
    named: set[str] = set()
    try:
        for algebra in algebras:
            if algebra is None:
                raise _Unknown("a rule does not parse")
            named.update(str(i) for i in _iris(algebra))
            if kind == "ConstructQuery" and _reads_graph(algebra):
                raise _Unknown("a rule as written reads a named graph")  # GRAPH is read in the asked forms only
            if getattr(algebra, "name", None) != kind or _unguarded(algebra["p"]):
                raise _Unknown("an unguarded type pattern")
    except (_Unknown, KeyError, TypeError, AttributeError, IndexError):
        return None
    if NODE in named:  # no rule may read the node-keeping triples
        return None
    type_node = ox.NamedNode(str(_TYPE))
    as_subject = {s for s, _, _ in footprint}
    other_objects = {o for _, p, o in footprint if p != type_node}
    classes = frozenset(
        o for _, p, o in footprint
        if p == type_node and isinstance(o, ox.NamedNode) and o not in as_subject and o not in other_objects and o.value not in named
    )
    if not classes:
        return None
    dropped = tuple(t for t in footprint if t[1] == type_node and t[2] in classes)
    dropped_set = set(dropped)
    kept = [t for t in footprint if t not in dropped_set]
    nodes_kept = {n for s, _, o in kept for n in (s, o)}
    lost = sorted({n for s, _, o in dropped for n in (s, o)} - nodes_kept, key=str)
    if nodes is not None:
        lost = [n for n in lost if isinstance(n, ox.NamedNode) and n.value in nodes]
    node = ox.NamedNode(NODE)
    kept.extend((n, node, n) for n in lost)
    return SlimFootprint(tuple(kept), dropped, classes)


# -- the check ------------------------------------------------------------------------------


def _iris(node: Any) -> Iterator[URIRef]:
    """Every IRI a rule names (in patterns, paths, expressions, templates)."""
    if isinstance(node, URIRef):
        yield node
    elif isinstance(node, Path):
        for part in _path_parts(node):
            yield from _iris(part)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key != "_vars":
                yield from _iris(value)
    elif isinstance(node, list | tuple | set | frozenset):
        for value in node:
            yield from _iris(value)


def _reads_graph(node: Any) -> bool:
    """True when a parse tree holds a ``GRAPH`` pattern."""
    if isinstance(node, dict):
        return getattr(node, "name", None) in ("Graph", "GraphGraphPattern") or any(_reads_graph(v) for k, v in node.items() if k != "_vars")
    if isinstance(node, list | tuple):
        return any(_reads_graph(v) for v in node)
    return False


def _path_parts(path: Path) -> list[Any]:
    if isinstance(path, SequencePath | AlternativePath):
        return list(path.args)
    if isinstance(path, MulPath):
        return [path.path]
    if isinstance(path, InvPath):
        return [path.arg]
    if isinstance(path, NegatedPath):
        return list(path.args)
    raise _Unknown(f"a path of kind {type(path).__name__}")


def _mentions_type(p: Any) -> bool:
    return p == _TYPE or (isinstance(p, Path) and any(_mentions_type(x) for x in _path_parts(p)))


def _is_var(t: Any) -> bool:
    return isinstance(t, Variable | BNode)


def _triples(bgp: Any) -> list[tuple[Any, Any, Any]]:
    flat = [x for t in bgp["triples"] for x in t]
    if len(flat) % 3:
        raise _Unknown("a triples block")
    return [tuple(flat[k : k + 3]) for k in range(0, len(flat), 3)]  # type: ignore[misc]


def _forward(p: Any) -> bool:
    """True when every match of path ``p`` starts with a triple whose subject is the path's start."""
    if isinstance(p, URIRef):
        return True
    if isinstance(p, MulPath):
        return p.mod == "+" and _forward(p.path)
    if isinstance(p, SequencePath):
        return _forward(p.args[0])
    return False


def _ends_forward(p: Any) -> bool:
    """True when every match of path ``p`` ends with a triple whose object is the path's end,
    through a predicate that is not rdf:type."""
    if isinstance(p, URIRef):
        return p != _TYPE
    if isinstance(p, MulPath):
        return p.mod == "+" and _ends_forward(p.path)
    if isinstance(p, SequencePath):
        return _ends_forward(p.args[-1])
    return False


def _bgp_scope(triples: list[tuple[Any, Any, Any]]) -> tuple[set[Any], set[tuple[Any, Any]]]:
    """Variables no solution of ``triples`` binds to a dropped class, and the links between two
    variables of a ``p*`` path (one is bound to a dropped class only if the other is)."""
    guarded: set[Any] = set()
    links: set[tuple[Any, Any]] = set()
    for s, p, o in triples:
        if _is_var(s) and _forward(p):
            guarded.add(s)  # a dropped class has no outgoing triple
        if _is_var(o) and _ends_forward(p):
            guarded.add(o)  # ... and is the object of rdf:type triples only
        if isinstance(p, MulPath) and p.mod in ("*", "?") and isinstance(p.path, URIRef) and p.path != _TYPE:
            # length zero: the two ends are one node; longer: an outgoing and a non-type incoming triple
            if _is_var(s) and isinstance(o, URIRef):
                guarded.add(s)
            if _is_var(o) and isinstance(s, URIRef):
                guarded.add(o)
            if _is_var(s) and _is_var(o):
                links.add((s, o))
    return guarded, links


def _closure(guarded: set[Any], links: set[tuple[Any, Any]]) -> set[Any]:
    out = set(guarded)
    changed = True
    while changed:
        changed = False
        for a, b in links:
            if (a in out) != (b in out):
                out.update((a, b))
                changed = True
    return out


def _bgp(triples: list[tuple[Any, Any, Any]]) -> set[Any]:
    """The variables of a basic graph pattern that a left-out triple could bind, unguarded in it."""
    need: set[Any] = set()
    for s, p, o in triples:
        if _is_var(p) or isinstance(p, NegatedPath):
            raise _Unknown("a variable predicate or a negated property set")
        if not _mentions_type(p):
            continue
        if p == _TYPE:
            if _is_var(o):
                need.add(o)
            elif not isinstance(o, URIRef | Literal):
                raise _Unknown("a type pattern's object this check does not read")
            continue
        # rdf:type inside a path: only `a / rest`, where rest cannot continue from a class
        if not (isinstance(p, SequencePath) and p.args[0] == _TYPE and not any(_mentions_type(x) for x in p.args[1:])):
            raise _Unknown("rdf:type inside a path")
        rest = p.args[1:]
        if _forward(rest[0]):
            continue
        if len(rest) == 1 and isinstance(rest[0], MulPath) and rest[0].mod in ("*", "?") and isinstance(rest[0].path, URIRef) and isinstance(o, URIRef):
            continue
        raise _Unknown("a type path this check does not read")
    return need - _closure(*_bgp_scope(triples))  # a type triple never guards its own object (_ends_forward)


def _scope(node: Any) -> tuple[set[Any], set[tuple[Any, Any]]]:
    """Guarded variables and links that hold in every solution of ``node`` (joins, filters and
    binds keep them; a union promises what all its branches promise; an optional part or a
    sub-select does not promise them)."""
    name = getattr(node, "name", None)
    if name == "BGP":
        return _bgp_scope(_triples(node))
    if name == "Join":
        g1, l1 = _scope(node["p1"])
        g2, l2 = _scope(node["p2"])
        return g1 | g2, l1 | l2
    if name in ("Filter", "Extend", "ToMultiSet"):
        return _scope(node["p"]) if not isinstance(node["p"], list) else (set(), set())
    if name == "Union":  # each solution is one branch's
        g1, l1 = _scope(node["p1"])
        g2, l2 = _scope(node["p2"])
        return g1 & g2, l1 & l2
    if name == "Graph":  # a case graph's patterns guard; the shared graph's describe every class
        return _scope(node["p"]) if _is_var(node["term"]) else (set(), set())
    if name == "values":
        rows = node["res"]
        if not rows:
            return set(), set()
        return {k for k in rows[0] if all(isinstance(r.get(k), URIRef) for r in rows)}, set()
    return set(), set()


def _exists_in(expr: Any) -> None:
    """Every EXISTS pattern inside an expression must need no guard itself."""
    if isinstance(expr, dict):
        if getattr(expr, "name", None) in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            graph = expr["graph"]
            if getattr(graph, "name", None) not in _KNOWN:  # rdflib translates EXISTS lazily
                from rdflib.plugins.sparql.algebra import translateGroupGraphPattern

                graph = translateGroupGraphPattern(_clone(graph))
            if _unguarded(graph):
                raise _Unknown("an unguarded type pattern under EXISTS")
            return
        for key, value in expr.items():
            if key != "_vars":
                _exists_in(value)
    elif isinstance(expr, list | tuple):
        for value in expr:
            _exists_in(value)


def _clone(node: Any) -> Any:
    """A copy of a parse tree (rdflib translates in place; the prepared rule is shared)."""
    if isinstance(node, dict) and getattr(node, "name", None) is not None:
        from rdflib.plugins.sparql.parserutils import CompValue

        return CompValue(node.name, **{k: _clone(v) for k, v in node.items()})
    if isinstance(node, dict):
        return {k: _clone(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_clone(v) for v in node]
    return node


_KNOWN = {
    "BGP", "Join", "LeftJoin", "Filter", "Extend", "Union", "Minus", "Project", "Distinct", "Reduced",
    "Slice", "OrderBy", "Group", "AggregateJoin", "ToMultiSet", "values", "SelectQuery", "Graph",
}


def _unguarded(node: Any) -> set[Any]:
    """Variables ``node``'s solutions might bind to a dropped class through a left-out triple
    and that nothing in ``node`` removes; raises _Unknown for what the check does not read."""
    name = getattr(node, "name", None)
    if name not in _KNOWN:
        raise _Unknown(f"a {name or type(node).__name__} pattern")
    if name == "BGP":
        return _bgp(_triples(node))
    if name == "values":
        return set()
    if name == "Graph":
        if shared_graph_block(node):
            return set()  # the shared graph keeps every triple: nothing left out to match there
        if not _is_var(node["term"]):
            raise _Unknown("a named graph this check does not read")
        return _unguarded(node["p"])
    if name == "Join":
        return (_unguarded(node["p1"]) | _unguarded(node["p2"])) - _closure(*_scope(node))
    if name in ("Filter", "Extend"):
        _exists_in(node["expr"])
        return _unguarded(node["p"])
    if name == "LeftJoin":
        _exists_in(node.get("expr"))
        if _unguarded(node["p2"]):
            raise _Unknown("an unguarded type pattern under OPTIONAL")
        return _unguarded(node["p1"])
    if name == "Minus":
        if _unguarded(node["p2"]):
            raise _Unknown("an unguarded type pattern under MINUS")
        return _unguarded(node["p1"])
    if name == "Union":
        return _unguarded(node["p1"]) | _unguarded(node["p2"])
    if name == "ToMultiSet":
        if isinstance(node["p"], list):  # rdflib writes an empty VALUES block's rows as a list
            return set()
        return _unguarded(node["p"])
    # projection, grouping, ordering, slicing: what they keep of a solution may hide the variable
    for key in ("A", "expr"):
        if key in node:
            _exists_in(node[key])
    if _unguarded(node["p"]):
        raise _Unknown(f"an unguarded type pattern under {name}")
    return set()


# -- which nodes a path of length zero can need ----------------------------------------------


def zero_length_nodes(algebras: Iterable[Any | None]) -> frozenset[str] | None:
    """The IRIs that must stay nodes of a case graph for these queries: the constant ends of
    their paths that may have length zero; None when any node may be needed.

    Why: pyoxigraph matches a path of length zero only at a node of the graph (a subject or
    object of one of its triples): ``glr:X rdfs:subClassOf* ?c`` gives ``?c = glr:X`` only if
    ``glr:X`` is in the graph. Leaving triples out of a case graph (above, and
    reasoner/batch/kbonly.py) may leave a node in none of its triples; the copy gives such a
    node a private node triple only if a query could match a path of length zero there,
    instead of all of them (~330 triples per case graph, issue 17).

    Why the others need none, for a node n that only left-out triples held: a match of a path
    is a chain of steps, each a real triple or (length zero) one node; if the path cannot have
    length zero the chain has a real triple, and every node in it is an end of one, so not n. A
    path that can have length zero relates n to itself only if its ends may be n: an IRI end
    is returned here; a variable end must also be the subject or object of a pattern of the
    same basic graph pattern whose predicate is an IRI or a path that cannot have length zero
    (joined, it binds the variable to an end of a real triple). A ``GRAPH <kb>`` block
    (reasoner/batch/kbgraph.py) reads the shared graph, which holds the whole footprint, and no
    case graph: it needs none. No rule may read a variable
    predicate or a negated property set (the same condition as the other copies): those, a
    literal or other end, an unreadable query, and None.
    """
    needed: set[str] = set()
    try:
        for algebra in algebras:
            if algebra is None:
                return None
            _zero_walk(algebra, needed)
    except _Unknown:
        return None
    return frozenset(needed)


def _zero_walk(node: Any, needed: set[str]) -> None:
    if isinstance(node, dict):
        name = getattr(node, "name", None)
        if name == "pname":
            raise _Unknown("an unresolved prefixed name")
        if shared_graph_block(node):
            return  # read from the shared graph, which holds the whole footprint: no case graph's node
        if name == "BGP":
            _zero_bgp(list(node.get("triples") or ()), needed)
        elif name == "TriplesBlock":  # left untranslated by rdflib inside FILTER (NOT) EXISTS
            flat = [x for t in node.get("triples") or () for x in t]
            if len(flat) % 3:
                raise _Unknown("a triples block")
            _zero_bgp([tuple(flat[k : k + 3]) for k in range(0, len(flat), 3)], needed)
        for key, value in node.items():
            if key not in ("template", "_vars"):
                _zero_walk(value, needed)
    elif isinstance(node, list | tuple | set | frozenset):
        for item in node:
            _zero_walk(item, needed)


def _may_be_empty(path: Any) -> bool:
    """True when ``path`` may match with length zero; raises _Unknown for what is not read."""
    if isinstance(path, URIRef):
        return False
    if isinstance(path, MulPath):
        return _may_be_empty(path.path) or path.mod in ("*", "?")
    if isinstance(path, SequencePath):
        return all([_may_be_empty(p) for p in path.args])  # noqa: C419 - every part is read: a negated one raises
    if isinstance(path, AlternativePath):
        return any([_may_be_empty(p) for p in path.args])  # noqa: C419 - every part is read: a negated one raises
    if isinstance(path, InvPath):
        return _may_be_empty(path.arg)
    raise _Unknown("a variable predicate, a negated property set or an unknown path")


def _zero_bgp(triples: list[Any], needed: set[str]) -> None:
    empty = [(s, o) for s, p, o in triples if _may_be_empty(p)]
    # tied: variables every solution binds to an end of a real triple or to a returned IRI
    tied = {t for s, p, o in triples if not _may_be_empty(p) for t in (s, o) if _is_var(t)}
    for s, o in empty:
        for end in (s, o):
            if isinstance(end, URIRef):
                needed.add(str(end))
            elif not _is_var(end):
                raise _Unknown("a path of length zero to a literal")
    changed = True
    while changed:  # a path that may be empty from a tied end: the other end is that node, or a real one
        changed = False
        for s, o in empty:
            if (isinstance(s, URIRef) or s in tied) and _is_var(o) and o not in tied:
                tied.add(o)
                changed = True
            if (isinstance(o, URIRef) or o in tied) and _is_var(s) and s not in tied:
                tied.add(s)
                changed = True
    if any(_is_var(end) and end not in tied for s, o in empty for end in (s, o)):
        raise _Unknown(f"an end of a path of length zero that nothing ties to the graph: {empty}")
