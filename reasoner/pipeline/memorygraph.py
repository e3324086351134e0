"""Build a new rdflib Graph in bulk: exactly the state ``Graph()``, ``bind`` and ``add`` calls leave, fewer calls.

Why: timeline.normalise builds every case's only rdflib graph by binding
its ~31 namespaces (each bind re-checks the ~30 defaults a new graph
binds first) and adding its ~110 triples one ``Graph.add`` at a time
(three assertions, an event, a context string per triple). Both are pure
functions of the calls made on a fresh graph, so:

* :func:`graph_with_namespaces` keeps the state binds left on a real
  graph (the Memory store's prefix and namespace dictionaries, the
  namespace manager's trie) and starts each later graph binding the same
  namespaces from copies of it; rdflib's own ``bind`` makes the binds
  not kept (fastturtle.py's PlainTurtle.namespaces uses it too);
* :func:`add_triples` writes the Memory store's indexes and context sets
  for a list of triples added to a fresh store, in the order and with the
  values ``Memory.add`` would, and adds one by one with ``Graph.add``
  wherever that is not certain (another store, a store already used, a
  subscriber to store events, a term of another type, a patched ``add``).

tests/test_memorygraph.py compares every attribute of the store and of the
namespace manager, order included, with graphs built call by call.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import NamespaceManager
from rdflib.plugins.stores.memory import Memory
from rdflib.term import Node

__all__ = ["add_triples", "graph_with_namespaces"]

#: bind calls: (prefix, namespace, override) each
Binds = tuple[tuple[str, str, bool], ...]
Trie = dict[str, Any]
#: what bind calls leave: the Memory store's prefix -> namespace and namespace -> prefix, the manager's trie
BindState = tuple[dict[str, URIRef], dict[URIRef, str], Trie]


class _Node:
    """A sequence of bind calls already made, keyed by the next call; ``state`` when one was kept for it."""

    __slots__ = ("children", "state")

    def __init__(self) -> None:
        self.children: dict[tuple[str, str, bool], _Node] = {}
        self.state: BindState | None = None


#: the bind states kept, as a trie over sequences of bind calls; the root holds a new graph's (the defaults).
#: A case's own namespace usually comes last (``@prefix : <its IRI>``), so the state before a sequence's
#: last pair is kept: the next case starts from it and binds one namespace, not ~31.
_ROOT: list[_Node] = []
_KEPT: list[int] = [0]
_KEPT_LIMIT = 256
#: the functions whose effect add_triples reproduces; if either is replaced, it steps aside
_GRAPH_ADD = Graph.add
_MEMORY_ADD = Memory.add
#: term types whose instances pass Graph.add's ``isinstance(term, Node)`` assertions
_NODE_TYPES = frozenset({URIRef, Literal, BNode})
_MANAGER_ATTRIBUTES = frozenset({
    "graph", "_NamespaceManager__cache", "_NamespaceManager__cache_strict",
    "_NamespaceManager__log", "_NamespaceManager__strie", "_NamespaceManager__trie",
})


def _copy_trie(trie: Trie) -> Trie:
    return {key: _copy_trie(sub) if sub else {} for key, sub in trie.items()}


def _take(graph: Graph) -> BindState | None:
    """Copies of the state bind calls left on ``graph``, or None if not all of it is in the three places copied."""
    store, manager = graph.store, graph.namespace_manager
    if type(graph) is not Graph or type(store) is not Memory or type(manager) is not NamespaceManager:
        return None
    by_prefix = getattr(store, "_Memory__namespace", None)
    by_namespace = getattr(store, "_Memory__prefix", None)
    state = vars(manager)
    trie = state.get("_NamespaceManager__trie")
    untouched = (  # what bind never writes is as a new manager has it
        set(state) == _MANAGER_ATTRIBUTES
        and state["_NamespaceManager__cache"] == {}
        and state["_NamespaceManager__cache_strict"] == {}
        and state["_NamespaceManager__strie"] == {}
        and state["_NamespaceManager__log"] is None
    )
    if not (untouched and isinstance(by_prefix, dict) and isinstance(by_namespace, dict) and isinstance(trie, dict)):
        return None
    return dict(by_prefix), dict(by_namespace), _copy_trie(trie)


def _graph_from(state: BindState, into: Graph | None = None) -> Graph:
    """A new graph whose bind state is a copy of ``state`` (and nothing else is set); ``into``: the
    object to make that graph of (a ``Graph`` not yet initialised, reasoner/pipeline/pendingcase.py)."""
    by_prefix, by_namespace, trie = state
    store = Memory()
    store._Memory__namespace = dict(by_prefix)  # type: ignore[attr-defined]
    store._Memory__prefix = dict(by_namespace)  # type: ignore[attr-defined]
    graph = _new_graph(into, store=store)
    manager = NamespaceManager(graph, bind_namespaces="none")
    manager._NamespaceManager__trie = _copy_trie(trie)  # type: ignore[attr-defined]
    graph.namespace_manager = manager
    return graph


def _root() -> _Node:
    if not _ROOT or _KEPT[0] > _KEPT_LIMIT:
        root = _Node()
        graph = Graph()
        graph.namespace_manager  # noqa: B018 - a new graph's manager binds rdflib's defaults when first asked for
        root.state = _take(graph)
        _ROOT[:] = [root]
        _KEPT[0] = 0
    return _ROOT[0]


def _new_graph(into: Graph | None, **kwargs: Any) -> Graph:
    """``Graph(**kwargs)``, or ``into`` initialised as that graph."""
    if into is None:
        return Graph(**kwargs)
    Graph.__init__(into, **kwargs)
    return into


def graph_with_namespaces(namespaces: Iterable[tuple[str, str]], *, override: bool = False, into: Graph | None = None) -> Graph:
    """``Graph()`` with ``bind(prefix, namespace, override=override)`` called for each pair in order.

    The binds of the longest start of ``namespaces`` whose state was kept are not repeated: the graph
    starts from a copy of that state and the rest are bound by rdflib, one call each. ``into``: an
    object of class ``Graph`` not yet initialised, to make that graph of (it is returned).
    """
    key: Binds = tuple((prefix, namespace, override) for prefix, namespace in namespaces)
    root = _root()
    if not key or root.state is None:  # nothing to bind (the manager is made when first asked for), or no copies
        graph = _new_graph(into)
        for prefix, namespace, _ in key:
            graph.bind(prefix, namespace, override=override)
        return graph
    node, state, done = root, root.state, 0
    for depth, bind in enumerate(key, 1):
        node = node.children.get(bind)  # type: ignore[assignment]
        if node is None:
            break
        if node.state is not None:
            state, done = node.state, depth
    graph = _graph_from(state, into)
    last = len(key) - 1
    for depth in range(done, len(key)):
        if depth == last and done < last:  # keep the state before the last bind, for the next case
            _keep(key[:last], _take(graph))
        prefix, namespace, _ = key[depth]
        graph.bind(prefix, namespace, override=override)
    return graph


def _keep(key: Binds, state: BindState | None) -> None:
    if state is None:
        return
    node = _root()
    for bind in key:
        node = node.children.setdefault(bind, _Node())
    node.state = state
    _KEPT[0] += 1


def _fresh_memory(graph: Graph) -> Memory | None:
    """The graph's store if it is a Memory store nothing was added to and nobody listens to, else None."""
    store = graph.store
    if type(graph) is not Graph or type(store) is not Memory or Graph.add is not _GRAPH_ADD or Memory.add is not _MEMORY_ADD:
        return None
    state = vars(store)
    fresh = (
        state.get("_Memory__spo") == {}
        and state.get("_Memory__pos") == {}
        and state.get("_Memory__osp") == {}
        and state.get("_Memory__tripleContexts") == {}
        and state.get("_Memory__contextTriples") == {None: set()}
        and state.get("_Memory__all_contexts") == set()
        and state.get("_Memory__context_obj_map") == {}
        and "_Memory__defaultContexts" in state
        and state["_Memory__defaultContexts"] is None
        and getattr(store.dispatcher, "_dispatch_map", 0) is None
    )
    return store if fresh else None


