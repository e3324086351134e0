"""CDS Hooks 2.0 service (issue 14): discovery, patient-view, order-select/-sign, conformance, feedback, auth."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
import uuid
from pathlib import Path

import httpx
import jsonschema
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhirpathpy import evaluate

from _hooks_helpers import draft_order, order_select, patient_view, seed_prefetch
from reasoner.cli import main
from reasoner.hooks import AuthConfig, FeedbackLog, create_app

DATA = Path(__file__).resolve().parent / "data" / "cds-hooks"
SPEC = json.loads((DATA / "card-invariants.json").read_text(encoding="utf-8"))
INVARIANTS = SPEC["invariants"]
SCHEMA = json.loads((DATA / "card.schema.json").read_text(encoding="utf-8"))
BASE = "http://127.0.0.1:8787"
SEED_DAY = dt.date(2026, 11, 24)


def call(app, method: str, url: str, **kwargs) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
            return await client.request(method, url, **kwargs)

    return asyncio.run(go())


def _elements(card: dict) -> dict[str, list[dict]]:
    """Each invariant's context: the card, its suggestions, their actions, its links, its override reasons."""
    suggestions = card.get("suggestions", [])
    return {
        "card": [card],
        "suggestion": suggestions,
        "action": [a for s in suggestions for a in s.get("actions", [])],
        "link": card.get("links", []),
        "overrideReason": card.get("overrideReasons", []),
    }


def holds(invariants: list[dict], elements: dict[str, list[dict]], where: str) -> None:
    for inv in invariants:
        for element in elements.get(inv["context"], []):
            assert evaluate(element, inv["expression"]) == [True], f"{inv['key']} ({inv['human']}) fails on {where}"


def conformant(cards: list[dict]) -> None:
    """Every card passes the spec's FHIRPath invariants and the card schema."""
    assert cards
    for card in cards:
        jsonschema.validate(card, SCHEMA)
        holds(INVARIANTS, _elements(card), card["summary"])


@pytest.fixture(scope="module")
def app(kb):
    return create_app(kb, today=lambda: SEED_DAY)


def test_discovery_lists_patient_view_per_module_and_order_hooks(app) -> None:
    services = call(app, "GET", "/cds-services").json()["services"]
    hooks = {s["id"]: s["hook"] for s in services}
    assert hooks["glr-postfusion-patient-view"] == "patient-view"
    assert hooks["glr-imaging-order-select"] == "order-select" and hooks["glr-imaging-order-sign"] == "order-sign"
    assert all(s["prefetch"]["patient"] == "Patient/{{context.patientId}}" for s in services)


def test_patient_view_cards_carry_the_explanation(app) -> None:
    response = call(app, "POST", "/cds-services/glr-postfusion-patient-view", json=patient_view(seed_prefetch()))
    assert response.status_code == 200
    cards = response.json()["cards"]
    conformant(cards)
    mri = next(c for c in cards if c["summary"].startswith("MRI of the cervical spine"))
    assert "Condition/cervical-stenosis" in mri["detail"] and "**Evidence:**" in mri["detail"]
    assert "knowledge base" in mri["source"]["label"]
    proposed = mri["suggestions"][0]["actions"][0]["resource"]
    ServiceRequest.model_validate(proposed)  # the suggested order is valid FHIR R4
    assert proposed["code"]["coding"][0]["code"] == "cervical-spine-mri"
    assert any("conflicts with" in c["detail"] for c in cards)  # the seroma windows conflict is shown
    warnings = [c for c in cards if c["indicator"] == "warning"]
    assert warnings and all(c["overrideReasons"] for c in warnings)
    again = call(app, "POST", "/cds-services/glr-postfusion-patient-view", json=patient_view(seed_prefetch())).json()["cards"]
    assert [c["uuid"] for c in again] == [c["uuid"] for c in cards]  # deterministic
    explanation = call(app, "GET", f"/explanations/{mri['uuid']}")
    assert explanation.status_code == 200 and "# Plan for" in explanation.text


def test_missing_prefetch_is_unknown_and_said(app) -> None:
    cards = call(app, "POST", "/cds-services/glr-postfusion-patient-view", json=patient_view(seed_prefetch(drop=("observations",)))).json()["cards"]
    conformant(cards)
    missing = next(c for c in cards if c["summary"].startswith("Not available to this service"))
    assert "observations" in missing["summary"] and "unknown" in missing["detail"]
    # without the documented absence of new deficits, the absence is not assumed
    assert not any("urgent" in c["summary"] for c in cards)


def test_order_select_supports_a_recommended_cervical_mri(app) -> None:
    order = draft_order("draft-mri", "cervical-spine-mri", "MRI of the cervical spine")
    cards = call(app, "POST", "/cds-services/glr-imaging-order-select", json=order_select(seed_prefetch(), order)).json()["cards"]
    conformant(cards)
    assert len(cards) == 1 and "supported" in cards[0]["summary"]


