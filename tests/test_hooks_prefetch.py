"""Generic CDS Hooks prefetch assembly (issue 15): what an EHR may send, read as the record.

Why: real requests (the CDC implementation guide's examples among them)
prefetch under their own key names, wrap items as Bundle entries, give
patientId as a reference, and carry the order being written in
context.draftOrders - sometimes under the id of a stored record.
"""

from __future__ import annotations

import datetime as dt

import pytest

from reasoner.errors import InputError
from reasoner.hooks.prefetch import assemble_bundle

DAY = dt.date(2026, 11, 24)


def _order(rid: str, code: str, subject: str = "Patient/p") -> dict:
    return {"resourceType": "MedicationRequest", "id": rid, "status": "active", "intent": "order",
            "subject": {"reference": subject}, "medicationCodeableConcept": {"coding": [{"code": code}]}}


def _ids(bundle: dict) -> list[tuple[str, str, str]]:
    return [(e["resource"]["resourceType"], e["resource"]["id"], e["fullUrl"]) for e in bundle["entry"]]


def test_items_under_any_key_and_bundle_entry_wrappers_are_read() -> None:
    prefetch = {"item1": {"response": {"status": "200 OK"}, "resource": {"resourceType": "Patient", "id": "p"}},
                "item2": _order("a", "1"), "item3": None}
    built = assemble_bundle({"patientId": "Patient/p"}, prefetch, today=DAY)
    assert _ids(built.bundle) == [("Patient", "p", "urn:glr-hooks:Patient/p"), ("MedicationRequest", "a", "urn:glr-hooks:MedicationRequest/a")]
    assert "patient" in built.missing  # glr's own template names still say what was not sent


def test_a_prefetch_item_that_is_no_resource_is_refused() -> None:
    with pytest.raises(InputError, match="item7"):
        assemble_bundle({"patientId": "p"}, {"item7": {"status": "200 OK"}}, today=DAY)


def test_draft_orders_belong_to_the_patient_in_context() -> None:
    draft = _order("d", "2", subject="some-bare-id")
    built = assemble_bundle({"patientId": "p", "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": draft}]}},
                            {}, today=DAY)
    (order,) = [e["resource"] for e in built.bundle["entry"] if e["resource"]["resourceType"] == "MedicationRequest"]
    assert order["subject"] == {"reference": "Patient/p"}


def test_a_draft_repeating_a_stored_order_is_one_order_and_a_different_one_is_kept_beside_it() -> None:
    stored = _order("x", "1")
    same = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": dict(stored)}]}
    built = assemble_bundle({"patientId": "p", "draftOrders": same}, {"item1": stored}, today=DAY)
    assert [i for i in _ids(built.bundle) if i[0] == "MedicationRequest"] == [("MedicationRequest", "x", "urn:glr-hooks:MedicationRequest/x")]
    other = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": _order("x", "2")}]}
    built = assemble_bundle({"patientId": "p", "draftOrders": other}, {"item1": stored}, today=DAY)
    assert [i for i in _ids(built.bundle) if i[0] == "MedicationRequest"] == [
        ("MedicationRequest", "x", "urn:glr-hooks:MedicationRequest/x"), ("MedicationRequest", "x", "urn:glr-hooks:draft:MedicationRequest/x")]


def test_draft_orders_that_are_no_bundle_are_refused() -> None:
    with pytest.raises(InputError, match="draftOrders"):
        assemble_bundle({"patientId": "p", "draftOrders": [_order("d", "1")]}, {}, today=DAY)