def add_triples(graph: Graph, triples: Sequence[tuple[Node, Node, Node]]) -> None:
    """``graph.add(t)`` for each triple in order, written straight into a fresh Memory store when that is certain."""
    store = _fresh_memory(graph) if triples else None
    if store is None or not _NODE_TYPES.issuperset(map(type, chain.from_iterable(triples))):
        for triple in triples:
            graph.add(triple)
        return
    spo: dict = store._Memory__spo  # type: ignore[attr-defined]
    pos: dict = store._Memory__pos  # type: ignore[attr-defined]
    osp: dict = store._Memory__osp  # type: ignore[attr-defined]
    store._Memory__all_contexts.add(graph)  # type: ignore[attr-defined]
    identifier = graph.identifier
    context = f"{identifier.__class__.__name__}:{identifier}"  # as Memory.__ctx_to_str writes it
    store._Memory__context_obj_map[context] = graph  # type: ignore[attr-defined]
    in_default: set = store._Memory__contextTriples[None]  # type: ignore[attr-defined]
    in_graph: set = set()
    store._Memory__contextTriples[context] = in_graph  # type: ignore[attr-defined]
    # the first triple's context record becomes the default; every later one equals it and is not kept
    store._Memory__defaultContexts = {context: False, None: False}  # type: ignore[attr-defined]
    for s, p, o in triples:
        triple = (s, p, o)  # Graph.add hands the store a new tuple
        # setdefault: one hash per look-up (a Literal's hash is computed in Python, each time)
        objects = spo.setdefault(s, {}).setdefault(p, {})
        held = len(objects)
        objects.setdefault(o, 1)
        in_default.add(triple)
        in_graph.add(triple)
        if len(objects) == held:
            continue  # the store held it: Memory.add touches no index
        pos.setdefault(p, {}).setdefault(o, {})[s] = 1
        osp.setdefault(o, {}).setdefault(s, {})[p] = 1


_GRAPH_ITER = Graph.__iter__
_GRAPH_TRIPLES = Graph.triples
_MEMORY_TRIPLES = Memory.triples


def all_triples(graph: Graph) -> list[tuple[Node, Node, Node]]:
    """``list(graph)``: the same triples in the same order, read straight from a Memory store.

    Why: iterating a graph makes, per triple, a generator of its contexts that nothing reads
    (rdflib's Memory.triples); a batch reads each case graph twice, for validation and for the
    rule store (~0.1 ms per case). Exactly what ``Graph.__iter__`` -> ``Graph.triples`` ->
    ``Memory.triples`` do for the pattern (None, None, None) with the graph as context: note the
    context's name (as ``Memory.__ctx_to_str`` does on every call), then list a copy of the
    context's set of triples. Any other graph or store class, or a patched method: ``list(graph)``.
    """
    store = graph.store
    if (
        type(graph) is not Graph
        or type(store) is not Memory
        or Graph.__iter__ is not _GRAPH_ITER
        or Graph.triples is not _GRAPH_TRIPLES
        or Memory.triples is not _MEMORY_TRIPLES
    ):
        return list(graph)
    identifier = graph.identifier
    context = f"{identifier.__class__.__name__}:{identifier}"
    store._Memory__context_obj_map[context] = graph  # type: ignore[attr-defined]
    triples = store._Memory__contextTriples.get(context)  # type: ignore[attr-defined]
    return list(triples.copy()) if triples is not None else []
