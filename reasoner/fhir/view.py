"""The generic FHIR-JSON-to-RDF step: an RDF view of a Bundle for the mapping rules.

Why: mapping rules are SPARQL CONSTRUCT queries (data, one per concept in
each module's ``fhir/`` directory), so the FHIR JSON must first become RDF.
This is the only FHIR-specific Python besides running those queries, and
it knows nothing clinical:

* every entry's resource becomes a node named by its ``fullUrl`` (or, with
  no usable fullUrl, ``https://w3id.org/glr/fhir/local/<type>/<id>``), so
  the same bundle always gives the same IRIs;
* the JSON is read as JSON-LD with a bundled context (``@vocab`` =
  ``http://hl7.org/fhir/``, ``resourceType`` = ``@type``): element names
  become ``fhir:`` properties, nested elements blank nodes; parsed by
  pyoxigraph, never touching the network;
* each Reference that resolves within the bundle (by fullUrl, by
  ``Type/id``, or by a RESTful base + ``Type/id``) gets ``fhir:link`` to
  the target node, as FHIR's own RDF format does.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

__all__ = ["FHIR", "LOCAL_BASE", "CONTEXT", "BundleView", "ViewedResource", "build_view", "view_bytes"]

FHIR = "http://hl7.org/fhir/"
LOCAL_BASE = "https://w3id.org/glr/fhir/local/"
CONTEXT = {"@vocab": FHIR, "resourceType": "@type"}

_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`#]+$")
_RESTFUL = re.compile(r"^(?P<base>.*/)?(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})(/_history/[A-Za-z0-9\-.]+)?$")
_PARTIAL_DATE = re.compile(r"^[0-9]{4}(-[0-9]{2})?$")


@dataclass(frozen=True)
class ViewedResource:
    """One bundle entry as the view names it."""

    iri: str
    resource_type: str
    resource_id: str | None
    full_url: str | None

    @property
    def name(self) -> str:
        """How reports name it: Type/id, else its fullUrl, else its IRI."""
        if self.resource_id:
            return f"{self.resource_type}/{self.resource_id}"
        return self.full_url or self.iri


@dataclass(frozen=True)
class BundleView:
    """The JSON-LD document of the view, the bundle node and the resources it names."""

    document: dict[str, Any]
    bundle_iri: str
    resources: tuple[ViewedResource, ...]
    partial_dates: tuple[tuple[str, str, str], ...]  # (resource name, element, value)


def _bundle_iri(bundle: dict[str, Any], raw: bytes) -> str:
    if isinstance(bundle.get("id"), str) and bundle["id"]:
        return f"{LOCAL_BASE}Bundle/{bundle['id']}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'sha256:' + hashlib.sha256(raw).hexdigest())}"


def _resource_iri(entry: dict[str, Any], resource: dict[str, Any], index: int, taken: set[str]) -> str:
    full_url = entry.get("fullUrl")
    rtype = str(resource.get("resourceType", "Resource"))
    rid = resource.get("id")
    if isinstance(full_url, str) and _ABSOLUTE.match(full_url):
        iri = full_url
    elif isinstance(rid, str) and re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", rid):
        iri = f"{LOCAL_BASE}{rtype}/{rid}"
    else:
        iri = f"{LOCAL_BASE}entry-{index}"
    if iri in taken:  # the same fullUrl twice (e.g. a history bundle): keep both, apart
        iri = f"{iri}/entry-{index}"
    taken.add(iri)
    return iri


def _resolver(entries: list[tuple[dict[str, Any], dict[str, Any], str]]):
    by_url: dict[str, str] = {}
    by_type_id: dict[tuple[str, str], str] = {}
    for entry, resource, iri in entries:
        if isinstance(entry.get("fullUrl"), str):
            by_url.setdefault(entry["fullUrl"], iri)
        if isinstance(resource.get("id"), str):
            by_type_id.setdefault((str(resource.get("resourceType")), resource["id"]), iri)

    def resolve(reference: str, holder_full_url: str | None) -> str | None:
        if reference in by_url:
            return by_url[reference]
        match = _RESTFUL.match(reference)
        if not match:
            return None
        if match.group("base") is None and holder_full_url:
            holder = _RESTFUL.match(holder_full_url)
            if holder and holder.group("base"):
                absolute = f"{holder.group('base')}{match.group('type')}/{match.group('id')}"
                if absolute in by_url:
                    return by_url[absolute]
        return by_type_id.get((match.group("type"), match.group("id")))

    return resolve


def _link_references(node: Any, resolve, holder_full_url: str | None) -> None:
    if isinstance(node, dict):
        ref = node.get("reference")
        if isinstance(ref, str):
            target = resolve(ref, holder_full_url)
            if target is not None:
                node["link"] = {"@id": target}
        for key, value in node.items():
            if key != "link":
                _link_references(value, resolve, holder_full_url)
    elif isinstance(node, list):
        for item in node:
            _link_references(item, resolve, holder_full_url)


def _partial_dates(node: Any, name: str, path: str, out: list[tuple[str, str, str]]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("text", "contained"):
                continue
            if isinstance(value, str) and _PARTIAL_DATE.match(value) and key != "id":
                out.append((name, f"{path}.{key}", value))
            else:
                _partial_dates(value, name, f"{path}.{key}", out)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            _partial_dates(item, name, f"{path}[{i}]", out)


def build_view(bundle: dict[str, Any], *, raw: bytes) -> BundleView:
    """The JSON-LD document for a (checked) Bundle. ``raw`` names a Bundle that has no id."""
    taken: set[str] = set()
    entries: list[tuple[dict[str, Any], dict[str, Any], str]] = []
    for index, entry in enumerate(bundle.get("entry") or []):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict):
            entries.append((entry, resource, _resource_iri(entry, resource, index, taken)))
    resolve = _resolver(entries)
    graph: list[dict[str, Any]] = []
    viewed: list[ViewedResource] = []
    partial: list[tuple[str, str, str]] = []
    for entry, resource, iri in entries:
        node = copy.deepcopy(resource)
        node.pop("text", None)  # narrative XHTML: for people, not for rules
        full_url = entry.get("fullUrl") if isinstance(entry.get("fullUrl"), str) else None
        _link_references(node, resolve, full_url)
        node["@id"] = iri
        graph.append(node)
        item = ViewedResource(iri=iri, resource_type=str(resource.get("resourceType")), resource_id=resource.get("id") if isinstance(resource.get("id"), str) else None, full_url=full_url)
        viewed.append(item)
        _partial_dates(resource, item.name, str(resource.get("resourceType")), partial)
    bundle_iri = _bundle_iri(bundle, raw)
    header = {k: v for k, v in bundle.items() if k not in ("entry", "text")}
    header["@id"] = bundle_iri
    graph.append(header)
    return BundleView(
        document={"@context": CONTEXT, "@graph": graph},
        bundle_iri=bundle_iri,
        resources=tuple(viewed),
        partial_dates=tuple(partial),
    )


def view_bytes(view: BundleView) -> bytes:
    """The view as JSON-LD bytes (what the RDF parser reads)."""
    return json.dumps(view.document).encode("utf-8")
