"""The priority scale, read from the ontology: JSON names, ranks and what each priority defers.

Why: the scale (routine < high < urgent < emergent) and which priorities
wait behind which are clinical knowledge, so they live in the ontology
(glr:rank, skos:notation, glr:defersPriority), as is how each level shows
in the output standards (glr:cdsHooksIndicator, glr:fhirRequestPriority);
the explainer and the renderers only read them.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef

from ..vocab import GLR, RDF, RDFS, SKOS

__all__ = ["Priority", "PriorityScale", "priority_scale"]


@dataclass(frozen=True)
class Priority:
    """One level of the scale: its IRI, JSON name, rank (larger is more pressing), the IRIs it defers,
    and its CDS Hooks card indicator and FHIR request priority (the least of each when the ontology
    states none)."""

    iri: URIRef
    name: str
    rank: int
    defers: frozenset[URIRef]
    cds_hooks_indicator: str = "info"
    fhir_request_priority: str = "routine"


@dataclass(frozen=True)
class PriorityScale:
    """Every glr:Priority of the ontology, by IRI."""

    levels: dict[URIRef, Priority]

    def get(self, iri: URIRef | None) -> Priority | None:
        return self.levels.get(iri) if iri is not None else None

    def lowest(self) -> Priority:
        """The least pressing level: what a recommendation without any stated priority gets."""
        return min(self.levels.values(), key=lambda p: p.rank)

    def defers(self, first: Priority, second: Priority) -> bool:
        """True when a result of priority ``first`` makes results of ``second`` wait behind it."""
        return second.iri in first.defers


def priority_scale(ontology: Graph) -> PriorityScale:
    """Read the scale: a level's name is its skos:notation (else its label), its rank glr:rank (else 0)."""
    levels: dict[URIRef, Priority] = {}
    for iri in ontology.subjects(RDF.type, GLR.Priority):
        if not isinstance(iri, URIRef):
            continue
        name = ontology.value(iri, SKOS.notation) or ontology.value(iri, RDFS.label) or Literal(str(iri).rsplit("#", 1)[-1])
        rank = ontology.value(iri, GLR.rank)
        levels[iri] = Priority(
            iri=iri,
            name=str(name),
            rank=int(rank.toPython()) if isinstance(rank, Literal) else 0,
            defers=frozenset(o for o in ontology.objects(iri, GLR.defersPriority) if isinstance(o, URIRef)),
            **{
                field: str(value)
                for field, prop in (("cds_hooks_indicator", GLR.cdsHooksIndicator), ("fhir_request_priority", GLR.fhirRequestPriority))
                if (value := ontology.value(iri, prop)) is not None
            },
        )
    return PriorityScale(levels)
