"""A case graph's N-Triples exactly as ``Graph.serialize(format="nt")`` writes them, and its nodes, in one pass.

Why: the batch validator (reasoner/batch/validate_many.py) needs, per case,
the nodes it names (to find cases that share one) and its N-Triples (for
pyrudof and the pyoxigraph store). Through rdflib that is three walks of the
graph (``all_nodes``, ``subjects``, ``serialize``) and an ``n3()`` call per
occurrence of every IRI; a batch names the same predicates and classes
thousands of times.

How it stays exact: the text is made by the calls rdflib's N-Triples
serializer makes — one row per triple of ``iter(graph)``, in that order,
``n3()`` of subject and predicate, ``_quoteLiteral`` or ``n3()`` of the
object — except that an IRI's ``n3()`` (a function of its text alone: rdflib's
check for illegal characters, then ``<text>``) is computed once per batch and
reused. Terms of any other type (blank nodes, literals, subclasses of
``URIRef``) get their own call every time: a literal's row depends on its
language tag's case, which literal equality ignores. An illegal IRI raises
rdflib's exception, as the serializer would. tests/test_batch_ntrows.py
compares the text byte for byte with rdflib's on hostile terms.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.plugins.serializers.nt import _quoteLiteral
from rdflib.term import Node

from ..pipeline.memorygraph import all_triples
from ..pipeline.pendingcase import PendingCaseGraph

__all__ = ["NTNames", "case_triples", "nt_bytes", "nt_bytes_and_part"]

_Triple = tuple[Any, Any, Any]


class NTNames:
    """``term.n3()``, with each IRI's answer remembered (forgotten all at once past ``limit`` IRIs,
    so that a long-lived instance stays small)."""

    def __init__(self, limit: int = 50_000) -> None:
        self._iris: dict[URIRef, str] = {}
        self._limit = limit

    def __call__(self, term: Node) -> str:
        if type(term) is URIRef:
            known = self._iris.get(term)
            if known is None:
                if len(self._iris) >= self._limit:
                    self._iris.clear()
                known = self._iris[term] = term.n3()
            return known
        return term.n3()


def case_triples(graph: Graph) -> list[_Triple]:
    """The graph's triples in its own iteration order (the order its serializer writes them); a
    case graph not built yet (reasoner/pipeline/pendingcase.py) gives its triples without being
    built, in the order they were added (a set's order is no contract: it differs between processes)."""
    if type(graph) is PendingCaseGraph:
        return graph.unique_triples()
    return all_triples(graph)


def nt_bytes(triples: Iterable[_Triple], names: NTNames) -> bytes:
    """What ``Graph.serialize(format="nt", encoding="utf-8")`` returns for a graph iterating
    ``triples`` (a text that is not UTF-8, such as a lone surrogate, raises as it does there)."""
    rows = []
    for s, p, o in triples:
        if isinstance(o, Literal):
            rows.append("%s %s %s .\n" % (names(s), names(p), _quoteLiteral(o)))
        else:
            rows.append("%s %s %s .\n" % (names(s), names(p), names(o)))
    return "".join(rows).encode()


def nt_bytes_and_part(triples: Iterable[_Triple], names: NTNames, predicates: frozenset[Any]) -> tuple[bytes, bytes]:
    """:func:`nt_bytes` of ``triples``, and of those of them whose predicate is in ``predicates``
    (the same rows, in the same order), from one pass."""
    rows = []
    part = []
    for s, p, o in triples:
        if isinstance(o, Literal):
            row = "%s %s %s .\n" % (names(s), names(p), _quoteLiteral(o))
        else:
            row = "%s %s %s .\n" % (names(s), names(p), names(o))
        rows.append(row)
        if p in predicates:
            part.append(row)
    return "".join(rows).encode(), "".join(part).encode()
