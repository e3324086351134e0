"""The CDC opioid implementation guide's own CDS Hooks examples, sent through glr's service.

Why: the opioids-cdc2022 module is measured against an independently written
test suite (cqframework/opioid-cds-r4, CC0; tests/data/opioid-cds-r4/). Each
request goes to the module's service for its hook; the cards the module's
rules give for that recommendation are compared with the expected response:
card presence, indicator, and the MME figure where the response states one.
The outcome of every case, with the reason for each deliberate difference,
is recorded in tests/data/opioid-cds-r4/expected-outcomes.json and in
docs/opioids-cdc2022-conformance.md; this test fails when either drifts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from reasoner.hooks import create_app

DATA = Path(__file__).parent / "data" / "opioid-cds-r4"
CASES = json.loads((DATA / "cases.json").read_text(encoding="utf-8"))
OUTCOMES = json.loads((DATA / "expected-outcomes.json").read_text(encoding="utf-8"))
DOC = Path(__file__).parents[1] / "docs" / "opioids-cdc2022-conformance.md"
_MME = re.compile(r"(?:MME\) is|Average MME \()\s*([0-9.]+)")
_OURS = re.compile(r"total MME per day = ([0-9.]+) MME/day")


def _data_day(node: Any) -> dt.date:
    """The day the example's data was written for (its dataDateRoller extensions' latest dateLastUpdated)."""
    days = re.findall(r'"dateLastUpdated",\s*"valueDateTime":\s*"(\d{4}-\d{2}-\d{2})', json.dumps(node))
    return max(dt.date.fromisoformat(d) for d in days)


def _post(app, url: str, body: dict) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8787") as client:
            return await client.post(url, json=body)

    return asyncio.run(go())


def run_case(kb, case: dict[str, Any], *, data: Path = DATA) -> dict[str, Any]:
    """Send one example; what the IG expects and what glr answered."""
    body = json.loads((data / case["request"]).read_text(encoding="utf-8"))
    expected = json.loads((data / case["response"]).read_text(encoding="utf-8"))["cards"]
    app = create_app(kb, today=lambda: _data_day(body), engine="oxigraph")
    response = _post(app, f"/cds-services/glr-opioids-cdc2022-{case['hook']}", body)
    if response.status_code != 200:
        return {"expected_card": bool(expected), "expected_indicator": expected[0]["indicator"] if expected else None,
                "card": False, "indicator": None, "expected_mme": None, "mme": None,
                "rejected": f"{response.status_code}: {response.json()['error']}"}
    titles = _titles(kb, case["catalogue_ids"])
    cards = [c for c in response.json()["cards"] if any(c["summary"].startswith(t) or c["summary"].startswith(f"Caution: {t}") for t in titles)]
    want_mme = next((float(m.group(1)) for c in expected for m in [_MME.search(c.get("detail", ""))] if m), None)
    got_mme = next((float(m.group(1)) for c in cards for m in [_OURS.search(c["detail"])] if m), None)
    return {
        "expected_card": bool(expected), "expected_indicator": expected[0]["indicator"] if expected else None,
        "card": bool(cards), "indicator": cards[0]["indicator"] if cards else None,
        "expected_mme": want_mme, "mme": got_mme,
    }


def _titles(kb, ids: list[str]) -> list[str]:
    from rdflib import RDFS, Literal, URIRef

    k = kb.knowledge
    out = []
    for cid in ids:
        for entry in k.subjects(URIRef("https://w3id.org/glr/ontology#catalogueId"), Literal(cid)):
            out.append(str(k.value(entry, RDFS.label)))
    return out


def agrees(outcome: dict[str, Any]) -> bool:
    """Presence and indicator as the IG expects, and the MME within 0.1 where it states one; a rejected request never agrees."""
    if outcome.get("rejected"):
        return False
    same = outcome["card"] == outcome["expected_card"] and outcome["indicator"] == outcome["expected_indicator"]
    if same and outcome["expected_mme"] is not None:
        same = outcome["mme"] is not None and abs(outcome["mme"] - outcome["expected_mme"]) <= 0.1
    return same


def runnable(case: dict[str, Any]) -> bool:
    """The guide publishes a request for it and a non-empty expected response (6 responses lack a request, 2 are empty files)."""
    return case["request"] is not None and bool((DATA / case["response"]).read_text(encoding="utf-8").strip())


@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_example_gives_the_recorded_outcome(kb, case) -> None:
    recorded = OUTCOMES[case["case"]]
    if not runnable(case):
        assert recorded["result"] == "not run" and recorded["reason"], recorded
        return
    outcome = run_case(kb, case)
    assert agrees(outcome) == (recorded["result"] == "pass"), (outcome, recorded)
    if recorded["result"] != "pass":
        assert recorded["reason"], "every difference from the IG needs its reason"


def test_agreement_and_table_match_the_record() -> None:
    passed = sum(1 for c in CASES if OUTCOMES[c["case"]]["result"] == "pass")
    text = DOC.read_text(encoding="utf-8")
    assert f"{passed} of {len(CASES)}" in text
    assert all(OUTCOMES[c["case"]]["result"] in ("pass", "fail", "not run") for c in CASES)
    for c in CASES:
        row = next(line for line in text.splitlines() if line.startswith(f"| {c['case']} |"))
        assert f"| {OUTCOMES[c['case']]['result']} |" in row


@pytest.mark.parametrize(("status", "card", "conditional"), [(None, True, True), ("confirmed", True, False), ("refuted", False, False)])
def test_substance_misuse_example_is_conditional_until_the_condition_is_verified(kb, tmp_path, status, card, conditional) -> None:
    """rec-08-substance-abuse rests only on a Condition without verificationStatus: a conditional offer; confirmed, a plain one; refuted, none."""
    case = next(c for c in CASES if c["case"] == "rec-08-substance-abuse")
    body = json.loads((DATA / case["request"]).read_text(encoding="utf-8"))
    condition = next(item for item in body["prefetch"].values() if isinstance(item, dict) and item.get("resourceType") == "Condition")
    assert "verificationStatus" not in condition
    if status is not None:
        condition["verificationStatus"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": status}]}
        if status == "refuted":
            condition.pop("clinicalStatus", None)  # FHIR R4 con-5: no clinicalStatus on a refuted condition
    naloxone = [c for c in _cards(kb, case, body) if c["summary"].startswith("Offer naloxone")]
    assert bool(naloxone) == card
    if card:
        assert naloxone[0]["indicator"] == "warning"
        assert ("conditional" in naloxone[0]["summary"]) == conditional
        assert ("not yet checked" in naloxone[0]["detail"]) == conditional


def test_module_services_are_discovered_and_cards_name_their_module(kb) -> None:
    case = next(c for c in CASES if c["case"] == "rec-11-opioid-trigger-with-benzo")
    body = json.loads((DATA / case["request"]).read_text(encoding="utf-8"))
    app = create_app(kb, today=lambda: _data_day(body))

    async def services() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8787") as client:
            return await client.get("/cds-services")

    hooks = {s["id"]: s["hook"] for s in asyncio.run(services()).json()["services"]}
    assert hooks["glr-opioids-cdc2022-order-select"] == "order-select" and hooks["glr-opioids-cdc2022-order-sign"] == "order-sign"
    assert hooks["glr-postfusion-order-select"] == "order-select"
    cards = _post(app, "/cds-services/glr-opioids-cdc2022-order-select", body).json()["cards"]
    assert cards and all(c["source"]["label"].startswith("glr — Prescribing opioids for pain (CDC Clinical Practice Guideline, 2022)") for c in cards)


def _amended(case: dict[str, Any], tmp_path: Path, change) -> Path:
    """A copy of one example with `change` applied to its request: to show that a recorded difference has exactly that cause."""
    body = json.loads((DATA / case["request"]).read_text(encoding="utf-8"))
    change(body)
    for folder, text in (("requests", json.dumps(body)), ("responses", (DATA / case["response"]).read_text(encoding="utf-8"))):
        (tmp_path / folder).mkdir(exist_ok=True)
        (tmp_path / case[folder[:-1]]).write_text(text, encoding="utf-8")
    return tmp_path


def _resources(node: Any):
    if isinstance(node, dict):
        if "resourceType" in node:
            yield node
        for value in node.values():
            yield from _resources(value)
    elif isinstance(node, list):
        for value in node:
            yield from _resources(value)


def _give_encounters_a_class(body: dict) -> None:
    for resource in list(_resources(body)):
        if resource["resourceType"] == "Encounter" and "class" not in resource:
            resource["class"] = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"}


CLASS_LESS = [c for c in CASES if c["request"] and any(
    r["resourceType"] == "Encounter" and "class" not in r for r in _resources(json.loads((DATA / c["request"]).read_text(encoding="utf-8"))))]


def _cards(kb, case: dict[str, Any], body: dict, *, engine: str = "oxigraph") -> list[dict[str, Any]]:
    app = create_app(kb, today=lambda: _data_day(body), engine=engine)
    response = _post(app, f"/cds-services/glr-opioids-cdc2022-{case['hook']}", body)
    assert response.status_code == 200, response.text
    return response.json()["cards"]


def test_ten_examples_have_an_encounter_without_class() -> None:
    assert len(CLASS_LESS) == 10 and {c["recommendation"] for c in CLASS_LESS} == {"07", "10"}


@pytest.mark.parametrize("case", CLASS_LESS, ids=[c["case"] for c in CLASS_LESS])
def test_class_less_examples_are_accepted_and_the_defect_is_named(kb, case, tmp_path) -> None:
    """No mapping rule reads Encounter.class: the request is answered, the defect named, and adding `class` changes nothing."""
    body = json.loads((DATA / case["request"]).read_text(encoding="utf-8"))
    named = [c for c in _cards(kb, case, body) if "Encounter.class: required by FHIR R4 but absent" in c["detail"]]
    assert len(named) == 1 and named[0]["indicator"] == "info"
    as_sent = run_case(kb, case)
    assert agrees(as_sent), as_sent
    assert run_case(kb, case, data=_amended(case, tmp_path, _give_encounters_a_class)) == as_sent


def test_end_of_life_example_is_silent_once_the_condition_is_verified(kb, tmp_path) -> None:
    """rec-10-patient-view-end-of-life-med-exclusion differs only by the condition's missing verificationStatus."""
    case = next(c for c in CASES if c["case"] == "rec-10-patient-view-end-of-life-med-exclusion")
    assert not agrees(run_case(kb, case))

    def verify(body: dict) -> None:
        for resource in _resources(body):
            if resource["resourceType"] == "Condition":
                resource["verificationStatus"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]}

    assert agrees(run_case(kb, case, data=_amended(case, tmp_path, verify)))


