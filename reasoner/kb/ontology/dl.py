"""DL reasoning: classify a graph with HermiT (or Pellet) through owlready2 and report what it found.

Why: ontology engineers run HermiT in Protégé; the same verdict in Python
lets the test suite and ``glr check`` guard consistency and satisfiability.
owlready2 and the JVM are imported / started only inside the function.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from rdflib import Graph

from ..._runtime.java_runtime import JavaNotFound, find_java
from ..problems import Problem
from .files import without_imports

__all__ = ['ReasonerReport', 'run_reasoner']


@dataclass
class ReasonerReport:
    """What a DL reasoner said about a graph."""

    reasoner: str
    consistent: bool | None
    unsatisfiable: tuple[str, ...] = ()
    seconds: float = 0.0
    error: str | None = None
    inferred_types: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.consistent) and not self.unsatisfiable

    def problems(self) -> list[Problem]:
        if self.error is not None:
            return [Problem("reasoner", f"{self.reasoner} could not run: {self.error}")]
        if not self.consistent:
            return [Problem("reasoner", f"{self.reasoner}: the ontology is inconsistent (no model exists).")]
        return [
            Problem("reasoner", f"{self.reasoner}: class {iri} is unsatisfiable (equivalent to owl:Nothing).", subject=iri)
            for iri in self.unsatisfiable
        ]


def run_reasoner(
    graph: Graph,
    *,
    reasoner: str = "hermit",
    individuals: Iterable[str] = (),
) -> ReasonerReport:
    """Classify ``graph`` with HermiT (default) or Pellet through owlready2.

    Returns consistency, the named classes equivalent to owl:Nothing and,
    for each IRI in ``individuals``, every type (asserted or inferred,
    including superclasses) the reasoner gives it.
    """
    import owlready2  # heavy; only when reasoning

    wanted = list(individuals)
    try:
        owlready2.JAVA_EXE = str(find_java().java)
    except JavaNotFound as exc:
        return ReasonerReport(reasoner, None, error=str(exc))
    world = owlready2.World()
    try:
        return _reason_in(world, graph, reasoner, wanted)
    finally:
        world.close()


def _reason_in(world, graph: Graph, reasoner: str, wanted: list[str]) -> ReasonerReport:  # type: ignore[no-untyped-def]
    import owlready2

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="glr-owl-") as tmp:
        path = Path(tmp) / "input.nt"
        without_imports(graph).serialize(path, format="nt", encoding="utf-8")
        onto = world.get_ontology("https://w3id.org/glr/reasoning-input")
        with path.open("rb") as handle:
            onto.load(fileobj=handle, format="ntriples")
        try:
            if reasoner == "hermit":
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
            elif reasoner == "pellet":
                owlready2.sync_reasoner_pellet(
                    world, infer_property_values=False, infer_data_property_values=False, debug=0
                )
            else:
                raise ValueError(f"unknown reasoner '{reasoner}' (hermit or pellet)")
        except owlready2.OwlReadyInconsistentOntologyError:
            return ReasonerReport(reasoner, False, seconds=time.perf_counter() - started)
        except owlready2.OwlReadyJavaError as exc:
            lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
            message = next((line for line in lines if "Exception" in line or "Error" in line), lines[-1] if lines else "")
            return ReasonerReport(reasoner, None, seconds=time.perf_counter() - started, error=message[:400])
    seconds = time.perf_counter() - started
    unsat = sorted(
        c.iri for c in world.inconsistent_classes() if getattr(c, "iri", None) and c is not owlready2.Nothing
    )
    types: dict[str, frozenset[str]] = {}
    for iri in wanted:
        entity = world[iri]
        types[iri] = frozenset() if entity is None else frozenset(c.iri for c in entity.INDIRECT_is_a if hasattr(c, "iri"))
    return ReasonerReport(reasoner, True, tuple(unsat), seconds, None, types)
