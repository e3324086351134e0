"""Run the FHIR mapping rules (SPARQL CONSTRUCT files) over a bundle's RDF view.

Why: mapping FHIR to the case vocabulary is knowledge, so it is data —
CONSTRUCT rules, one per concept, and code maps in RDF — kept in each
module's ``fhir/`` directory (``map/*.rq``, ``link/*.rq``, ``codes/*.ttl``,
and ``data/*.ttl`` for bulk tables only the mapper reads)
plus the generic ones in this package (``queries/``, ``maps/``). This
module only finds those files and runs them, phase by phase:

``map``      resources → case facts (over the view, code maps, ontology);
``link``     facts → links between facts (also sees the facts of ``map``);
``describe`` names the FHIR resources the facts were derived from.

Each phase sees everything the earlier phases built. Results do not
depend on the engine (pyoxigraph by default, rdflib on request; tested).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from .._runtime import safety
from .._runtime.graph_pool import GraphPool
from ..errors import KnowledgeBaseError
from ..kb.cache import prepare_query

__all__ = ["PHASES", "MappingSet", "mapping_set", "run_mapping"]

PHASES = ("map", "link", "describe")
_HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class MappingSet:
    """The rules of each phase and the RDF data (code maps, ontology) they read."""

    queries: tuple[tuple[str, Path, str], ...]  # (phase, file, text)
    data_files: tuple[Path, ...]


def mapping_set(module_dirs: list[Path], ontology_files: list[Path]) -> MappingSet:
    """Collect the generic and the modules' mapping rules and code maps, beside the ontology of those modules."""
    roots = [_HERE / "queries", *[Path(d) / "fhir" for d in module_dirs]]
    queries: list[tuple[str, Path, str]] = []
    for phase in PHASES:
        for root in roots:
            for path in sorted((root / phase).glob("*.rq")):
                text = path.read_text(encoding="utf-8")
                safety.reject_network_query(text, source=str(path))
                queries.append((phase, path, text))
    data = [*ontology_files, *sorted((_HERE / "maps").glob("*.ttl"))]
    for d in module_dirs:
        data.extend(sorted((Path(d) / "fhir" / "codes").glob("*.ttl")))
        data.extend(sorted((Path(d) / "fhir" / "data").glob("*.ttl")))  # mapping-only tables, not in the knowledge base
    return MappingSet(queries=tuple(queries), data_files=tuple(data))


_pools_lock = threading.Lock()  # guards _STORE_POOLS and _DATA_POOLS


class _StorePool:
    """pyoxigraph stores already holding the code maps and ontology, lent to one import at a time.

    Why: parsing the ~28,000 triples of the data files into a fresh store
    was half of every import (about 40 ms of 75). A lent store holds them
    in its default graph; the import puts the bundle's view and the facts
    it builds in named graphs of their own and drops both when done. The
    rules query the union of all graphs, as before, so they see the same
    triples. A store is retired after ``_USES`` imports (an in-memory store
    keeps the terms it has seen), and never lent again if anything of an
    import is left in it.
    """

    _USES = 500

    def __init__(self, data_files: tuple[Path, ...]) -> None:
        self._data_files = data_files
        self._idle: list[tuple[object, int]] = []
        self._lock = threading.Lock()

    def borrow(self) -> tuple[object, int]:
        import pyoxigraph as ox

        with self._lock:
            if self._idle:
                return self._idle.pop()
        store = ox.Store()
        for path in self._data_files:
            store.load(path=str(path), format=ox.RdfFormat.TURTLE)
        return store, 0

    def give_back(self, store: object, uses: int) -> None:
        if uses + 1 >= self._USES:
            return
        with self._lock:
            if len(self._idle) < 8:
                self._idle.append((store, uses + 1))


_STORE_POOLS: dict[tuple[Path, ...], _StorePool] = {}