def test_rec02_example_is_accepted_and_lastupdated_is_named(kb, tmp_path) -> None:
    """rec-02-in-careplan-revisited: its CarePlan's meta.lastUpdated is a date where R4 wants an instant; nothing reads it."""
    case = next(c for c in CASES if c["case"] == "rec-02-in-careplan-revisited")
    body = json.loads((DATA / case["request"]).read_text(encoding="utf-8"))
    named = [c for c in _cards(kb, case, body) if "CarePlan.meta.lastUpdated" in c["detail"] and "'2021-12-09'" in c["detail"]]
    assert len(named) == 1
    assert agrees(run_case(kb, case))

    def instant(body: dict) -> None:
        for resource in _resources(body):
            if resource["resourceType"] == "CarePlan":
                resource["meta"]["lastUpdated"] += "T00:00:00Z"

    assert run_case(kb, case, data=_amended(case, tmp_path, instant)) == run_case(kb, case)


def test_rec06_example_gives_the_caution_once_the_order_is_written_today(kb, tmp_path) -> None:
    """rec-06-out-extended-release-27-days agrees because its order was authored 123 days before; written today, it gets the caution."""
    case = next(c for c in CASES if c["case"] == "rec-06-out-extended-release-27-days")
    assert agrees(run_case(kb, case))

    def today(body: dict) -> None:
        for resource in _resources(body):
            if resource["resourceType"] == "MedicationRequest":
                resource["authoredOn"] = _data_day(body).isoformat()

    outcome = run_case(kb, case, data=_amended(case, tmp_path, today))
    assert outcome["card"] and outcome["indicator"] == "warning", outcome


