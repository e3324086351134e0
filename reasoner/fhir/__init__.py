"""FHIR R4 in and out: read a Bundle into a case graph, write a plan as a RequestGroup.

Layers, each depending only on those above it::

    reading   FHIR JSON bytes → dict (size/nesting limits, resourceType detection)
    checking  structural check with fhir.resources' R4B models (entry + element path on failure)
    view      the generic JSON-to-RDF step (JSON-LD with a bundled context, fhir:link)
    leniency  CDS Hooks prefetch only: set aside (and name) defects in elements no mapping rule reads
    mapping   runs the mapping rules and code maps (data, in each module's fhir/)
    importer  the whole import, with the report of what was not mapped
"""

from __future__ import annotations

from .checking import FhirStructureError
from .importer import FhirImport, UnmappedResource, default_mapping_set, import_fhir_bytes, import_fhir_file
from .reading import looks_like_fhir

__all__ = [
    "FhirImport",
    "FhirStructureError",
    "UnmappedResource",
    "default_mapping_set",
    "import_fhir_bytes",
    "import_fhir_file",
    "looks_like_fhir",
]