def _run_oxigraph(view_jsonld: bytes, mappings: MappingSet) -> bytes:
    import pyoxigraph as ox

    with _pools_lock:
        pool = _STORE_POOLS.setdefault(mappings.data_files, _StorePool(mappings.data_files))
    store, uses = pool.borrow()
    view = ox.NamedNode("urn:glr:fhir-import:view")
    facts = ox.NamedNode("urn:glr:fhir-import:facts")
    clean = False
    try:
        store.load(view_jsonld, format=ox.RdfFormat.JSON_LD, to_graph=view)  # type: ignore[attr-defined]
        for phase in PHASES:
            built: list = []
            for query_phase, path, text in mappings.queries:
                if query_phase != phase:
                    continue
                try:
                    built.extend(store.query(text, use_default_graph_as_union=True))  # type: ignore[attr-defined]
                except (SyntaxError, ValueError, OSError) as exc:
                    raise KnowledgeBaseError(f"mapping rule failed: {' '.join(str(exc).split())[:300]}", source=str(path)) from None
            for triple in built:
                store.add(ox.Quad(triple.subject, triple.predicate, triple.object, facts))  # type: ignore[attr-defined]
        out = [ox.Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, facts)]  # type: ignore[attr-defined]
        return ox.serialize(out, format=ox.RdfFormat.N_TRIPLES) or b""
    finally:
        try:
            store.remove_graph(view)  # type: ignore[attr-defined]
            store.remove_graph(facts)  # type: ignore[attr-defined]
            clean = not any(True for _ in store.named_graphs())  # type: ignore[attr-defined]  # nothing of this bundle left
        except Exception:  # noqa: BLE001 - a store that could not be emptied is not lent again
            pass
        if clean:
            pool.give_back(store, uses)


_DATA_POOLS: dict[tuple[Path, ...], GraphPool] = {}


def _data_pool(paths: tuple[Path, ...]) -> GraphPool:
    """Graphs already holding the code maps and ontology (many thousand triples), parsed once per process.

    Copying them into each bundle's work graph cost about 0.4 s of every
    rdflib import; a borrowed graph holds them already
    (reasoner/_runtime/graph_pool.py).
    """
    with _pools_lock:
        if paths not in _DATA_POOLS:
            graph = Graph()
            for path in paths:
                graph.parse(path, format="turtle")
            _DATA_POOLS[paths] = GraphPool(graph)
        return _DATA_POOLS[paths]


def _run_rdflib(view_jsonld: bytes, mappings: MappingSet) -> bytes:
    import pyoxigraph as ox

    view = Graph()
    # the same JSON-LD reading for both engines: pyoxigraph parses, rdflib gets N-Triples
    nt = ox.serialize(ox.parse(view_jsonld, format=ox.RdfFormat.JSON_LD), format=ox.RdfFormat.N_TRIPLES) or b""
    view.parse(data=nt.decode("utf-8"), format="nt")
    pool = _data_pool(mappings.data_files)
    work = pool.borrow()
    added = pool.add(work, view)
    facts = Graph()
    try:
        for phase in PHASES:
            built = Graph()
            for query_phase, path, text in mappings.queries:
                if query_phase != phase:
                    continue
                try:
                    built += work.query(prepare_query(text)).graph  # parsed once per process (and kept on disk)
                except Exception as exc:  # noqa: BLE001 - any rule failure is a broken knowledge base
                    raise KnowledgeBaseError(f"mapping rule failed: {' '.join(str(exc).split())[:300]}", source=str(path)) from None
            facts += built
            added += pool.add(work, built)  # the next phase sees this one's facts, never the phase itself
    finally:
        pool.give_back(work, added)
    return facts.serialize(format="nt", encoding="utf-8")


def run_mapping(view_jsonld: bytes, mappings: MappingSet, *, engine: str = "oxigraph") -> Graph:
    """The case facts the rules build from the view, as an rdflib graph."""
    nt = _run_oxigraph(view_jsonld, mappings) if engine == "oxigraph" else _run_rdflib(view_jsonld, mappings)
    graph = Graph()
    graph.parse(data=nt.decode("utf-8"), format="nt")
    return graph
