"""Evaluate a VALUES block before the patterns it is joined with, on rdflib.

Why: rdflib evaluates a group's join left to right and passes the left
side's bindings into the right side. A rule that lists its constants in a
VALUES block after its triple patterns (``?c rdfs:subClassOf* ?flag .
VALUES ?flag { … }``, the natural way to write it) has rdflib walk the
class hierarchy of every class before the constants narrow it: on the rule
``urgent-spine-evaluation`` 21 ms a case, against 0.7 ms with the VALUES
block evaluated first (docs/performance.md). A join is commutative, so the
solutions are the same; only their order may change, so a query with an
aggregate or slice whose answer depends on order (GROUP_CONCAT, SAMPLE,
LIMIT/OFFSET) is left exactly as written. Oxigraph plans joins itself and
gets the rule text unchanged.
"""

from __future__ import annotations

from typing import Any

from rdflib.plugins.sparql.parserutils import CompValue

__all__ = ["values_first"]

#: algebra nodes whose result depends on the order of the solutions they receive
_ORDER_SENSITIVE = frozenset({"Slice", "Aggregate_GroupConcat", "Aggregate_Sample"})


def _nodes(node: Any) -> list[CompValue]:
    found: list[CompValue] = []
    todo = [node]
    seen: set[int] = set()
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, CompValue):
            found.append(current)
            todo.extend(current.values())
            todo.extend(vars(current).values())  # rdflib keeps a translated EXISTS pattern as an attribute
        elif isinstance(current, dict):
            todo.extend(current.values())
        elif isinstance(current, list | tuple):
            todo.extend(current)
    return found


def values_first(algebra: Any) -> int:
    """Swap each join whose right side is a VALUES block and left side is not; returns how many.

    Changes ``algebra`` in place. Idempotent. Does nothing to a query
    with an order-sensitive aggregate or slice anywhere in it.
    """
    nodes = _nodes(algebra)
    if any(n.name in _ORDER_SENSITIVE for n in nodes):
        return 0
    swapped = 0
    for node in nodes:
        if node.name != "Join":
            continue
        left, right = node.get("p1"), node.get("p2")
        if isinstance(right, CompValue) and right.name == "ToMultiSet" and not (isinstance(left, CompValue) and left.name == "ToMultiSet"):
            node["p1"], node["p2"] = right, left
            swapped += 1
    return swapped
