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
    (note,) = built.attributed
    assert note.resource == "MedicationRequest/d" and note.element == "MedicationRequest.subject"
    assert "'some-bare-id' resolves to no resource" in note.problem and "draftOrders" in note.problem


def test_a_draft_order_without_subject_is_the_context_patients_and_says_so() -> None:
    draft = {k: v for k, v in _order("d", "2").items() if k != "subject"}
    built = assemble_bundle({"patientId": "p", "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": draft}]}},
                            {}, today=DAY)
    (order,) = [e["resource"] for e in built.bundle["entry"] if e["resource"]["resourceType"] == "MedicationRequest"]
    assert order["subject"] == {"reference": "Patient/p"}
    assert [n.problem.split(";")[0] for n in built.attributed] == ["no subject"]


def test_a_prefetched_resource_with_a_dangling_subject_is_the_context_patients_and_says_so() -> None:
    prefetch = {"item1": {"resourceType": "Patient", "id": "p"}, "item2": _order("a", "1", subject="p"), "item3": _order("b", "1")}
    built = assemble_bundle({"patientId": "Patient/p"}, prefetch, today=DAY)
    subjects = {e["resource"]["id"]: e["resource"].get("subject") for e in built.bundle["entry"]}
    assert subjects["a"] == subjects["b"] == {"reference": "Patient/p"}
    (note,) = built.attributed  # the well-formed one is not named
    assert note.resource == "MedicationRequest/a" and "prefetch" in note.problem
    typo = assemble_bundle({"patientId": "p"}, {"item1": _order("c", "1", subject="Patient/xp")}, today=DAY)
    assert [n.resource for n in typo.attributed] == ["MedicationRequest/c"]  # no Patient xp in the request: dangling too


@pytest.mark.parametrize("where", ["draft", "prefetch"])
def test_a_subject_naming_another_patient_is_refused_not_reattributed(where: str) -> None:
    other = _order("d", "2", subject="Patient/q")
    prefetch: dict = {"item1": {"resourceType": "Patient", "id": "q"}}
    context: dict = {"patientId": "p"}
    if where == "draft":
        context["draftOrders"] = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": other}]}
    else:
        prefetch["item2"] = other
    with pytest.raises(InputError, match=r"MedicationRequest/d: subject.reference 'Patient/q' names patient 'q'.*'p'"):
        assemble_bundle(context, prefetch, today=DAY)


def test_a_subject_resolving_to_another_resource_of_the_request_is_left_alone() -> None:
    prefetch = {"item1": {"resourceType": "Group", "id": "g"}, "item2": _order("a", "1", subject="Group/g")}
    built = assemble_bundle({"patientId": "p"}, prefetch, today=DAY)
    assert built.attributed == ()
    assert [e["resource"]["subject"] for e in built.bundle["entry"] if e["resource"]["id"] == "a"] == [{"reference": "Group/g"}]


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
