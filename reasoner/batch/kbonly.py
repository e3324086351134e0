"""Leave out of each case graph the footprint triples whose predicate only the shared graph is asked for.

Why: with their knowledge-base patterns read from the shared graph
(reasoner/batch/kbgraph.py), rules still run over case graphs that each
hold a copy of those triples (``glr:hasEvidence``, ``glr:catalogueId``,
``glr:causingAction``, ... 130 of the footprint's 720); pyoxigraph's
evaluation of ``compounding-harm-current-therapy`` costs ~1.4 ms per case
with them and ~0.5 ms without, with the same answers (issue 17).

What is left out (:func:`kb_only_predicates`): the footprint triples with
a predicate P that no query the store asks of a case graph names outside
its ``GRAPH <kb>`` blocks — the knowledge-base form of a rule with one, the
many-case form of every other rule — and that is not rdf:type (the
membership triples are computed from the case graphs' type triples). No rule may read a
variable predicate or a negated property set (then nothing is left out).

Why the answers are the same: a triple pattern with predicate P (or a path
naming P) is the only thing that can match a P triple, and no such pattern
is evaluated against a case graph, only against the shared graph, which
keeps the whole footprint. Nodes the left-out triples alone held keep a
private node triple (reasoner/batch/slim.py), so a path of length zero
ranges over the same nodes (only those such a path may need, when
:func:`~reasoner.batch.slim.zero_length_nodes` shows which). The argument needs the knowledge-base form to
be the query asked: when a case or derived triple has a moved predicate
(:meth:`KbGraphForm.applies` fails), and before a rule is asked as written
over one case graph, the store copies the left-out triples back into its
case graphs first (reasoner/batch/multicase.py). So it does before the
SPARQL membership update, which reads rdfs:subClassOf in the case graphs;
the membership computed in Python reads the closure of the whole copy,
left-out triples included.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rdflib import URIRef

from ..kb.footprint import _AnyPredicate, _bgp_predicates
from ..vocab import RDF
from .kbgraph import shared_graph_block

__all__ = ["kb_only_predicates"]

_NEVER = frozenset({str(RDF.type)})


def case_predicates(algebra: Any) -> frozenset[URIRef] | None:
    """Predicates a query's patterns outside ``GRAPH <kb>`` can match; None if any predicate."""
    found: set[URIRef] = set()
    try:
        _walk(algebra, found)
    except _AnyPredicate:
        return None
    return frozenset(found)


def _walk(node: Any, found: set[URIRef]) -> None:
    if isinstance(node, dict):
        name = getattr(node, "name", None)
        if shared_graph_block(node):
            return  # read from the shared graph, which keeps the whole footprint
        if name == "pname":
            raise _AnyPredicate  # an unresolved prefixed name: do not guess
        if name == "BGP":
            found.update(_bgp_predicates(list(node.get("triples") or ())))
        elif name == "TriplesBlock":  # left untranslated by rdflib inside FILTER (NOT) EXISTS
            flat = [t[i : i + 3] for t in node.get("triples") or () for i in range(0, len(t), 3)]
            found.update(_bgp_predicates([tuple(t) for t in flat]))
        for key, value in node.items():
            if key not in ("template", "_vars"):
                _walk(value, found)
    elif isinstance(node, list | tuple | set | frozenset):
        for item in node:
            _walk(item, found)


def kb_only_predicates(footprint_predicates: Iterable[str], case_queries: Iterable[Any | None]) -> frozenset[str]:
    """The footprint predicates no case-graph query names (see the module docstring);
    ``case_queries`` are the prepared queries the store asks of case graphs (None: one
    does not parse, and nothing is left out)."""
    named: set[str] = set()
    for query in case_queries:
        read = case_predicates(query.algebra) if query is not None else None
        if read is None:
            return frozenset()
        named.update(str(p) for p in read)
    return frozenset(str(p) for p in footprint_predicates) - named - _NEVER


def leave_out(
    kept: Iterable[tuple[Any, Any, Any]], predicates: frozenset[str], nodes: frozenset[str] | None = None
) -> tuple[tuple[tuple[Any, Any, Any], ...], tuple[tuple[Any, Any, Any], ...]]:
    """(the case-graph copy without the triples of ``predicates``, those triples). A node only
    they held keeps a private node triple (a literal hangs off a node the copy keeps anyway);
    with ``nodes`` (reasoner/batch/slim.py, :func:`zero_length_nodes`) only the IRIs among them."""
    import pyoxigraph as ox

    from .slim import NODE

    rest = [t for t in kept if t[1].value not in predicates]
    out = tuple(t for t in kept if t[1].value in predicates)
    if not out or not rest:
        return tuple(kept), ()
    present = {n for s, _, o in rest for n in (s, o)}
    anchor = min((n for n in present if isinstance(n, ox.NamedNode)), key=str, default=None)
    node = ox.NamedNode(NODE)
    for n in sorted({n for s, _, o in out for n in (s, o)} - present, key=str):
        if nodes is not None and not (isinstance(n, ox.NamedNode) and n.value in nodes):
            continue  # no path of length zero can need it
        if isinstance(n, ox.Literal):
            if anchor is None:
                return tuple(kept), ()
            rest.append((anchor, node, n))
        else:
            rest.append((n, node, n))
    return tuple(rest), out
