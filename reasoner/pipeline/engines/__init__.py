"""Rule engines behind one small interface.

Why: results must not depend on the engine. rdflib is the reference;
Oxigraph (pyoxigraph) is a faster embedded engine. Both receive the same
triples and the same SPARQL text and must return the same triples.
"""

from __future__ import annotations

from typing import Iterable, Protocol

from rdflib import Graph

from ...errors import UsageError
from ...kb.knowledge import Rule
from .base import Triple

__all__ = ["Triple", "EngineSession", "RuleEngine", "ENGINES", "get_engine"]


class EngineSession(Protocol):
    """One case's data loaded into an engine, queried rule after rule."""

    def construct(self, rule: Rule) -> list[Triple]:
        """Run one rule's CONSTRUCT over everything loaded so far."""

    def add(self, triples: Iterable[Triple]) -> None:
        """Make derived triples visible to later stages."""

    def close(self) -> None:
        """Release what the session holds; called once the case's rules are done (also on failure)."""


class RuleEngine(Protocol):
    name: str

    def open(self, data: Graph) -> EngineSession:
        """Load the union of ontology and normalised case into a fresh session."""


ENGINES = ("rdflib", "oxigraph")


def get_engine(name: str, *, ontology: Graph) -> RuleEngine:
    """Engines are created once per knowledge base so compiled queries are reused."""
    if name == "rdflib":
        from .rdflib_engine import RdflibEngine

        return RdflibEngine(ontology)
    if name == "oxigraph":
        from .oxigraph_engine import OxigraphEngine

        return OxigraphEngine(ontology)
    raise UsageError(f"unknown engine '{name}'; choose one of: {', '.join(ENGINES)}.")