@pytest.mark.parametrize("hook", ["order-select", "order-sign"])
def test_lumbar_ct_not_indicated_gets_a_warning_with_reasons(app, hook: str) -> None:
    prefetch = seed_prefetch()
    prefetch["imaging"]["entry"][0]["resource"]["started"] = "2026-10-01T09:00:00Z"  # CT under 4 months old
    order = draft_order("draft-ct", "lumbar-spine-ct", "CT of the lumbar spine")
    cards = call(app, "POST", f"/cds-services/glr-imaging-{hook}", json=order_select(prefetch, order, hook)).json()["cards"]
    conformant(cards)
    card = cards[0]
    assert card["indicator"] == "warning" and "not indicated" in card["summary"]
    assert "**Why not now:**" in card["detail"] and card["overrideReasons"]


def test_malformed_prefetch_gets_400_naming_the_element_and_service_keeps_serving(app) -> None:
    prefetch = seed_prefetch()
    prefetch["conditions"]["entry"][0]["resource"]["onsetDateTime"] = "2026-13-45"
    response = call(app, "POST", "/cds-services/glr-postfusion-patient-view", json=patient_view(prefetch))
    assert response.status_code == 400
    assert "Condition.onsetDateTime" in response.json()["error"]
    assert call(app, "POST", "/cds-services/glr-postfusion-patient-view", content=b"{not json").status_code == 400
    assert call(app, "POST", "/cds-services/glr-postfusion-patient-view", json=patient_view(seed_prefetch())).status_code == 200


