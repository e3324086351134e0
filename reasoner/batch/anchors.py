"""Skip a rule's query when a triple pattern every solution needs matches nothing in the store.

Why: a store of 25 cases asks every rule, and pyoxigraph parses and plans
each query anew on every call (docs/performance.md): ~25 ms per store for
the bundled rules, seven of them for ``seroma-aspiration`` alone. Many
rules cannot fire for any case of a given store — the opioid guideline's
rules on post-fusion cases, a seroma rule when no case has a compression
finding — and one index lookup per required pattern shows it.

Which patterns are required (:func:`required_patterns`): those of a basic
graph pattern reached from the query's top through operators that give
no solution when that operand has none — join (either side), the left
side of OPTIONAL and MINUS, FILTER, BIND, GRAPH, sub-select, DISTINCT,
ORDER BY, slicing. Not through UNION (another branch may answer), nor
into the right side of OPTIONAL or MINUS, nor EXISTS, nor through
grouping or aggregation (an aggregate over nothing still gives a row).
Only patterns whose predicate is an IRI are kept (a path may match at
length zero).

Why skipping is exact: if a required pattern matches no quad of the store,
in any graph, it has no solution in any graph ``GRAPH ?g`` may range over,
so neither has the operator above it, up to the query: the query's answer
is empty, which is what the store then records for every case. A rule's
knowledge-base form (reasoner/batch/kbgraph.py, kbvalues.py) is given the
patterns of the many-case form it came from: it is asked only where the
two have the same solutions.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef, Variable

from ..pipeline.engines.oxigraph_engine import to_ox

__all__ = ["Anchors", "required_patterns"]

#: operators whose every solution extends a solution of ``p``
_THROUGH_P = frozenset({"SelectQuery", "ConstructQuery", "Project", "Distinct", "Reduced", "OrderBy", "Slice", "Filter", "Extend", "Graph", "ToMultiSet"})
#: operators whose every solution extends a solution of ``p1`` (and, for Join, of ``p2``)
_THROUGH_P1 = frozenset({"LeftJoin", "Minus"})


def required_patterns(algebra: Any) -> tuple[tuple[Any, Any, Any], ...]:
    """The triple patterns (rdflib terms; None for a variable or blank node) every solution of
    ``algebra`` needs a match of."""
    found: list[tuple[Any, Any, Any]] = []
    _walk(algebra, found)
    return tuple(dict.fromkeys(found))


def _walk(node: Any, found: list[tuple[Any, Any, Any]]) -> None:
    name = getattr(node, "name", None)
    if name in _THROUGH_P:
        _walk(node.get("p"), found)
    elif name == "Join":
        _walk(node.get("p1"), found)
        _walk(node.get("p2"), found)
    elif name in _THROUGH_P1:
        _walk(node.get("p1"), found)
    elif name == "BGP":
        for s, p, o in node.get("triples") or ():
            if isinstance(p, URIRef):
                found.append((_term(s), p, _term(o)))
    # anything else (UNION, VALUES, grouping, aggregation, unknown): requires nothing known


def _term(term: Any) -> Any:
    return None if isinstance(term, (Variable, BNode)) else term


class Anchors:
    """Per query text, its required patterns as Oxigraph terms."""

    def __init__(self, queries: dict[str, Any]) -> None:
        """``queries``: each query text with rdflib's algebra of it (None: unknown, never skipped)."""
        self.patterns: dict[str, tuple[tuple[Any, Any, Any], ...]] = {
            text: tuple((_ox(s), to_ox(p), _ox(o)) for s, p, o in required_patterns(algebra))
            for text, algebra in queries.items()
            if algebra is not None
        }

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Anchors) and self.patterns == other.patterns

    def unanswerable(self, query: str, store: ox.Store) -> bool:
        """True when ``query`` can have no solution on ``store`` as it is now."""
        for s, p, o in self.patterns.get(query, ()):
            if next(iter(store.quads_for_pattern(s, p, o, None)), None) is None:
                return True
        return False


def _ox(term: URIRef | Literal | None) -> Any:
    return None if term is None else to_ox(term)
