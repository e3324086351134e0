"""Fetch missing prefetch items from the EHR's FHIR server — only one the operator allow-listed.

Why: CDS Hooks lets a service query ``fhirServer`` for what the client did
not prefetch, but a service must not call arbitrary servers a request
names. With ``glr hooks --fhir-server URL`` (repeatable) the service may
GET the prefetch queries from exactly those bases, with the request's
``fhirAuthorization`` bearer token; anything else stays missing (unknown).
A failed fetch is not an error: the item stays unknown and is listed.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import httpx

__all__ = ["fetch_missing", "normalise_base"]

_MAX_BYTES = 5_000_000
_TIMEOUT = 5.0


def normalise_base(url: str) -> str:
    return url.rstrip("/")


async def fetch_missing(
    body: dict[str, Any],
    templates: dict[str, str],
    missing: tuple[str, ...],
    *,
    allowed: frozenset[str],
    transport: httpx.AsyncBaseTransport | None = None,
) -> dict[str, Any]:
    """The prefetch items fetched for ``missing`` keys (empty unless fhirServer is allow-listed)."""
    server = body.get("fhirServer")
    if not missing or not isinstance(server, str) or normalise_base(server) not in allowed:
        return {}
    patient_id = quote(str(body.get("context", {}).get("patientId", "")), safe="")
    headers = {"Accept": "application/fhir+json"}
    auth = body.get("fhirAuthorization")
    if isinstance(auth, dict) and isinstance(auth.get("access_token"), str):
        headers["Authorization"] = f"Bearer {auth['access_token']}"
    fetched: dict[str, Any] = {}
    async with httpx.AsyncClient(transport=transport, timeout=_TIMEOUT, follow_redirects=False) as client:
        for key in missing:
            query = templates[key].replace("{{context.patientId}}", patient_id)
            try:
                response = await client.get(f"{normalise_base(server)}/{query}", headers=headers)
            except httpx.HTTPError:
                continue
            if response.status_code != 200 or len(response.content) > _MAX_BYTES:
                continue
            try:
                doc = json.loads(response.content)
            except (ValueError, UnicodeDecodeError):
                continue
            if isinstance(doc, dict) and isinstance(doc.get("resourceType"), str):
                fetched[key] = doc
    return fetched
