"""FHIR out: the plan as a FHIR R4 RequestGroup plus Provenance, in a collection Bundle.

Why: an EHR stores and displays requests, not our JSON. A RequestGroup is
what ``PlanDefinition/$apply`` returns; each recommendation becomes one
action (title, text, priority, the evidence as RelatedArtifacts), the
not-indicated results and cautions become notes, and a Provenance names
the rules, the knowledge-base version and every FHIR resource (or case
node) the premises rest on. Output is deterministic: the same result gives
the same bytes (uuids from content, ``recorded`` = the as-of date).
Each interaction between two results (or a result and a case fact) becomes a
DetectedIssue (issue 16), naming both sides - a case fact by the FHIR
resource it came from - and every evidence statement behind it.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from rdflib import URIRef

from ..results import Evidence, RecommendationResult
from ...vocab import PROV

if TYPE_CHECKING:
    from ..interactions import InteractionSide

__all__ = ["plan_bundle", "render_fhir"]

_NS = uuid.UUID("0f6a7c2e-6b1f-5d4e-8a43-676c722d6f75")


def _urn(*parts: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_NS, '|'.join(parts))}"


def _artifact(e: Evidence) -> dict[str, Any]:
    refs = ", ".join(str(n) for n in e.reference) or "no reference number"
    display = f"{e.statement} ({e.source}, ref {refs}; certainty: {e.certainty})"
    if e.conflicts_with:
        display += f"; conflicts with {', '.join(e.conflicts_with)}"
    return {"type": "citation", "label": e.id, "display": display}


def _sources(result: RecommendationResult) -> list[dict[str, Any]]:
    """Every record the premises rest on: its FHIR resource when imported, else the case node."""
    graph = result.case_graph
    seen: dict[str, dict[str, Any]] = {}
    for group in (result.recommendations, result.not_recommended, result.cautions, result.assessments, result.interactions):
        for r in group:
            for p in r.premises:
                derived = sorted(str(o) for o in graph.objects(URIRef(p.subject), PROV.wasDerivedFrom))
                for src in derived or [p.subject]:
                    label = graph.value(URIRef(src), URIRef("http://www.w3.org/2000/01/rdf-schema#label"))
                    # an imported fact points at its FHIR resource; a hand-written case node is named by its IRI
                    what: dict[str, Any] = {"reference": src} if derived else {"identifier": {"system": "urn:ietf:rfc:3986", "value": src}}
                    if label is not None:
                        what["display"] = str(label)
                    seen.setdefault(src, {"role": "source", "what": what})
    return [seen[k] for k in sorted(seen)]


#: interaction kind → DetectedIssue.severity (high | moderate | low)
_SEVERITY = {"contradiction": "high", "compounding-harm": "high", "repeated-action": "low", "alternative-actions": "low"}
INTERACTION_SYSTEM = "https://w3id.org/glr/fhir/CodeSystem/interaction-kind"


def _implicated(side: InteractionSide, result: RecommendationResult) -> list[dict[str, Any]]:
    """A result side by its catalogue id; a case-fact side by the FHIR resources it came from (its provenance), else its IRI."""
    if side.case_fact is None:
        return [{"identifier": {"system": "https://w3id.org/glr/catalogue-id", "value": side.id}, "display": f"{side.label} ({side.module})"}]
    derived = sorted(str(o) for o in result.case_graph.objects(URIRef(side.case_fact), PROV.wasDerivedFrom))
    if derived:
        return [{"reference": src, "display": side.label} for src in derived]
    return [{"identifier": {"system": "urn:ietf:rfc:3986", "value": side.case_fact}, "display": side.label}]


def _detected_issues(result: RecommendationResult, seed: str, patient: dict[str, Any] | None) -> list[tuple[str, dict[str, Any]]]:
    """(fullUrl, DetectedIssue) per interaction: its kind, both sides, the case facts and the evidence."""
    out = []
    for x in result.interactions:
        url = _urn(seed, "DetectedIssue", x.id)
        reasons = " ".join(f"{s.label} ({s.module or 'in the patient record'}): {s.text}" for s in x.sides)
        if x.conditional:
            reasons += " Conditional: only if " + "; ".join(f"{f.label} is still taken (not recorded)" for f in x.case_facts) + "."
        issue: dict[str, Any] = {
            "resourceType": "DetectedIssue",
            "id": url.rsplit(":", 1)[-1],
            "status": "preliminary",
            "code": {"coding": [{"system": INTERACTION_SYSTEM, "code": x.kind, "display": x.label}], "text": x.label},
            "severity": _SEVERITY.get(x.kind, "moderate"),
            "identifiedDateTime": f"{result.as_of.date.isoformat()}T00:00:00Z",
            "implicated": [ref for s in x.sides for ref in _implicated(s, result)],
            "detail": f"{x.text} {reasons}",
            "evidence": [{"detail": [{"display": _artifact(e)["display"]}]} for e in x.evidence]
            + [{"detail": [{"display": p.text}]} for p in x.premises],
        }
        if patient:
            issue["patient"] = patient
        out.append((url, issue))
    return out


def plan_bundle(result: RecommendationResult) -> dict[str, Any]:
    """The collection Bundle: RequestGroup + Provenance."""
    seed = f"{result.case}|{result.as_of.date.isoformat()}|{result.knowledge_base_version}"
    rg_url, prov_url = _urn(seed, "RequestGroup"), _urn(seed, "Provenance")
    patient = None
    for s in result.case_graph.subjects(URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), URIRef("https://w3id.org/glr/ontology#Patient")):
        derived = result.case_graph.value(s, PROV.wasDerivedFrom)
        patient = {"reference": str(derived)} if derived is not None else {"display": str(result.case_graph.value(s, URIRef("http://www.w3.org/2000/01/rdf-schema#label")) or s)}
    actions = []
    for r in result.recommendations:
        action: dict[str, Any] = {
            "id": r.id,
            "title": r.label,
            "priority": r.fhir_request_priority,
            "documentation": [_artifact(e) for e in r.evidence],
        }
        if r.text:
            action["description"] = r.text
        reasons = [p.text for p in r.premises]
        if reasons:
            action["textEquivalent"] = "Because: " + "; ".join(reasons)
        actions.append(action)
    notes = [{"text": f"Not indicated now: {r.label} — " + "; ".join(f"{x.text}: {x.state}" for x in r.reasons)} for r in result.not_recommended]
    notes += [{"text": f"Caution: {c.label} — {c.text}"} for c in result.cautions]
    notes += [{"text": f"Not documented: {n.label} (would change {', '.join(n.affects) or '—'})"} for n in result.information_needs]
    request_group: dict[str, Any] = {
        "resourceType": "RequestGroup",
        "id": rg_url.rsplit(":", 1)[-1],
        "status": "draft",
        "intent": "proposal",
        "authoredOn": f"{result.as_of.date.isoformat()}T00:00:00Z",
        "action": actions,
    }
    if patient:
        request_group["subject"] = patient
    if notes:
        request_group["note"] = notes
    rules = sorted({rid for group in (result.recommendations, result.not_recommended, result.cautions, result.assessments, result.information_needs) for r in group for rid in r.rules})
    provenance = {
        "resourceType": "Provenance",
        "id": prov_url.rsplit(":", 1)[-1],
        "target": [{"reference": rg_url}],
        "recorded": f"{result.as_of.date.isoformat()}T00:00:00Z",
        "agent": [{"who": {"display": f"glr guideline reasoner, knowledge base {result.knowledge_base_version}, engine {result.engine}"}}],
        "entity": _sources(result) + [{"role": "derivation", "what": {"display": f"glr rule {rid}"}} for rid in rules],
    }
    if not provenance["entity"]:
        del provenance["entity"]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": f"{result.as_of.date.isoformat()}T00:00:00Z",
        "entry": [{"fullUrl": rg_url, "resource": request_group}, {"fullUrl": prov_url, "resource": provenance}]
        + [{"fullUrl": url, "resource": issue} for url, issue in _detected_issues(result, seed, patient)],
    }


def render_fhir(result: RecommendationResult) -> str:
    return json.dumps(plan_bundle(result), indent=2, ensure_ascii=False) + "\n"
