"""The generic prefetch step that sets aside R4 defects in elements no mapping rule reads (reasoner/fhir/leniency.py).

Why: a defect the case cannot depend on (an Encounter without its required
`class`) should not cost the clinician the advice, but it must be named;
a defect in an element a rule reads must still be refused, and the CLI's
import stays strict.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from reasoner.fhir import FhirStructureError, default_mapping_set, import_fhir_bytes
from reasoner.fhir.leniency import read_elements, set_aside_unread_defects
from reasoner.hooks import create_app

from _hooks_helpers import patient_view, seed_prefetch


def _encounter(**extra: Any) -> dict[str, Any]:
    return {"resourceType": "Encounter", "id": "visit-1", "status": "finished", "subject": {"reference": "Patient/p1"},
            "period": {"start": "2026-11-01", "end": "2026-11-01"}, **extra}


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"fullUrl": f"urn:test:{r['resourceType']}/{r['id']}", "resource": r}
                      for r in ({"resourceType": "Patient", "id": "p1", "birthDate": "1970-01-01"}, *resources)]}


READ = frozenset({"code", "status", "subject", "period", "authoredOn"})


def test_read_elements_come_from_the_mapping_rules_including_property_paths() -> None:
    names = read_elements(["PREFIX fhir: <http://hl7.org/fhir/> CONSTRUCT { ?s a ?t } WHERE { ?s fhir:code/fhir:coding ?c ; a fhir:Condition ; ^fhir:link ?t }"])
    assert {"code", "coding", "link", "Condition"} <= names
    every = read_elements(text for _, _, text in default_mapping_set().queries)
    assert "class" not in every and "lastUpdated" not in every and "authoredOn" in every


def test_a_missing_required_element_that_nothing_reads_is_named_not_filled() -> None:
    bundle = _bundle(_encounter())
    lenient = set_aside_unread_defects(bundle, read=READ, source="test")
    assert [d.text() for d in lenient.set_aside] == ["Encounter/visit-1: Encounter.class: required by FHIR R4 but absent"]
    assert "class" not in lenient.bundle["entry"][1]["resource"]


def test_an_invalid_value_nothing_reads_is_removed_and_named() -> None:
    bundle = _bundle(_encounter(**{"class": {"code": "AMB"}}, meta={"lastUpdated": "2021-12-09"}))
    lenient = set_aside_unread_defects(bundle, read=READ, source="test")
    assert len(lenient.set_aside) == 1 and lenient.set_aside[0].element == "Encounter.meta.lastUpdated"
    assert "'2021-12-09'" in lenient.set_aside[0].problem
    assert "lastUpdated" not in lenient.bundle["entry"][1]["resource"]["meta"]
    assert bundle["entry"][1]["resource"]["meta"]["lastUpdated"] == "2021-12-09"  # the input is not changed


def test_a_valid_bundle_passes_unchanged() -> None:
    bundle = _bundle(_encounter(**{"class": {"code": "AMB"}}))
    lenient = set_aside_unread_defects(bundle, read=READ, source="test")
    assert lenient.bundle is bundle and lenient.set_aside == ()


@pytest.mark.parametrize("resource", [
    # a dateTime with a time and no zone: even its day is uncertain, and authoredOn is read
    {"resourceType": "MedicationRequest", "id": "m1", "status": "active", "intent": "order", "subject": {"reference": "Patient/p1"},
     "medicationCodeableConcept": {"text": "x"}, "authoredOn": "2026-11-01T10:00:00"},
    # a read element missing
    {"resourceType": "Encounter", "id": "visit-2", "class": {"code": "AMB"}, "subject": {"reference": "Patient/p1"}},
], ids=["time-without-zone-in-read-element", "missing-read-element"])
def test_a_defect_in_an_element_some_rule_reads_is_refused(resource) -> None:
    with pytest.raises(FhirStructureError, match=resource["resourceType"]):
        set_aside_unread_defects(_bundle(resource), read=READ, source="test")


def test_the_file_import_stays_strict_and_the_prefetch_import_names_the_defect() -> None:
    data = json.dumps(_bundle(_encounter())).encode()
    with pytest.raises(FhirStructureError, match="class"):
        import_fhir_bytes(data, source="bundle.json")
    imported = import_fhir_bytes(data, source="prefetch", set_aside_unread=True)
    assert [d.element for d in imported.set_aside] == ["Encounter.class"]


def test_the_hooks_response_names_the_set_aside_defect(kb) -> None:
    prefetch = seed_prefetch()
    prefetch["encounters"] = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": {
        "resourceType": "Encounter", "id": "visit-9", "status": "finished", "subject": {"reference": "Patient/seed-patient"}}}]}
    app = create_app(kb, engine="oxigraph")

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8787") as client:
            return await client.post("/cds-services/glr-postfusion-patient-view", json=patient_view(prefetch))

    response = asyncio.run(go())
    assert response.status_code == 200, response.text
    named = [c for c in response.json()["cards"] if "Encounter/visit-9: Encounter.class: required by FHIR R4 but absent" in c["detail"]]
    assert len(named) == 1 and named[0]["indicator"] == "info"
