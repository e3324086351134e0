"""The CDS Hooks 2.0 service: discovery, patient-view/order-select/order-sign per module, order checks for imaging.

Why Starlette: the SPARQL endpoint (reasoner/server/) already uses it. A
request's prefetch is assembled into a FHIR Bundle, imported through the
same mapping rules as `glr import fhir`, reasoned over, and answered with
cards that carry the explanation. A malformed request gets a 400 with the
same one-paragraph message the CLI would print; the service keeps serving.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from ..errors import GlrError
from ..kb.knowledge import KnowledgeBase
from ..vocab import GLR, RDF
from .auth import AuthConfig, AuthError, verify_bearer
from .cards import missing_data_card, order_cards, plan_cards, set_aside_card
from .feedback import FeedbackLog
from .prefetch import PREFETCH, assemble_bundle

__all__ = ["HookService", "create_app"]

FM = "https://w3id.org/glr/fhir-map#"
_MAX_BODY = 5_000_000


@dataclass(frozen=True)
class HookService:
    id: str
    hook: str
    title: str
    description: str
    module_iri: str | None = None

    def discovery(self) -> dict[str, Any]:
        return {"hook": self.hook, "id": self.id, "title": self.title, "description": self.description, "prefetch": dict(PREFETCH)}


def _services(kb: KnowledgeBase) -> list[HookService]:
    found = [
        HookService(
            id=f"glr-{m.directory.name}-{hook}",
            hook=hook,
            title=f"glr: {m.label}" + ("" if hook == "patient-view" else f" ({hook})"),
            description=f"Explained next steps from the '{m.directory.name}' guideline module (knowledge base {kb.version})"
            + ("." if hook == "patient-view" else ", with the draft orders read as part of the record."),
            module_iri=str(m.iri),
        )
        for m in kb.modules
        for hook in ("patient-view", "order-select", "order-sign")
    ]
    for hook in ("order-select", "order-sign"):
        found.append(HookService(
            id=f"glr-imaging-{hook}", hook=hook, title=f"glr: is this imaging order indicated? ({hook})",
            description="Checks draft imaging orders against the guideline modules: a warning with reasons when not indicated, support when recommended.",
        ))
    return found


class _Orders:
    """Order codes ↔ catalogue entries, read from the modules' code maps (data)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        from rdflib import URIRef

        k = kb.knowledge
        self.by_code: dict[tuple[str, str], tuple[list[str], str]] = {}
        self.by_entry: dict[str, list[dict[str, str]]] = {}
        for m in k.subjects(RDF.type, URIRef(FM + "OrderMapping")):
            system, code = str(k.value(m, URIRef(FM + "system"))), str(k.value(m, URIRef(FM + "code")))
            display = str(k.value(m, URIRef(FM + "display")) or code)
            ids = [kb.catalogue_id(e) for e in k.objects(m, URIRef(FM + "carriesOut"))]
            self.by_code[(system, code)] = (ids, display)
            for cid in ids:
                self.by_entry.setdefault(cid, []).append({"system": system, "code": code, "display": display})
        # Drug codes → the catalogue entries about the care action that gives the code's drug class
        # (fm:CodeMapping → glr:DrugClass ← glr:administersDrugClass ← glr:aboutCareAction), so that a
        # draft medication order meets the interactions its action takes part in (issue 16).
        self.by_drug_code: dict[tuple[str, str], tuple[list[str], str]] = {}
        for m in k.subjects(RDF.type, URIRef(FM + "CodeMapping")):
            drug_class = k.value(m, URIRef(FM + "targetValue"))
            if drug_class is None:
                continue
            actions = set(kb.knowledge.subjects(GLR.administersDrugClass, drug_class)) | set(kb.ontology.subjects(GLR.administersDrugClass, drug_class))
            entries = sorted({kb.catalogue_id(e) for a in actions for e in k.subjects(GLR.aboutCareAction, a)})
            if entries:
                system, code = str(k.value(m, URIRef(FM + "system"))), str(k.value(m, URIRef(FM + "code")))
                self.by_drug_code[(system, code)] = (entries, str(k.value(m, URIRef(FM + "display")) or code))

    def suggestions(self, patient_id: str, card_seed: str) -> dict[str, list[dict[str, Any]]]:
        from .cards import card_uuid

        out: dict[str, list[dict[str, Any]]] = {}
        for cid, codings in self.by_entry.items():
            out[cid] = [{
                "label": f"Order: {c['display']}",
                "uuid": card_uuid(card_seed, cid, c["code"]),
                "actions": [{
                    "type": "create",
                    "description": f"Draft order: {c['display']}",
                    "resource": {"resourceType": "ServiceRequest", "status": "draft", "intent": "proposal",
                                 "code": {"coding": [c]}, "subject": {"reference": f"Patient/{patient_id}"}},
                }],
            } for c in codings]
        return out