def test_rec09_example_is_silent_because_of_its_pdmp_review(kb) -> None:
    """rec-09-out-PDMP-review-90-days: with its category in the right code system, the review 61 days before keeps review-pdmp silent."""
    case = next(c for c in CASES if c["case"] == "rec-09-out-PDMP-review-90-days")
    body = json.loads((DATA / case["request"]).read_text(encoding="utf-8"))
    for resource in _resources(body):
        if resource["resourceType"] == "MedicationRequest":
            resource["category"][0]["coding"][0]["system"] = "http://terminology.hl7.org/CodeSystem/medicationrequest-category"
    titles = _titles(kb, ["review-pdmp"])
    assert not [c for c in _cards(kb, case, body) if c["summary"].startswith(titles[0])]
    for item in body["prefetch"].values():
        if isinstance(item, dict) and item.get("resourceType") == "Bundle":
            item["entry"] = [e for e in item.get("entry", []) if e["resource"]["resourceType"] != "Procedure"]
        elif isinstance(item, dict) and item.get("resourceType") == "Procedure":
            item.clear()
    body["prefetch"] = {k: v for k, v in body["prefetch"].items() if v}
    assert [c for c in _cards(kb, case, body) if c["summary"].startswith(titles[0])]


@pytest.mark.parametrize("name, rule, fires", [("rec-06-in-criteria-met", "acute-pain-quantity", False), ("rec-09-in-criteria-met", "review-pdmp", True)])
def test_examples_without_expected_answer_give_what_the_table_says(kb, name, rule, fires) -> None:
    case = next(c for c in CASES if c["case"] == name)
    body = json.loads((DATA / case["request"]).read_text(encoding="utf-8"))
    title = _titles(kb, [rule])[0]
    assert bool([c for c in _cards(kb, case, body) if c["summary"].startswith(title)]) is fires


