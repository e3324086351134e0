"""Read from the ontology which date properties get elapsed-time companions (glr:elapsedMonthsProperty)."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, URIRef

from ..vocab import GLR

__all__ = ["ElapsedProperties", "elapsed_properties"]


@dataclass(frozen=True)
class ElapsedProperties:
    date_property: URIRef
    months_property: URIRef
    days_property: URIRef


def elapsed_properties(ontology: Graph) -> tuple[ElapsedProperties, ...]:
    """Read from the ontology which date properties get elapsed-time companions."""
    found = []
    for prop, months in ontology.subject_objects(GLR.elapsedMonthsProperty):
        days = ontology.value(prop, GLR.elapsedDaysProperty)
        if isinstance(prop, URIRef) and isinstance(months, URIRef) and isinstance(days, URIRef):
            found.append(ElapsedProperties(prop, months, days))
    return tuple(sorted(found, key=lambda e: str(e.date_property)))
