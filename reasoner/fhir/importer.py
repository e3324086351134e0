"""FHIR R4 in: check a Bundle, view it as RDF, map it to a case graph, report what was left out.

Why one place: `glr import fhir`, `glr recommend bundle.json`, the Python
API and the CDS Hooks service must build the same case from the same
data, and must all say which resources were not used — never drop them
silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef

from ..errors import InputError
from ..vocab import GLR, PROV, RDF
from .checking import check_bundle
from .leniency import SetAside, read_elements, set_aside_unread_defects
from .mapping import MappingSet, mapping_set, run_mapping
from .reading import as_bundle, parse_fhir_bytes
from .view import build_view, view_bytes

__all__ = ["FhirImport", "UnmappedResource", "import_fhir_bytes", "import_fhir_file", "default_mapping_set"]


@dataclass(frozen=True)
class UnmappedResource:
    """A bundle entry no mapping rule used."""

    name: str
    resource_type: str
    full_url: str | None

    def to_json(self) -> dict[str, Any]:
        return {"resource": self.name, "resourceType": self.resource_type, "fullUrl": self.full_url}


@dataclass
class FhirImport:
    """The case graph built from a bundle, and what the import has to say about it."""

    graph: Graph
    source: str
    case_iri: URIRef | None
    mapped: tuple[str, ...] = ()
    unmapped: tuple[UnmappedResource, ...] = ()
    partial_dates: tuple[tuple[str, str, str], ...] = ()
    set_aside: tuple[SetAside, ...] = ()
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The ``fhir_import`` key of the JSON output (a public contract)."""
        return {
            "source": self.source,
            "case": str(self.case_iri) if self.case_iri else None,
            "facts": len(set(self.graph.subjects(PROV.wasDerivedFrom, None))),
            "mapped_resources": list(self.mapped),
            "unmapped_resources": [u.to_json() for u in self.unmapped],
            "partial_dates": [{"resource": r, "element": e, "value": v} for r, e, v in self.partial_dates],
        }

    def summary(self) -> str:
        """A few lines for people: what was mapped, what was not, and why it matters."""
        lines = [
            f"Imported {self.source}: {len(self.mapped)} resource(s) mapped into "
            f"{len(set(self.graph.subjects(PROV.wasDerivedFrom, None)))} case fact(s)."
        ]
        if self.unmapped:
            names = ", ".join(u.name for u in self.unmapped[:20]) + (" …" if len(self.unmapped) > 20 else "")
            lines.append(
                f"Not mapped ({len(self.unmapped)}): {names} — no mapping rule applies (resource type not used, "
                "code not in the code maps, or a status that settles nothing); whatever they say stays unknown to the reasoner."
            )
        for name, element, value in self.partial_dates:
            lines.append(f"Partial date {value} in {name} ({element}): not turned into a day; that date stays unknown.")
        return "\n".join(lines) + "\n"


_DEFAULT: MappingSet | None = None


def default_mapping_set() -> MappingSet:
    """The mapping rules of the bundled modules."""
    global _DEFAULT
    if _DEFAULT is None:
        from ..kb.knowledge import discover_modules
        from ..kb.ontology.files import ontology_files

        modules = discover_modules()
        _DEFAULT = mapping_set(modules, ontology_files(modules))
    return _DEFAULT


def import_fhir_bytes(
    data: bytes,
    *,
    source: str,
    mappings: MappingSet | None = None,
    engine: str = "oxigraph",
    require_case: bool = True,
    set_aside_unread: bool = False,
) -> FhirImport:
    """Check, view and map FHIR JSON bytes (a Bundle or one resource) into a case graph.

    ``set_aside_unread`` (CDS Hooks prefetch only): accept R4 defects in
    elements no mapping rule reads, named in ``set_aside`` (reasoner/fhir/leniency.py).
    """
    doc = parse_fhir_bytes(data, source=source)
    bundle = as_bundle(doc)
    mappings = mappings or default_mapping_set()
    set_aside: tuple[SetAside, ...] = ()
    if set_aside_unread:
        lenient = set_aside_unread_defects(bundle, read=read_elements(text for _, _, text in mappings.queries), source=source)
        bundle, set_aside = lenient.bundle, lenient.set_aside
    else:
        check_bundle(bundle, source=source)
    view = build_view(bundle, raw=data)
    graph = run_mapping(view_bytes(view), mappings, engine=engine)
    used = {str(o) for o in graph.objects(None, PROV.wasDerivedFrom)}
    mapped = tuple(r.name for r in view.resources if r.iri in used)
    unmapped = tuple(
        UnmappedResource(name=r.name, resource_type=r.resource_type, full_url=r.full_url)
        for r in view.resources
        if r.iri not in used
    )
    cases = sorted(s for s in graph.subjects(RDF.type, GLR.Case) if isinstance(s, URIRef))
    if require_case and len(cases) != 1:
        patients = sum(1 for r in view.resources if r.resource_type == "Patient")
        what = "holds no Patient resource" if patients == 0 else f"holds {patients} Patient resources"
        raise InputError(
            f"the FHIR {doc['resourceType']} {what}; a case is about exactly one patient, so there is nothing "
            "to reason about. Give a Bundle with the patient's Patient resource and their clinical resources.",
            source=source,
        )
    return FhirImport(
        graph=graph,
        source=source,
        case_iri=cases[0] if len(cases) == 1 else None,
        mapped=mapped,
        unmapped=unmapped,
        partial_dates=view.partial_dates,
        set_aside=set_aside,
    )


def import_fhir_file(path: str | Path, *, max_bytes: int | None = None, engine: str = "oxigraph", mappings: MappingSet | None = None) -> FhirImport:
    """Read and import one FHIR JSON file."""
    from .._runtime import safety

    p = Path(path)
    if not p.is_file():
        raise InputError("no such file." if not p.exists() else "is not a file; give one FHIR JSON file.", source=str(p))
    try:
        data = safety.read_bounded(p, max_bytes=max_bytes or safety.DEFAULT_MAX_BYTES)
    except OSError as exc:
        raise InputError(f"cannot be read: {exc.strerror}.", source=str(p)) from None
    return import_fhir_bytes(data, source=str(p), engine=engine, mappings=mappings)
