"""Which IRIs a rule's WHERE clause mentions, read from rdflib's parsed algebra.

Why: a present finding whose class (and every superclass) no rule mentions
is one the knowledge base does not consider; the plan must say so rather
than stay silent (unconsidered_findings, reasoner/pipeline/unconsidered.py). Reading
the parsed algebra, not the query text, means prefixes, comments, strings
and the CONSTRUCT template (which writes, it reads nothing) cannot fool it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rdflib import Literal, URIRef
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, SequencePath

__all__ = ["iris_mentioned", "numbers_mentioned", "rules_mention"]


def _path_iris(path: Any, found: set[URIRef]) -> None:
    if isinstance(path, URIRef):
        found.add(path)
    elif isinstance(path, MulPath):
        _path_iris(path.path, found)
    elif isinstance(path, InvPath):
        _path_iris(path.arg, found)
    elif isinstance(path, SequencePath | AlternativePath):
        for part in path.args:
            _path_iris(part, found)
    elif isinstance(path, NegatedPath):
        for part in path.args:
            _path_iris(part, found)


def _walk(node: Any, found: set[URIRef], numbers: list[Literal] | None = None) -> None:
    if isinstance(node, URIRef):
        found.add(node)
    elif isinstance(node, Literal):
        if numbers is not None and isinstance(node.toPython(), int | float) and not isinstance(node.toPython(), bool):
            numbers.append(node)
    elif isinstance(node, MulPath | InvPath | SequencePath | AlternativePath | NegatedPath):
        _path_iris(node, found)
    elif isinstance(node, dict):  # rdflib's CompValue / Expr nodes, and VALUES rows
        for key, value in node.items():
            if key != "template":
                _walk(value, found, numbers)
    elif isinstance(node, list | tuple | set | frozenset):
        for item in node:
            _walk(item, found, numbers)


def iris_mentioned(query: Any) -> frozenset[URIRef]:
    """Every IRI in a prepared rdflib query's algebra, outside its CONSTRUCT template."""
    found: set[URIRef] = set()
    _walk(query.algebra, found)
    return frozenset(found)


def numbers_mentioned(query: Any) -> tuple[Literal, ...]:
    """Every numeric literal in a prepared query's algebra outside its template: the thresholds it compares."""
    numbers: list[Literal] = []
    _walk(query.algebra, set(), numbers)
    return tuple(numbers)


def rules_mention(queries: Iterable[Any | None]) -> frozenset[URIRef]:
    """The IRIs any of the prepared queries mentions (a query that did not parse, None, mentions nothing)."""
    found: set[URIRef] = set()
    for query in queries:
        if query is not None:
            found |= iris_mentioned(query)
    return frozenset(found)
