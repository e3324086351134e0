"""CDS Hooks prefetch → one FHIR Bundle the importer can read.

Why: the reasoner reads a case from a Bundle; a CDS Hooks request carries
the patient's data as prefetch items (single resources or searchset
Bundles). Whatever the EHR did not send is *unknown*: it is listed so the
cards can say what was not available, never read as absent.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..fhir.leniency import SetAside

__all__ = ["PREFETCH", "AssembledBundle", "assemble_bundle", "draft_orders"]

#: prefetch templates every patient-data service asks for (CDS Hooks 2.0 §Prefetch Template)
PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
    "observations": "Observation?patient={{context.patientId}}",
    "procedures": "Procedure?patient={{context.patientId}}",
    "imaging": "ImagingStudy?patient={{context.patientId}}",
    "orders": "ServiceRequest?patient={{context.patientId}}",
    "medications": "MedicationStatement?patient={{context.patientId}}",
}


@dataclass(frozen=True)
class AssembledBundle:
    bundle: dict[str, Any]
    missing: tuple[str, ...]
    attributed: tuple[SetAside, ...] = ()  # subjects that resolved to no one, read as the context patient


def _resources(key: str, item: Any) -> list[dict[str, Any]]:
    if isinstance(item, dict) and "resourceType" not in item and isinstance(item.get("resource"), dict):
        item = item["resource"]  # a Bundle.entry (resource + response), as a FHIR batch returns it
    if not isinstance(item, dict) or not isinstance(item.get("resourceType"), str):
        raise InputError(f"prefetch item '{key}' is not a FHIR resource (no resourceType).", source="CDS Hooks request")
    if item["resourceType"] == "Bundle":
        entries = item.get("entry") or []
        if not isinstance(entries, list):
            raise InputError(f"prefetch item '{key}': Bundle.entry is not a list.", source="CDS Hooks request")
        return [e["resource"] for e in entries if isinstance(e, dict) and isinstance(e.get("resource"), dict)]
    return [item]


def draft_orders(context: dict[str, Any]) -> list[dict[str, Any]]:
    """The orders being written (context.draftOrders, a Bundle): part of the record the advice is about."""
    drafts = context.get("draftOrders")
    if drafts is None:
        return []
    if not isinstance(drafts, dict) or drafts.get("resourceType") != "Bundle":
        raise InputError("context.draftOrders is not a FHIR Bundle.", source="CDS Hooks request")
    return _resources("draftOrders", drafts)


_PATIENT_REF = re.compile(r"(?:^|/)Patient/([^/]+)(?:/_history/[^/]+)?$")


def _own_patient(resource: dict[str, Any], patient_id: str, present: set[str], *, draft: bool) -> tuple[dict[str, Any], SetAside | None]:
    """Read a resource whose subject resolves to no one as the context patient's; refuse one naming another patient.

    Why: a CDS Hooks request is about one patient. Draft orders are "for the
    current patient" (order-select/order-sign), and every prefetch template is
    a read or search on ``{{context.patientId}}``, so a subject that names no
    resource in the request (a bare id, a dangling reference, even
    ``Patient/<other id>`` when no such Patient is sent) - or a draft order
    with no subject at all - can only be that patient. A subject resolving to
    a different Patient of the request is a real conflict: refused, never
    overridden.
    ``present``: the ``Type/id`` of every resource in the request.
    """
    subject = resource.get("subject")
    ref = subject.get("reference") if isinstance(subject, dict) else None
    name = f"{resource.get('resourceType', 'Resource')}/{resource.get('id', '?')}"
    hook = "a draft order is for the patient in context (CDS Hooks order-select/order-sign, draftOrders)" if draft else (
        "prefetch is data about the patient in context (CDS Hooks prefetch templates use {{context.patientId}})")
    if isinstance(ref, str):
        named = _PATIENT_REF.search(ref)
        if named and named.group(1) == patient_id:
            return resource, None
        if named and f"Patient/{named.group(1)}" in present:
            raise InputError(f"{'draft order' if draft else 'prefetch resource'} {name}: subject.reference '{ref}' names patient "
                             f"'{named.group(1)}', sent in the same request, but the request is about patient '{patient_id}' (context.patientId); "
                             "a record of another patient is not read as this patient's.", source="CDS Hooks request")
        if "/".join(ref.split("/_history/")[0].split("/")[-2:]) in present:
            return resource, None  # resolves to another resource (a Group, say): not ours to change
        problem = f"subject.reference '{ref}' resolves to no resource in the request"
    elif subject is None and draft:
        problem = "no subject"
    else:
        return resource, None  # a prefetch resource without a subject element: nothing to attribute
    note = SetAside(resource=name, element=f"{resource.get('resourceType', 'Resource')}.subject",
                    problem=f"{problem}; read as Patient/{patient_id}, because {hook}")
    return {**resource, "subject": {"reference": f"Patient/{patient_id}"}}, note


def assemble_bundle(context: dict[str, Any], prefetch: dict[str, Any] | None, *, today: dt.date, base: str = "") -> AssembledBundle:
    """A collection Bundle of every prefetched resource and draft order, stamped with the day of the request.

    Every prefetch item is read, also those under keys other than this service's
    templates (an EHR may prefetch for another service's template names). A
    ``patientId`` given as a reference (``Patient/x``) is read as the id ``x``.
    """
    patient_id = context.get("patientId")
    if not isinstance(patient_id, str) or not patient_id:
        raise InputError("the request's context has no patientId.", source="CDS Hooks request")
    patient_id = patient_id.removeprefix("Patient/")
    prefetch = prefetch or {}
    if not isinstance(prefetch, dict):
        raise InputError("prefetch must be a JSON object.", source="CDS Hooks request")
    missing = tuple(k for k in PREFETCH if prefetch.get(k) is None)
    resources: list[dict[str, Any]] = []
    for key in [*PREFETCH, *sorted(k for k in prefetch if k not in PREFETCH)]:
        if prefetch.get(key) is not None:
            resources.extend(_resources(key, prefetch[key]))
    if not any(r.get("resourceType") == "Patient" and r.get("id") == patient_id for r in resources):
        resources.insert(0, {"resourceType": "Patient", "id": patient_id})  # the context names the patient
    raw_drafts = draft_orders(context)
    present = {f"{r.get('resourceType')}/{r.get('id')}" for r in [*resources, *raw_drafts] if r.get("id")}
    notes: dict[str, SetAside] = {}
    owned = [_own_patient(r, patient_id, present, draft=False) for r in resources]
    drafted = [_own_patient(r, patient_id, present, draft=True) for r in raw_drafts]
    for _, note in [*owned, *drafted]:
        if note is not None:
            notes.setdefault(note.text(), note)
    resources = [r for r, _ in owned]
    drafts = [r for r, _ in drafted]
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    entries = []
    for r in resources:
        key = (str(r.get("resourceType")), str(r.get("id")))
        if r.get("id") and key in seen:
            continue
        seen[key] = r
        entry: dict[str, Any] = {"resource": r}
        if r.get("id"):
            entry["fullUrl"] = f"{base}{r['resourceType']}/{r['id']}" if base else f"urn:glr-hooks:{r['resourceType']}/{r['id']}"
        entries.append(entry)
    for r in drafts:
        # a draft already sent in prefetch, unchanged, is one order; a draft that shares a stored
        # record's id but says something else is the order being written, kept beside that record
        key = (str(r.get("resourceType")), str(r.get("id")))
        if r.get("id") and seen.get(key) == r:
            continue
        entry = {"resource": r}
        if r.get("id"):
            entry["fullUrl"] = f"urn:glr-hooks:draft:{r['resourceType']}/{r['id']}" if key in seen else (
                f"{base}{r['resourceType']}/{r['id']}" if base else f"urn:glr-hooks:{r['resourceType']}/{r['id']}")
            seen[key] = r
        entries.append(entry)
    bundle = {"resourceType": "Bundle", "id": f"cds-hooks-{patient_id}", "type": "collection", "timestamp": f"{today.isoformat()}T00:00:00Z", "entry": entries}
    return AssembledBundle(bundle=bundle, missing=missing, attributed=tuple(notes.values()))
