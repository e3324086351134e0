"""Where the ontology of a set of packs is and how a reasoner reads it: core + pack extensions, no owl:imports.

Why: every ontology tool (export, HermiT, the profile check, the lints)
starts from the same graph.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from rdflib import Graph

from ...paths import ONTOLOGY_DIR, QUERIES_DIR
from ...vocab import OWL
from ..packs import discover_packs, pack_files

__all__ = ['ONTOLOGY_TTL', 'ONTOLOGY_OWL', 'ontology_files', 'load_ontology', 'without_imports']


ONTOLOGY_TTL = "glr.ttl"
ONTOLOGY_OWL = "glr.owl"


def ontology_files(packs: Iterable[Path] | None = None, *, ontology_dir: Path = ONTOLOGY_DIR) -> list[Path]:
    """The Turtle files of the ontology of these packs: the core's glr.ttl, then each pack's ontology/*.ttl.

    ``packs`` None means the bundled packs (every pack under queries/), as the knowledge base loads them.
    """
    directories = discover_packs(QUERIES_DIR) if packs is None else [Path(p) for p in packs]
    return [ontology_dir / ONTOLOGY_TTL, *(ttl for d in directories for ttl in pack_files(d).ontology)]


def load_ontology(ontology_dir: Path = ONTOLOGY_DIR, *, packs: Iterable[Path] | None = None) -> Graph:
    """The ontology of these packs: core plus pack extensions (the bundled packs when ``packs`` is None)."""
    graph = Graph()
    for ttl in ontology_files(packs, ontology_dir=ontology_dir):
        graph.parse(ttl, format="turtle")
    return graph


def without_imports(graph: Graph) -> Graph:
    """Drop owl:imports (the caller merged what is needed; nothing is fetched)."""
    out = Graph()
    for s, p, o in graph:
        if p != OWL.imports:
            out.add((s, p, o))
    return out