def test_feedback_is_logged_and_reported(kb, tmp_path, capsys) -> None:
    db = tmp_path / "feedback.sqlite"
    app = create_app(kb, today=lambda: SEED_DAY, feedback=FeedbackLog(db))
    cards = call(app, "POST", "/cds-services/glr-postfusion-patient-view", json=patient_view(seed_prefetch())).json()["cards"]
    mri = next(c for c in cards if c["summary"].startswith("MRI of the cervical spine"))
    caution = next(c for c in cards if c["indicator"] == "warning")
    body = {"feedback": [
        {"card": mri["uuid"], "outcome": "accepted", "outcomeTimestamp": "2026-11-24T10:00:00Z",
         "acceptedSuggestions": [{"id": mri["suggestions"][0]["uuid"]}]},
        {"card": caution["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-11-24T10:01:00Z",
         "overrideReason": {"reason": caution["overrideReasons"][0], "userComment": "seen already"}},
    ]}
    for item in body["feedback"]:  # the request itself obeys the spec's feedback invariants
        holds(SPEC["feedback"], {"feedback": [item], "overrideReason": [item["overrideReason"]] if "overrideReason" in item else []}, item["card"])
    response = call(app, "POST", "/cds-services/glr-postfusion-patient-view/feedback", json=body)
    assert response.status_code == 200 and response.json() == {"recorded": 2}
    bad = [
        {"feedback": [{"card": "x"}]},  # cds-fb-1: no outcome
        {"feedback": [{"card": mri["uuid"], "outcome": "accepted", "outcomeTimestamp": "2026-11-24T10:00:00Z"}]},  # cds-fb-2
        {"feedback": [{"card": caution["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-11-24T10:00:00Z", "overrideReason": {}}]},  # cds-fb-3
    ]
    for wrong in bad:
        response = call(app, "POST", "/cds-services/glr-postfusion-patient-view/feedback", json=wrong)
        assert response.status_code == 400 and response.json()["error"]
    assert {r.card_id: r.accepted + r.overridden for r in FeedbackLog(db).rates()}["cervical-mri"] == 1  # nothing partial was logged
    rates = {r.card_id: r for r in FeedbackLog(db).rates()}
    assert rates["cervical-mri"].accepted == 1 and rates["cervical-mri"].acceptance_rate == 1.0
    assert sum(r.overridden for r in rates.values()) == 1
    assert main(["feedback", "report", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "cervical-mri" in out and "100.0%" in out


# -- JWT bearer authentication ------------------------------------------------

ISSUER = "https://ehr.example.org"


def _key_pair():
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    jwk.update({"kid": "ehr-key-1", "alg": "RS384", "use": "sig"})
    return private, jwk


@pytest.fixture(scope="module")
def secured(kb):
    private, jwk = _key_pair()
    app = create_app(kb, today=lambda: SEED_DAY, auth=AuthConfig(issuers={ISSUER: {"keys": [jwk]}}))
    return app, private


def _token(private, *, iss: str = ISSUER, aud: str = f"{BASE}/cds-services/glr-postfusion-patient-view", alg: str = "RS384") -> str:
    now = int(time.time())  # a token needs a real expiry; nothing is asserted about time
    claims = {"iss": iss, "aud": aud, "exp": now + 300, "iat": now, "jti": str(uuid.uuid4())}
    return jwt.encode(claims, private, algorithm=alg, headers={"kid": "ehr-key-1"})


def test_auth_accepts_a_token_signed_by_the_configured_key(secured) -> None:
    app, private = secured
    response = call(app, "POST", "/cds-services/glr-postfusion-patient-view", json=patient_view(seed_prefetch()),
                    headers={"Authorization": f"Bearer {_token(private)}"})
    assert response.status_code == 200


def test_auth_refuses_missing_unsigned_wrongly_signed_or_foreign_tokens(secured) -> None:
    app, private = secured
    other, _ = _key_pair()
    unsigned = jwt.encode({"iss": ISSUER, "aud": f"{BASE}/cds-services/glr-postfusion-patient-view", "exp": int(time.time()) + 300, "jti": "x"}, None, algorithm="none")
    cases = {
        "missing": {},
        "unsigned": {"Authorization": f"Bearer {unsigned}"},
        "wrong key": {"Authorization": f"Bearer {_token(other)}"},
        "unknown issuer": {"Authorization": f"Bearer {_token(private, iss='https://evil.example')}"},
        "wrong audience": {"Authorization": f"Bearer {_token(private, aud='https://elsewhere/cds-services/x')}"},
    }
    for name, headers in cases.items():
        response = call(app, "POST", "/cds-services/glr-postfusion-patient-view", json=patient_view(seed_prefetch()), headers=headers)
        assert response.status_code == 401, name
        assert response.json()["error"], name


def test_hooks_command_refuses_to_expose_without_auth(capsys) -> None:
    assert main(["hooks", "--host", "0.0.0.0"]) == 2
    assert "without --auth-config" in capsys.readouterr().err


def test_the_specs_example_patient_view_request_is_answered(app) -> None:
    request = json.loads((DATA / "spec-patient-view-request.json").read_text(encoding="utf-8"))
    holds(SPEC["request"], {"request": [request]}, "the spec's example request")
    response = call(app, "POST", "/cds-services/glr-postfusion-patient-view", json=request)
    assert response.status_code == 200
    cards = response.json()["cards"]
    conformant(cards)
    # it prefetched only 'patientToGreet', which this service did not ask for: everything else is unknown, and said so
    assert any(c["summary"].startswith("Not available to this service: patient, conditions") for c in cards)


def test_request_breaking_cds_r_1_is_refused(app) -> None:
    request = json.loads((DATA / "spec-patient-view-request.json").read_text(encoding="utf-8"))
    del request["fhirServer"]
    response = call(app, "POST", "/cds-services/glr-postfusion-patient-view", json=request)
    assert response.status_code == 400 and "fhirServer" in response.json()["error"]


# -- fetching missing prefetch from an allow-listed FHIR server ---------------

EHR = "https://ehr.example.org/fhir"


def _ehr_transport(seen: list[httpx.Request]) -> httpx.MockTransport:
    """A stand-in FHIR server answering the prefetch queries with the seed data (no network)."""
    prefetch = seed_prefetch()
    by_type = {"Observation": "observations", "Condition": "conditions", "Procedure": "procedures", "ImagingStudy": "imaging",
               "ServiceRequest": "orders", "MedicationStatement": "medications"}

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        resource = request.url.path.rsplit("/", 1)[-1]
        if resource == "seed-patient":
            return httpx.Response(200, json=prefetch["patient"])
        return httpx.Response(200, json=prefetch[by_type[resource]])

    return httpx.MockTransport(answer)


def test_missing_prefetch_is_fetched_only_from_an_allow_listed_server(kb) -> None:
    seen: list[httpx.Request] = []
    request = patient_view(seed_prefetch(drop=("observations",)))
    request.update({"fhirServer": EHR, "fhirAuthorization": {"access_token": "opaque", "token_type": "Bearer", "expires_in": 300, "scope": "patient/*.read", "subject": "glr"}})
    allowed = create_app(kb, today=lambda: SEED_DAY, fhir_servers=(EHR,), transport=_ehr_transport(seen))
    cards = call(allowed, "POST", "/cds-services/glr-postfusion-patient-view", json=request).json()["cards"]
    assert [r.url.path for r in seen] == ["/fhir/Observation"] and seen[0].url.params["patient"] == "seed-patient"
    assert seen[0].headers["authorization"] == "Bearer opaque"
    assert not any(c["summary"].startswith("Not available") for c in cards)

    seen.clear()
    not_allowed = create_app(kb, today=lambda: SEED_DAY, transport=_ehr_transport(seen))
    cards = call(not_allowed, "POST", "/cds-services/glr-postfusion-patient-view", json=request).json()["cards"]
    assert seen == []  # never contacted
    assert any(c["summary"] == "Not available to this service: observations" for c in cards)


def test_hooks_command_serves_the_app_on_loopback(monkeypatch, tmp_path) -> None:
    import uvicorn

    started: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: started.update(app=app, **kwargs))
    assert main(["hooks", "--feedback-db", str(tmp_path / "fb.sqlite")]) == 0
    assert started["host"] == "127.0.0.1" and started["port"] == 8787
    assert call(started["app"], "GET", "/cds-services").status_code == 200
    assert (tmp_path / "fb.sqlite").is_file()


def test_feedback_report_on_a_missing_log_exits_2(tmp_path, capsys) -> None:
    assert main(["feedback", "report", "--db", str(tmp_path / "none.sqlite")]) == 2
    assert "no such feedback log" in capsys.readouterr().err
