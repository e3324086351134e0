"""Read a FHIR R4 JSON file safely and tell whether a JSON document is FHIR.

Why a module of its own: `glr recommend` and `glr import fhir` accept FHIR
JSON next to Turtle and JSON-LD, and must tell them apart by the
document's own `resourceType` — never by the file name — and read it under
the same size and nesting limits as every other case file.
"""

from __future__ import annotations

import json
from typing import Any

from .._runtime import safety
from ..errors import InputError

__all__ = ["looks_like_fhir", "parse_fhir_bytes", "as_bundle"]


def looks_like_fhir(data: bytes) -> bool:
    """True when the bytes are a JSON object with a top-level resourceType (cheap: no full parse on non-JSON)."""
    if not safety.strip_utf8_bom(data).lstrip().startswith(b"{"):
        return False
    try:
        doc = json.loads(safety.strip_utf8_bom(data).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return False
    return isinstance(doc, dict) and isinstance(doc.get("resourceType"), str) and "@context" not in doc


def parse_fhir_bytes(data: bytes, *, source: str) -> dict[str, Any]:
    """Parse FHIR JSON already read under the size cap."""
    data = safety.strip_utf8_bom(data)
    safety.check_nesting(data, source=source, is_json=True)
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not valid JSON: {getattr(exc, 'msg', exc)}.", source=source, line=getattr(exc, "lineno", None)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("resourceType"), str):
        raise InputError("not a FHIR resource: the JSON object has no \"resourceType\".", source=source)
    return doc


def as_bundle(doc: dict[str, Any]) -> dict[str, Any]:
    """A single resource is read as a collection Bundle holding it, so one code path serves both."""
    if doc.get("resourceType") == "Bundle":
        return doc
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": doc}]}