def create_app(
    kb: KnowledgeBase,
    *,
    base_url: str = "http://127.0.0.1:8787",
    feedback: FeedbackLog | None = None,
    auth: AuthConfig | None = None,
    today: Callable[[], dt.date] = dt.date.today,
    engine: str = "oxigraph",
    fhir_servers: tuple[str, ...] = (),
    transport: Any = None,
) -> Starlette:
    """The ASGI app. ``today`` fixes the as-of date (tests); ``auth`` turns JWT checking on;
    ``fhir_servers`` allow-lists the FHIR servers missing prefetch may be fetched from
    (``transport``: an httpx transport, for tests)."""
    from .fetch import fetch_missing, normalise_base

    allowed = frozenset(normalise_base(u) for u in fhir_servers)
    from ..fhir import import_fhir_bytes
    from ..pipeline.run import recommend
    from ..pipeline.render.markdown import render_markdown

    services = {s.id: s for s in _services(kb)}
    orders = _Orders(kb)
    explanations: OrderedDict[str, str] = OrderedDict()

    def remember(cards: list[tuple[str, dict[str, Any]]], markdown: str) -> None:
        for _, card in cards:
            explanations[card["uuid"]] = markdown
            explanations.move_to_end(card["uuid"])
        while len(explanations) > 1000:
            explanations.popitem(last=False)

    def check_auth(request: Request) -> None:
        if auth is not None:
            verify_bearer(request.headers.get("authorization"), config=auth, audience=f"{base_url}{request.url.path}")

    async def discovery(request: Request) -> JSONResponse:
        return JSONResponse({"services": [s.discovery() for s in services.values()]})

    async def body_of(request: Request) -> Any:
        raw = await request.body()
        if len(raw) > _MAX_BODY:
            raise GlrError(f"the request body is larger than {_MAX_BODY} bytes.", source="CDS Hooks request")
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise GlrError(f"the request body is not JSON: {exc}.", source="CDS Hooks request") from None

    def check_request(service: HookService, body: Any) -> None:
        if not isinstance(body, dict) or body.get("hook") != service.hook or not isinstance(body.get("context"), dict):
            raise GlrError(f"expected a CDS Hooks '{service.hook}' request with a context object.", source="CDS Hooks request")
        if body.get("fhirAuthorization") is not None and not isinstance(body.get("fhirServer"), str):
            raise GlrError("fhirAuthorization is given without a fhirServer (CDS Hooks invariant cds-r-1).", source="CDS Hooks request")
        if body.get("prefetch") is not None and not isinstance(body.get("prefetch"), dict):
            raise GlrError("prefetch must be a JSON object.", source="CDS Hooks request")

    def reason(service: HookService, body: Any, fetched: dict[str, Any]):
        base = body.get("fhirServer").rstrip("/") + "/" if isinstance(body.get("fhirServer"), str) else ""
        prefetch = {**(body.get("prefetch") or {}), **fetched}
        assembled = assemble_bundle(body["context"], prefetch, today=today(), base=base)
        imported = import_fhir_bytes(json.dumps(assembled.bundle).encode(), source="CDS Hooks prefetch", set_aside_unread=True)
        result = recommend(imported.graph, kb=kb, engine=engine, source=f"CDS Hooks {service.id}")
        if not result.validation.conforms:
            raise GlrError("the record does not make a valid case: " + " ".join(result.validation.to_text().split())[:600], source="CDS Hooks prefetch")
        return assembled, result, tuple(d.text() for d in imported.set_aside)

    def of_module(result, module_iri: str | None):
        if module_iri is None:
            return result
        from dataclasses import replace

        keep = lambda items: tuple(r for r in items if r.rule and str(kb.rule(r.rule).module) == module_iri)  # noqa: E731
        return replace(result, recommendations=keep(result.recommendations), not_recommended=keep(result.not_recommended),
                       cautions=keep(result.cautions), information_needs=keep(result.information_needs), assessments=keep(result.assessments))

    async def call(request: Request) -> JSONResponse:
        service = services.get(request.path_params["service"])
        if service is None:
            return JSONResponse({"error": f"no CDS service '{request.path_params['service']}'."}, status_code=404)
        try:
            check_auth(request)
            body = await body_of(request)
            check_request(service, body)
            already = body.get("prefetch") or {}
            missing = tuple(k for k in PREFETCH if already.get(k) is None)
            fetched = await fetch_missing(body, PREFETCH, missing, allowed=allowed, transport=transport)
            assembled, full, set_aside = reason(service, body, fetched)
        except AuthError as exc:
            return JSONResponse({"error": str(exc)}, status_code=401)
        except GlrError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        result = of_module(full, service.module_iri)
        own = [m.label for m in kb.modules if str(m.iri) == service.module_iri]
        label = own[0] if own else kb.modules[0].label if len(kb.modules) == 1 else "glr guideline modules"
        patient_id = body["context"]["patientId"]
        if service.hook == "patient-view" or service.module_iri is not None:
            cards = plan_cards(result, service=service.id, module_label=label, base_url=base_url, missing=assembled.missing,
                               suggestions=orders.suggestions(patient_id, f"{service.id}|{result.case}"))
        else:
            cards = []
            drafts = body["context"].get("draftOrders") or {}
            selections = body["context"].get("selections")
            for entry in drafts.get("entry", []) if isinstance(drafts, dict) else []:
                res = entry.get("resource") if isinstance(entry, dict) else None
                if not isinstance(res, dict) or res.get("resourceType") not in ("ServiceRequest", "MedicationRequest"):
                    continue
                ref = f"{res['resourceType']}/{res.get('id')}"
                if service.hook == "order-select" and isinstance(selections, list) and ref not in selections:
                    continue
                medication = res["resourceType"] == "MedicationRequest"
                codes = orders.by_drug_code if medication else orders.by_code
                concept = res.get("medicationCodeableConcept" if medication else "code")
                for coding in (concept if isinstance(concept, dict) else {}).get("coding", []):
                    ids, display = codes.get((str(coding.get("system")), str(coding.get("code"))), ([], ""))
                    cards += order_cards(result, service=service.id, module_label=label, base_url=base_url, order_ref=ref,
                                         order_label=display or ref, catalogue_ids=ids, missing=assembled.missing)
        if assembled.missing:
            cards.append(missing_data_card(service=service.id, case=result.case, kb_version=result.knowledge_base_version,
                                           module_label=label, base_url=base_url, missing=assembled.missing))
        attributed = tuple(d.text() for d in assembled.attributed)
        if set_aside or attributed:
            cards.append(set_aside_card(service=service.id, case=result.case, kb_version=result.knowledge_base_version,
                                        module_label=label, base_url=base_url, defects=set_aside, attributed=attributed))
        remember(cards, render_markdown(full))
        if feedback is not None:
            feedback.issued(service.id, cards)
        return JSONResponse({"cards": [c for _, c in cards]})

    async def explanation(request: Request) -> PlainTextResponse:
        text = explanations.get(request.path_params["card"])
        if text is None:
            return PlainTextResponse("No explanation is held for this card (the service keeps the latest 1000).\n", status_code=404)
        return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")

    async def record_feedback(request: Request) -> JSONResponse:
        if request.path_params["service"] not in services:
            return JSONResponse({"error": "no such CDS service."}, status_code=404)
        try:
            check_auth(request)
            body = await body_of(request)
            if feedback is None:
                return JSONResponse({"error": "this service was started without a feedback log (--feedback-db)."}, status_code=404)
            count = feedback.record(request.path_params["service"], body)
        except AuthError as exc:
            return JSONResponse({"error": str(exc)}, status_code=401)
        except GlrError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"recorded": count})

    return Starlette(routes=[
        Route("/cds-services", discovery, methods=["GET"]),
        Route("/cds-services/{service}", call, methods=["POST"]),
        Route("/cds-services/{service}/feedback", record_feedback, methods=["POST"]),
        Route("/explanations/{card}", explanation, methods=["GET"]),
    ])
