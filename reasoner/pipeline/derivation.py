"""One case's derivation graph, kept as its triples until something needs the rdflib graph.

Why: in a batch (reasoner/batch/multicase.py) the derived triples of each
case used to go into an rdflib graph as each stage ran: ~200 triples per
case through rdflib's in-memory store, about 1 ms per case, yet a batch
only reads them back through the explanation (which asks a few patterns,
reasoner/pipeline/results/lookups.py) and, with ``--derivations``, as
N-Triples. A :class:`Derivation` is an rdflib :class:`~rdflib.Graph` that
holds its triples in a list until any graph method is used; then it fills
itself exactly as the batch path filled its graph before (a new graph, the
``glr`` and ``prov`` prefixes bound, the triples added in the order they
were derived, repeats ignored) and from then on *is* a plain ``Graph``
(its class is switched), so no caller can tell the difference.

The explanation reads it through :meth:`Derivation.lookups` and the batch
writes it through :meth:`Derivation.unique_triples` without filling it;
:class:`DerivationIndex` answers those patterns in the order rdflib's
in-memory store gives (first-added first; tests/test_derivation.py holds
it to that).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rdflib import Graph, URIRef
from rdflib.term import Node

from ..vocab import GLR, PROV
from .storeorder import DerivationIndex

__all__ = ["Derivation", "DerivationIndex", "canonical"]

Triple = tuple[Node, Node, Node]

#: one object per IRI for the terms a derivation is made of (see canonical)
_CANONICAL: dict[URIRef, URIRef] = {}


def canonical(iri: URIRef) -> URIRef:
    """The one object this process uses for ``iri``: the first one given.

    Why: an rdflib IRI's ``==`` is a Python call, and a dictionary look-up makes it whenever
    the key found is an equal but different object. The rules' template IRIs (reasoner/batch/
    rewrite.py) and the vocabulary the explanation and annotation look for (inference.py,
    results/explainer.py) go through here, so the derivation index (:class:`DerivationIndex`)
    finds them by identity. Equal IRIs are interchangeable (same class, same text, no other
    state), so no answer can change; only IRIs known when the code is written, or stated in a
    rule, are kept (a bounded table)."""
    if type(iri) is not URIRef:
        return iri
    return _CANONICAL.setdefault(iri, iri)

#: attributes a pending derivation answers without filling its graph
_OWN = frozenset({"__class__", "__dict__", "_order", "lookups", "unique_triples", "_fill"})


class Derivation(Graph):
    """A derivation graph whose triples are added on first use (see the module docstring).

    While it is a ``Derivation`` its triples are pending; once filled it is a plain ``Graph``."""

    def __init__(self, triples: Iterable[Triple] = ()) -> None:
        super().__init__()
        # every triple once, first-added first (a graph ignores a repeat, so does this);
        # set last: its presence marks the graph as not yet filled
        self._order: dict[Triple, None] = dict.fromkeys(triples)

    def __getattribute__(self, name: str) -> Any:
        if name not in _OWN and "_order" in object.__getattribute__(self, "__dict__"):
            object.__getattribute__(self, "_fill")()
        return object.__getattribute__(self, name)

    def unique_triples(self) -> list[Triple]:
        """Every triple once, first-added first."""
        return list(self._order)

    def lookups(self) -> DerivationIndex:
        """The explanation's reads of this derivation, answered without filling the graph.

        A new index each call, not kept: the explanation asks once per case, and a kept index
        (~700 containers a case) would live with the result until the batch writes it, for every
        collection of the garbage collector to scan."""
        return DerivationIndex(self._order)

    def _fill(self) -> None:
        """Become the graph the batch path used to build: prefixes bound, then the triples in order."""
        order = self.__dict__.pop("_order")
        self.__class__ = Graph  # type: ignore[assignment]
        self.bind("glr", GLR)
        self.bind("prov", PROV)
        if order:
            self += list(order)
