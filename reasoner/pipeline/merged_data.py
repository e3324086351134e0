"""The case merged with the ontology, as pySHACL's data graph, without copying the ontology each time.

Why: the case shapes must see the class hierarchy (``sh:class`` and
``sh:targetClass`` follow ``rdfs:subClassOf``), so each case is validated
on the union of its triples and the ontology's. Copying ~1,800 ontology
triples for every case cost about 40% of validation; a graph that already
holds them is borrowed instead (reasoner/_runtime/graph_pool.py). pySHACL, run without
inference, ontology mix-in or advanced features, reads its data graph
without changing it.

A pool is only used while the ontology is unchanged: a
:class:`~reasoner.kb.memo.MemoGraph` (every knowledge base's ontology)
counts its changes; any other graph is copied each time, as before.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rdflib import Graph

from ..kb.memo import MemoGraph
from .._runtime.graph_pool import GraphPool

__all__ = ["merged_with_ontology"]

_lock = threading.Lock()
#: id(ontology) -> (a weak reference to it, its generation when the pool was made, the pool)
_pools: dict[int, tuple[weakref.ref[Graph], int, GraphPool]] = {}


def _pool(ontology: MemoGraph, new_graph: Callable[[], Graph]) -> GraphPool:
    with _lock:
        for key in [k for k, (ref, _, _) in _pools.items() if ref() is None]:
            del _pools[key]  # ontologies no longer in use
        entry = _pools.get(id(ontology))
        if entry is None or entry[0]() is not ontology or entry[1] != ontology.generation:
            entry = _pools[id(ontology)] = (weakref.ref(ontology), ontology.generation, GraphPool(ontology, new_graph))
        return entry[2]


@contextmanager
def merged_with_ontology(data: Graph, ontology: Graph, new_graph: Callable[[], Graph]) -> Iterator[Graph]:
    """A graph holding ``ontology`` and ``data`` for the ``with`` block; neither is modified.

    ``new_graph`` makes an empty graph of the class the caller queries
    through. The block must not change the graph it is given.
    """
    if not isinstance(ontology, MemoGraph):
        merged = new_graph()
        merged += ontology
        merged += data
        yield merged
        return
    pool = _pool(ontology, new_graph)
    merged = pool.borrow()
    added = pool.add(merged, data)
    try:
        yield merged
    finally:
        pool.give_back(merged, added)
