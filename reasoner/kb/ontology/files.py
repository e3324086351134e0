"""Where the ontology's files are and how a reasoner reads them: the core Turtle, its RDF/XML, no owl:imports.

Why: every ontology tool (export, HermiT, the profile check, the lints)
starts from the same graph.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from ...paths import ONTOLOGY_DIR
from ...vocab import OWL

__all__ = ['ONTOLOGY_TTL', 'ONTOLOGY_OWL', 'DEFINED_CLASSES_TTL', 'load_ontology', 'without_imports']


ONTOLOGY_TTL = "glr.ttl"
ONTOLOGY_OWL = "glr.owl"
DEFINED_CLASSES_TTL = "defined-classes.ttl"


def load_ontology(ontology_dir: Path = ONTOLOGY_DIR, *, defined_classes: bool = False) -> Graph:
    """The ontology graph from ``glr.ttl`` (plus ``defined-classes.ttl`` when asked)."""
    graph = Graph()
    graph.parse(ontology_dir / ONTOLOGY_TTL, format="turtle")
    if defined_classes:
        graph.parse(ontology_dir / DEFINED_CLASSES_TTL, format="turtle")
    return graph


def without_imports(graph: Graph) -> Graph:
    """Drop owl:imports (the caller merged what is needed; nothing is fetched)."""
    out = Graph()
    for s, p, o in graph:
        if p != OWL.imports:
            out.add((s, p, o))
    return out
