"""Validate a store's cases at once; each case gets the report the per-case validator gives it.

Why: per case, the pyrudof first pass (reasoner/batch/rudof.py) costs
about as much as all the rules over a store of 25 cases; one pyrudof call
over 25 cases costs a quarter of that per case, once the parts that are
not about one case are taken out (reasoner/batch/shapeparts.py).

How it stays exact: the batch only *clears* cases. A case is declared
conforming with no result only when nothing in the batch points at it —
no Core result on any of its nodes, no SPARQL-constraint row in its graph,
every whole-file count right. Everything else — a case with a result, a
result whose focus node belongs to no single case, a case sharing a node
with another case (then the union is not the sum of the cases), any
failure of the batch step — is validated on its own by the per-case
validator, which gives the reference (pySHACL) report.
tests/test_batch_validator.py compares whole batches' records with
pySHACL-only records; tests/test_batch_validate_many.py what is cleared.
"""

from __future__ import annotations

import logging
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal

from .._runtime.limits import query_time_limit, run_with_time_limit
from .ntrows import NTNames, case_triples, nt_bytes, nt_bytes_and_part
from .shapeparts import ShapeParts, readable_ontology, readable_predicates, split_shapes

__all__ = ["BatchValidator", "owners"]

_LOG = logging.getLogger(__name__)