@pytest.mark.parametrize("name", ["rec-07-seven-of-past-ten-days", "rec-07-sixtythree-of-past-ninety-days"])
def test_rec07_examples_give_the_card_on_both_engines(kb, name) -> None:
    case = next(c for c in CASES if c["case"] == name)
    body = json.loads((DATA / case["request"]).read_text(encoding="utf-8"))
    title = _titles(kb, ["reassess-benefits-harms"])[0]
    for engine in ("oxigraph", "rdflib"):
        cards = [c for c in _cards(kb, case, body, engine=engine) if c["summary"].startswith(title)]
        assert len(cards) == 1 and cards[0]["indicator"] == "warning", engine


def test_post_fusion_module_is_silent_on_every_accepted_example(kb) -> None:
    """The post-fusion module does not apply to the guide's opioid-only patients: its services give no clinical card for any of them.

    (Its only cards are the service's notice of the prefetch it did not receive, which the requests, written for another
    service, lack, and the notice naming the record defects it set aside or subjects it read as the context patient.)
    """
    heard = 0
    for case in CASES:
        if not runnable(case):
            continue
        body = json.loads((DATA / case["request"]).read_text(encoding="utf-8"))
        app = create_app(kb, today=lambda: _data_day(body), engine="oxigraph")
        response = _post(app, f"/cds-services/glr-postfusion-{case['hook']}", body)
        if response.status_code == 200:
            heard += 1
            clinical = [c for c in response.json()["cards"]
                        if not c["summary"].startswith(("Not available to this service", "Record not valid FHIR R4", "Record defects in"))]
            assert clinical == [], case["case"]
    assert heard == 47


def _case(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    case = next(c for c in CASES if c["case"] == name)
    return case, json.loads((DATA / case["request"]).read_text(encoding="utf-8"))


def _record_defects(cards: list[dict[str, Any]]) -> str:
    (card,) = [c for c in cards if c["summary"].startswith("Record defects")]
    assert card["indicator"] == "info"
    return card["detail"]


@pytest.mark.parametrize("name", ["rec-11-patient-view-opioid-trigger-with-benzo", "rec-11-opioid-trigger-with-benzo"])
def test_an_order_whose_subject_resolves_to_no_one_is_the_context_patients_and_is_named(kb, name) -> None:
    """Prefetch (patient-view) and draftOrders (order-select): the caution fires and the info card says what was read how."""
    case, body = _case(name)
    cards = _cards(kb, case, body)
    assert any(c["summary"].startswith("Caution: Opioid and benzodiazepine") for c in cards)
    detail = _record_defects(cards)
    assert "MedicationRequest/example-rec-11-opioid-trigger-with-benzo-context: MedicationRequest.subject: subject.reference" in detail
    assert "resolves to no resource in the request; read as Patient/example-rec-11-opioid-trigger-with-benzo" in detail
    assert ("draftOrders" if case["hook"] == "order-select" else "prefetch templates") in detail


def test_a_draft_order_without_subject_is_the_context_patients_and_is_named(kb) -> None:
    case, body = _case("rec-11-opioid-trigger-with-benzo")
    del body["context"]["draftOrders"]["entry"][0]["resource"]["subject"]
    cards = _cards(kb, case, body)
    assert any(c["summary"].startswith("Caution: Opioid and benzodiazepine") for c in cards)
    assert "MedicationRequest.subject: no subject; read as Patient/example-rec-11-opioid-trigger-with-benzo" in _record_defects(cards)


@pytest.mark.parametrize("name", ["rec-11-patient-view-opioid-trigger-with-benzo", "rec-11-opioid-trigger-with-benzo"])
def test_an_order_of_another_patient_in_the_request_is_refused(kb, name) -> None:
    case, body = _case(name)
    body["prefetch"]["other"] = {"resourceType": "Patient", "id": "someone-else"}
    for order in list(_resources(body)):
        if order.get("id") == "example-rec-11-opioid-trigger-with-benzo-context":
            order["subject"] = {"reference": "Patient/someone-else"}
    app = create_app(kb, today=lambda: _data_day(body), engine="oxigraph")
    response = _post(app, f"/cds-services/glr-opioids-cdc2022-{case['hook']}", body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert "MedicationRequest/example-rec-11-opioid-trigger-with-benzo-context: subject.reference 'Patient/someone-else'" in error
    assert "Traceback" not in error
