"""The opioid module's copied IG data: requests repaired by exactly one brace, code data with its source.

Why: the conformance cases must be the guide's own, so the only change made
to them is checked here; and every value set, drug strength and conversion
factor must name the file it was transcribed from.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF

ROOT = Path(__file__).parents[1]
DATA = ROOT / "tests" / "data" / "opioid-cds-r4"
CODES = ROOT / "queries" / "opioids-cdc2022" / "fhir" / "codes"
OC = "https://w3id.org/glr/kb/opioids-cdc2022#"


@pytest.mark.parametrize("original", sorted((DATA / "original" / "requests").glob("*.json")), ids=lambda p: p.name)
def test_repaired_request_differs_only_by_stray_closing_braces(original: Path) -> None:
    """Most requests lose one stray `}`; five need two (tests/data/opioid-cds-r4/README.md); nothing else changes."""
    before = original.read_text(encoding="utf-8")
    after = (DATA / "requests" / original.name).read_text(encoding="utf-8")
    removed, i = [], 0
    for ch in before:
        if i < len(after) and after[i] == ch:
            i += 1
        else:
            removed.append(ch)
    assert i == len(after) and set(removed) <= {"}"} and len(removed) <= 2, original.name


def test_value_sets_and_factors_name_their_source() -> None:
    g = Graph()
    for name in ("value-sets.ttl", "mme-conversion-factors.ttl"):
        g.parse(CODES / name, format="turtle")
    for cls in (URIRef(OC + "ValueSet"), URIRef(OC + "ConversionFactor")):
        members = list(g.subjects(RDF.type, cls))
        assert members
        assert all(g.value(m, DCTERMS.source) is not None for m in members), cls
    header = (CODES.parent / "data" / "opioid-drug-strengths.ttl").read_text(encoding="utf-8")[:600]
    assert "input/cql/OMTKData.cql" in header and "b29bdcbf6db6" in header


def test_mapping_only_tables_stay_out_of_the_knowledge_base(kb) -> None:
    """fhir/data/ is read by the FHIR mapper only: the reasoner's knowledge base holds none of its 20,000 triples."""
    from reasoner.fhir.importer import default_mapping_set
    from reasoner.kb.knowledge import module_files

    module = ROOT / "queries" / "opioids-cdc2022"
    data = sorted((module / "fhir" / "data").glob("*.ttl"))
    assert data and not set(data) & set(module_files(module))
    assert set(data) <= set(default_mapping_set().data_files)
    assert (None, URIRef(OC + "memberOf"), None) not in kb.knowledge
    assert (None, URIRef(OC + "rxnormDrugCode"), None) not in kb.knowledge


_VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_CLIN = "http://terminology.hl7.org/CodeSystem/condition-clinical"


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
@pytest.mark.parametrize(("verification", "clinical", "recorded", "status"), [
    (None, "active", True, None),  # no verificationStatus: recorded, status unknown
    ("unconfirmed", "active", True, None),
    ("confirmed", "active", True, "Present"),
    ("refuted", None, True, "Absent"),
    (None, "resolved", False, None),  # not current: no record, as a confirmed one would not be present either
    ("confirmed", "resolved", False, None),
])
def test_a_condition_of_unknown_status_is_recorded_without_a_status(engine, verification, clinical, recorded, status) -> None:
    """Missing clinical data is unknown, never absent: the record stays, with no glr:status for rules to read as present."""
    import json

    from reasoner.fhir import import_fhir_bytes

    condition: dict = {"resourceType": "Condition", "id": "c", "subject": {"reference": "Patient/p"},
                       "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "F10"}]}}
    if verification:
        condition["verificationStatus"] = {"coding": [{"system": _VER, "code": verification}]}
    if clinical:
        condition["clinicalStatus"] = {"coding": [{"system": _CLIN, "code": clinical}]}
    bundle = {"resourceType": "Bundle", "type": "collection", "timestamp": "2026-11-24T00:00:00Z", "entry": [
        {"fullUrl": "urn:test:Patient/p", "resource": {"resourceType": "Patient", "id": "p"}},
        {"fullUrl": "urn:test:Condition/c", "resource": condition}]}
    graph = import_fhir_bytes(json.dumps(bundle).encode(), source="test", engine=engine).graph
    oc, glr = "https://w3id.org/glr/kb/opioids-cdc2022#", "https://w3id.org/glr/ontology#"
    conditions = list(graph.objects(None, URIRef(oc + "hasCondition")))
    assert bool(conditions) == recorded
    if recorded:
        (cond,) = conditions
        assert (cond, URIRef(oc + "inValueSet"), URIRef(oc + "vs-substance-misuse")) in graph
        found = graph.value(cond, URIRef(glr + "status"))
        assert (str(found).rsplit("#", 1)[-1] if found is not None else None) == status