class BatchValidator:
    """Clears many cases per pyrudof call and per SPARQL query; the per-case validator does the rest."""

    def __init__(self, kb: Any) -> None:
        import pyrudof

        parts = split_shapes(kb.shapes)
        self.reason: str | None = parts if isinstance(parts, str) else None
        if isinstance(parts, str):
            _LOG.warning("batch validation is case by case (slower, same records): %s", parts)
            return
        self._parts: ShapeParts = parts
        self._pyrudof = pyrudof
        self._rudof = pyrudof.Rudof(pyrudof.RudofConfig())
        self._rudof.read_shacl(parts.core.serialize(format="turtle"), format=pyrudof.ShaclFormat.Turtle)
        ontology_nt = kb.ontology.serialize(format="nt")
        # pyrudof gets only the ontology triples a Core shape can read (shapeparts.readable_ontology);
        # the SPARQL constraints below get all of it
        readable = readable_ontology(parts.core, kb.ontology)
        # ... and only the case triples it can read (the same condition): a third less to validate
        self._readable = readable_predicates(parts.core)
        self._rudof.read_data(readable.serialize(format="nt") if readable is not None else ontology_nt, format=pyrudof.RDFFormat.NTriples)
        self._ontology_quads = list(ox.parse(ontology_nt.encode(), format=ox.RdfFormat.N_TRIPLES))
        self._store = self._new_store()
        #: nodes the shapes or the ontology name: shared by every case, never a sign of overlap
        self._vocabulary = {n for g in (kb.shapes, kb.ontology) for n in g.all_nodes() if not isinstance(n, Literal)}
        self._ontology_counts = [self._values(c, ox.DefaultGraph()) for c in parts.counts]
        self.cleared = 0  # cases cleared by the batch step (the rest went to the per-case validator)

    def clear(self, graphs: list[Graph]) -> set[int]:
        """Indices of the (normalised) case graphs with no SHACL result of any severity; the
        others are for the per-case validator."""
        if self.reason is not None or len(graphs) < 2:
            return set()
        try:
            cleared = self._clear(graphs)
        except Exception:  # noqa: BLE001 - the batch step only ever saves time: validate one by one
            _LOG.warning("batch validation failed; validating its %d cases one by one", len(graphs), exc_info=True)
            return set()
        self.cleared += len(cleared)
        return cleared

    def _clear(self, graphs: list[Graph]) -> set[int]:
        names = NTNames()
        cases = [case_triples(graph) for graph in graphs]
        owner, alone = owners(cases, self._vocabulary, names)
        batch = [i for i in range(len(graphs)) if i not in alone]
        if len(batch) < 2:
            return set()
        if self._readable is None:
            nts = {i: nt_bytes(cases[i], names) for i in batch}
            flagged = self._flag(nts, nts, owner)
        else:
            both = {i: nt_bytes_and_part(cases[i], names, self._readable) for i in batch}
            flagged = self._flag({i: nt for i, (nt, _) in both.items()}, {i: part for i, (_, part) in both.items()}, owner)
        return set(batch) - flagged

    def _flag(self, nts: dict[int, bytes], readable: dict[int, bytes], owner: dict[str, int]) -> set[int]:
        """The cases of ``nts`` (their N-Triples by index) that some check points at (all of them
        if a result is not one case's); ``readable``: the part of each a Core shape can read,
        which is all pyrudof is given."""
        batch = list(nts)
        everyone = set(batch)
        self._rudof.begin_staging()
        try:
            self._rudof.read_data(b"".join(readable.values()).decode(), format=self._pyrudof.RDFFormat.NTriples, merge=True)
            report = self._rudof.validate_shacl()
        finally:
            self._rudof.rollback_staging()
        flagged: set[int] = set()
        results = report.violations
        if len(results) != len(report):
            return everyone
        for result in results:
            index = owner.get(f"<{result.focus_node}>")
            if index is None or index not in everyone:
                return everyone  # a blank node, or a node of no single case
            flagged.add(index)
        names = {i: ox.NamedNode(f"urn:x-glr:batch:validation-graph:{i}") for i in batch}
        self._store = self._new_store()
        for i in batch:
            self._store.load(nts[i], format=ox.RdfFormat.N_TRIPLES, to_graph=names[i])
        by_name = {name.value: i for i, name in names.items()}
        for query in self._parts.constraint_queries:
            for row in self._query(query):
                if row[0] is None:
                    return everyone  # a result on an ontology node: every case alone would have it
                flagged.add(by_name[row[0].value])
        for count, in_ontology in zip(self._parts.counts, self._ontology_counts):
            for i, name in names.items():
                if count.broken(len(in_ontology | self._values(count, name))):
                    flagged.add(i)
        return flagged

    def _new_store(self) -> ox.Store:
        """A store holding the ontology, for one batch.

        Why not one for many batches: an Oxigraph store keeps every string it was ever given
        (removing a graph frees its quads, not its dictionary: a store that saw every case of a
        long batch grew by ~35 MB per 1,000 cases, benchmarks/memory.py), and one that had held
        20 batches answered the constraint queries a third slower than a fresh one (issue 17,
        tenth pass); a fresh store with the ontology costs less than removing the cases' graphs."""
        store = ox.Store()
        store.extend(self._ontology_quads)
        return store

    def _query(self, query: str) -> list[Any]:
        return run_with_time_limit(
            lambda: list(self._store.query(query, use_default_graph_as_union=True)),
            query_time_limit(),
            what="a batch validation query",
            native=True,
        )

    def _values(self, count: Any, graph: ox.NamedNode | ox.DefaultGraph) -> set[Any]:
        focus, predicate = ox.NamedNode(str(count.focus)), ox.NamedNode(str(count.predicate))
        if count.inverse:
            return {q.subject for q in self._store.quads_for_pattern(None, predicate, focus, graph)}
        return {q.object for q in self._store.quads_for_pattern(focus, predicate, None, graph)}


def owners(cases: list[list[Any]], vocabulary: set[Any], names: NTNames) -> tuple[dict[str, int], set[int]]:
    """Each node's first case (by ``n3()``), and the cases that must be validated alone: those
    sharing a node with another case, and those saying something about the shared vocabulary.

    A node is a subject or an object that is not a literal (``Graph.all_nodes()``), unless the
    shapes or the ontology name it."""
    owner: dict[str, int] = {}
    alone: set[int] = set()
    for index, triples in enumerate(cases):
        subjects = {s for s, _, _ in triples}
        nodes = subjects | {o for _, _, o in triples if not isinstance(o, Literal)}
        for node in nodes:
            if isinstance(node, Literal) or node in vocabulary:
                continue
            key = names(node)
            if owner.setdefault(key, index) != index:
                alone.update((index, owner[key]))
        if not vocabulary.isdisjoint(subjects):
            alone.add(index)  # it says something about the shared vocabulary: other cases would see it
    return owner, alone
