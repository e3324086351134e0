"""Build CDS Hooks requests from the example FHIR bundle (as an EHR would: relative references, searchsets)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reasoner.hooks.prefetch import PREFETCH

ROOT = Path(__file__).resolve().parent.parent
SEED_BUNDLE = ROOT / "examples" / "fhir" / "seed-case.json"
KEY_OF_TYPE = {"Patient": "patient", "Condition": "conditions", "Observation": "observations", "Procedure": "procedures",
               "ImagingStudy": "imaging", "ServiceRequest": "orders", "MedicationStatement": "medications"}
LOCAL = "https://w3id.org/glr/fhir/CodeSystem/postfusion-local"


def _relative(node: Any, names: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {k: (names.get(v, v) if k == "reference" and isinstance(v, str) else _relative(v, names)) for k, v in node.items()}
    if isinstance(node, list):
        return [_relative(v, names) for v in node]
    return node


def seed_prefetch(*, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    bundle = json.loads(SEED_BUNDLE.read_text(encoding="utf-8"))
    names = {e["fullUrl"]: f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in bundle["entry"]}
    prefetch: dict[str, Any] = {k: {"resourceType": "Bundle", "type": "searchset", "entry": []} for k in PREFETCH if k != "patient"}
    for e in bundle["entry"]:
        resource = _relative(e["resource"], names)
        key = KEY_OF_TYPE[resource["resourceType"]]
        if key == "patient":
            prefetch["patient"] = resource
        else:
            prefetch[key]["entry"].append({"resource": resource})
    for key in drop:
        prefetch.pop(key, None)
    return prefetch


def patient_view(prefetch: dict[str, Any]) -> dict[str, Any]:
    return {"hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", "hook": "patient-view",
            "context": {"userId": "Practitioner/example", "patientId": "seed-patient"}, "prefetch": prefetch}


def draft_order(order_id: str, code: str, display: str) -> dict[str, Any]:
    return {"resourceType": "ServiceRequest", "id": order_id, "status": "draft", "intent": "order",
            "code": {"coding": [{"system": LOCAL, "code": code, "display": display}]}, "subject": {"reference": "Patient/seed-patient"}}


def order_select(prefetch: dict[str, Any], order: dict[str, Any], hook: str = "order-select") -> dict[str, Any]:
    context: dict[str, Any] = {"userId": "Practitioner/example", "patientId": "seed-patient",
                               "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": order}]}}
    if hook == "order-select":
        context["selections"] = [f"ServiceRequest/{order['id']}"]
    return {"hookInstance": "4f2b5c2e-7a1d-4c1e-9a55-0b5e2a7b9f10", "hook": hook, "context": context, "prefetch": prefetch}
