"""Set aside structural defects in FHIR elements that no mapping rule reads (CDS Hooks prefetch only).

Why: an EHR's prefetch may break R4 in an element the modules never read —
an Encounter without its required ``class``, a ``meta.lastUpdated`` that is
a date where R4 wants an instant. Such a defect cannot change the case the
mapping rules build, so refusing the whole request (400) would withhold
advice for no reason. This step accepts it, removes an invalid value (a
missing one stays missing: nothing is ever filled in), and names every
defect so the response can say what was set aside. A defect in an element
some mapping rule reads is never set aside: the strict check refuses it,
because reading it would mean guessing (e.g. a dateTime with a time but no
zone leaves even its day uncertain).

Which elements are read is data: the FHIR property IRIs appearing in the
mapping rules (``fhir:<name>``), found in each rule's SPARQL algebra.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .checking import check_bundle
from .view import FHIR

__all__ = ["SetAside", "Lenient", "read_elements", "set_aside_unread_defects"]


@dataclass(frozen=True)
class SetAside:
    """One defect set aside: which resource, which element path, what was wrong."""

    resource: str
    element: str
    problem: str

    def text(self) -> str:
        return f"{self.resource}: {self.element}: {self.problem}"


@dataclass(frozen=True)
class Lenient:
    """The bundle to import (invalid unread values removed) and the defects set aside."""

    bundle: dict[str, Any]
    set_aside: tuple[SetAside, ...]


def _names_in(node: Any, out: set[str]) -> None:
    from rdflib import URIRef
    from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, SequencePath
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, URIRef):
        if str(node).startswith(FHIR):
            out.add(str(node)[len(FHIR):])
    elif isinstance(node, (SequencePath, AlternativePath, NegatedPath)):
        for arg in node.args:
            _names_in(arg, out)
    elif isinstance(node, InvPath):
        _names_in(node.arg, out)
    elif isinstance(node, MulPath):
        _names_in(node.path, out)
    elif isinstance(node, CompValue):
        for value in node.values():
            _names_in(value, out)
    elif isinstance(node, dict):
        for key, value in node.items():
            _names_in(key, out)
            _names_in(value, out)
    elif isinstance(node, (list, tuple, set, frozenset)):
        for value in node:
            _names_in(value, out)


def read_elements(query_texts: Iterable[str]) -> frozenset[str]:
    """The FHIR element names (local names of ``http://hl7.org/fhir/`` IRIs) the given SPARQL queries mention."""
    return frozenset().union(*(_elements_of(text) for text in query_texts))


@functools.lru_cache(maxsize=256)
def _elements_of(query_text: str) -> frozenset[str]:
    """One query's element names; its parse comes from the knowledge-base cache (reasoner/kb/cache.py):
    parsing the mapping rules with rdflib took ~5 s of CPU on a process's first CDS Hooks request."""
    from ..kb.cache import prepare_query

    out: set[str] = set()
    _names_in(prepare_query(query_text).algebra, out)
    return frozenset(out)


def _resource_name(entry: Any, index: int) -> str:
    resource = entry.get("resource") if isinstance(entry, dict) and isinstance(entry.get("resource"), dict) else {}
    rtype = str(resource.get("resourceType", "Resource"))
    if isinstance(resource.get("id"), str):
        return f"{rtype}/{resource['id']}"
    return (entry.get("fullUrl") if isinstance(entry, dict) else None) or f"entry {index}"


def _errors(bundle: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The R4 models' errors ([] when valid), or None when the models fail in another way."""
    import pydantic
    from fhir.resources.R4B.bundle import Bundle

    try:
        Bundle.model_validate(bundle)
    except pydantic.ValidationError as exc:
        return [dict(e) for e in exc.errors()]
    except (ValueError, TypeError, KeyError):
        return None
    return []


def _unread(err: dict[str, Any], entries: list[Any], read: frozenset[str]) -> bool:
    loc = tuple(err.get("loc", ()))
    steps = [p for p in loc[3:] if isinstance(p, str)]
    inside = len(loc) >= 4 and loc[0] == "entry" and isinstance(loc[1], int) and loc[1] < len(entries) and loc[2] == "resource"
    return inside and bool(steps) and not any(s in read for s in steps) and err.get("type") in ("missing", "value_error")


def set_aside_unread_defects(bundle: dict[str, Any], *, read: frozenset[str], source: str) -> Lenient:
    """Accept a Bundle whose only R4 defects lie in elements no mapping rule reads; else refuse as `check_bundle` does.

    A defect is set aside only if it lies inside an entry's resource, is a
    required element that is absent or a value that is invalid, and no step
    of its element path (``meta`` and ``lastUpdated``; ``class``) is read.
    """
    errors = _errors(bundle)
    entries = bundle.get("entry") if isinstance(bundle.get("entry"), list) else []
    if errors == []:
        return Lenient(bundle=bundle, set_aside=())
    if errors is None or not all(_unread(e, entries, read) for e in errors):
        check_bundle(bundle, source=source)  # raises: a defect the case could depend on
    fixed = copy.deepcopy(bundle)
    found: list[SetAside] = []
    for err in errors or []:
        loc = tuple(err["loc"])
        resource = entries[loc[1]]["resource"]
        element = str(resource.get("resourceType", "Resource")) + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[3:])
        if err["type"] == "missing":
            problem = "required by FHIR R4 but absent"
        else:
            problem = f"{str(err.get('msg', 'invalid')).removeprefix('Value error, ').rstrip('.')} ({err.get('input')!r}); the value is not read"
            parent: Any = fixed["entry"][loc[1]]["resource"]
            for p in loc[3:-1]:
                parent = parent[p]
            parent.pop(loc[-1], None)
        found.append(SetAside(resource=_resource_name(entries[loc[1]], loc[1]), element=element, problem=problem))
    left = _errors(fixed)
    if left is None or any(e.get("type") != "missing" or not _unread(e, entries, read) for e in left):
        check_bundle(bundle, source=source)  # pragma: no cover - removing an unread value cannot add a defect
    return Lenient(bundle=fixed, set_aside=tuple(found))
