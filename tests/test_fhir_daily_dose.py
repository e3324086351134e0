"""Generic FHIR dose normalisation: dose x frequency / period -> doses per day and mg per dose.

Why: the daily amount of a drug is computed from FHIR Dosage in SPARQL (a
module's mapping rule reads the generic UCUM time-unit table in
reasoner/fhir/maps/ucum-time-units.ttl). These cases pin the arithmetic on
both engines: periods in hours, days and weeks, frequencyMax, a dose range
(its high end), a dose already in mg, and a unit not in the table (then
nothing is computed: the daily amount stays unknown, never a guess).
The module used is the one that reads dosage (queries/opioids-cdc2022/fhir/);
the drug is RxNorm 1049621, oxycodone hydrochloride 5 MG oral tablet.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest
from rdflib import Graph, URIRef

from reasoner.fhir import import_fhir_bytes

OC = "https://w3id.org/glr/kb/opioids-cdc2022#"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def _order(ident: str, dosage: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": f"urn:test:MedicationRequest/{ident}", "resource": {
        "resourceType": "MedicationRequest", "id": ident, "status": "active", "intent": "order",
        "subject": {"reference": "Patient/p"}, "authoredOn": "2026-11-20",
        "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "1049621"}]},
        "dosageInstruction": [dosage]}}


def _bundle(*orders: dict[str, Any]) -> bytes:
    return json.dumps({"resourceType": "Bundle", "type": "collection", "timestamp": "2026-11-24T00:00:00Z", "entry": [
        {"fullUrl": "urn:test:Patient/p", "resource": {"resourceType": "Patient", "id": "p"}}, *orders,
    ]}).encode()


def _component(graph: Graph, ident: str) -> dict[str, str]:
    """The dose component of the order made from MedicationRequest ``ident`` (one at most)."""
    order = URIRef(f"urn:test:MedicationRequest/{ident}#medication-order")
    comps = list(graph.objects(order, URIRef(OC + "hasDoseComponent")))
    if not comps:
        return {}
    (comp,) = comps
    return {p: str(graph.value(comp, URIRef(OC + p))) for p in ("mgPerDose", "dosesPerDay", "conversionFactor") if graph.value(comp, URIRef(OC + p)) is not None}


def _tablets(n: float) -> dict[str, Any]:
    return {"doseQuantity": {"value": n, "unit": "tablet", "system": "http://unitsofmeasure.org", "code": "{tablet}"}}


CASES = [
    ("three times a day", {"timing": {"repeat": {"frequency": 3, "period": 1.0, "periodUnit": "d"}}, "doseAndRate": [_tablets(2.0)]},
     {"mgPerDose": "10", "dosesPerDay": "3", "conversionFactor": "1.5"}),
    ("every 6 hours", {"timing": {"repeat": {"frequency": 1, "period": 6, "periodUnit": "h"}}, "doseAndRate": [_tablets(1)]},
     {"mgPerDose": "5", "dosesPerDay": "4", "conversionFactor": "1.5"}),
    ("14 a week", {"timing": {"repeat": {"frequency": 14, "period": 1, "periodUnit": "wk"}}, "doseAndRate": [_tablets(1)]},
     {"mgPerDose": "5", "dosesPerDay": "2", "conversionFactor": "1.5"}),
    ("frequencyMax wins", {"timing": {"repeat": {"frequency": 1, "frequencyMax": 4, "period": 1, "periodUnit": "d"}}, "doseAndRate": [_tablets(1)]},
     {"mgPerDose": "5", "dosesPerDay": "4", "conversionFactor": "1.5"}),
    ("dose range: its high end", {"timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
      "doseAndRate": [{"doseRange": {"low": {"value": 1, "unit": "tablet"}, "high": {"value": 1.5, "unit": "tablet"}}}]},
     {"mgPerDose": "7.5", "dosesPerDay": "2", "conversionFactor": "1.5"}),
    ("dose already in mg", {"timing": {"repeat": {"frequency": 3, "period": 1, "periodUnit": "d"}},
      "doseAndRate": [{"doseQuantity": {"value": 10, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}}]},
     {"mgPerDose": "10", "dosesPerDay": "3", "conversionFactor": "1.5"}),
    ("no timing: once a day", {"doseAndRate": [_tablets(1)]}, {"mgPerDose": "5", "dosesPerDay": "1", "conversionFactor": "1.5"}),
    ("three a day: two decimals", {"timing": {"repeat": {"frequency": 1, "period": 8, "periodUnit": "h"}}, "doseAndRate": [_tablets(1)]},
     {"mgPerDose": "5", "dosesPerDay": "3", "conversionFactor": "1.5"}),
    ("every 7 hours: rounded to two decimals", {"timing": {"repeat": {"frequency": 1, "period": 7, "periodUnit": "h"}}, "doseAndRate": [_tablets(1)]},
     {"mgPerDose": "5", "dosesPerDay": "3.43", "conversionFactor": "1.5"}),
    ("unit not in the table: unknown", {"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "fortnight"}}, "doseAndRate": [_tablets(1)]}, {}),
    ("no dose: unknown", {"timing": {"repeat": {"frequency": 3, "period": 1, "periodUnit": "d"}}}, {}),
]


@functools.lru_cache(maxsize=2)
def _all_cases_imported(engine: str) -> Graph:
    """Every case as its own MedicationRequest in one bundle, imported once per engine.

    Why one bundle: an rdflib import costs about a second whatever the bundle's
    size (its mapping queries read the code maps); each order is mapped from
    its own resource alone, and test_one_order_alone_gives_what_it_gives_among_the_others
    shows an order gives the same alone as among the others.
    """
    orders = [_order(f"m{i}", dosage) for i, (_, dosage, _) in enumerate(CASES)]
    return import_fhir_bytes(_bundle(*orders), source="daily-dose-cases", engine=engine).graph


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize(("index", "case"), list(enumerate(CASES)), ids=[c[0] for c in CASES])
def test_daily_dose(index: int, case: tuple[str, dict[str, Any], dict[str, str]], engine: str) -> None:
    _name, _dosage, expected = case
    assert _component(_all_cases_imported(engine), f"m{index}") == expected


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_one_order_alone_gives_what_it_gives_among_the_others(engine: str) -> None:
    for index in (0, len(CASES) - 2):  # a computed dose and an unknown one
        alone = import_fhir_bytes(_bundle(_order(f"m{index}", CASES[index][1])), source="alone", engine=engine).graph
        assert _component(alone, f"m{index}") == _component(_all_cases_imported(engine), f"m{index}") == CASES[index][2]
