"""FHIR R4 import (issue 14): the seed case as a Bundle, three-valued findings, provenance, reports, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.compare import isomorphic

from reasoner import recommend
from reasoner.cli import main
from reasoner.errors import InputError
from reasoner.fhir import FhirStructureError, import_fhir_bytes
from reasoner.vocab import GLR, PROV, RDF

ROOT = Path(__file__).resolve().parent.parent
SEED_BUNDLE = ROOT / "examples" / "fhir" / "seed-case.json"
SEED_TTL = ROOT / "examples" / "seed-case.ttl"


def _plan(result) -> dict:
    """What a clinician acts on: ids, priorities, reasons, what is missing — not labels or IRIs."""
    return {
        "recommendations": [(r.id, r.priority) for r in result.recommendations],
        "not_recommended": [(r.id, tuple((x.condition, x.state) for x in r.reasons)) for r in result.not_recommended],
        "cautions": [c.id for c in result.cautions],
        "information_needs": [(n.id, n.affects) for n in result.information_needs],
        "assessments": [a.id for a in result.assessments],
    }


def _seed() -> dict:
    return json.loads(SEED_BUNDLE.read_text(encoding="utf-8"))


def _import(bundle: dict, **kwargs):
    return import_fhir_bytes(json.dumps(bundle).encode(), source="test-bundle.json", **kwargs)


def _entry(bundle: dict, resource_id: str) -> dict:
    return next(e["resource"] for e in bundle["entry"] if e["resource"].get("id") == resource_id)


FHIR_EXAMPLES = sorted((ROOT / "examples" / "fhir").glob("*.json"))


def test_every_turtle_example_has_a_fhir_twin() -> None:
    assert {p.stem for p in FHIR_EXAMPLES} == {p.stem for p in (ROOT / "examples").glob("*.ttl")}


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
def test_seed_bundle_gives_the_seed_plan(kb, engine: str) -> None:
    from_fhir = recommend(SEED_BUNDLE, kb=kb, engine=engine)
    from_turtle = recommend(SEED_TTL, kb=kb, engine=engine)
    assert from_fhir.validation.conforms, from_fhir.validation.to_text()
    assert _plan(from_fhir) == _plan(from_turtle)


@pytest.mark.parametrize("bundle", FHIR_EXAMPLES, ids=lambda p: p.stem)
def test_each_fhir_example_gives_its_turtle_twins_plan_and_maps_everything(bundle: Path, kb) -> None:
    from_fhir = recommend(bundle, kb=kb, engine="oxigraph")
    assert from_fhir.validation.conforms, from_fhir.validation.to_text()
    assert _plan(from_fhir) == _plan(recommend(ROOT / "examples" / f"{bundle.stem}.ttl", kb=kb, engine="oxigraph"))
    imported = import_fhir_bytes(bundle.read_bytes(), source=str(bundle))
    assert imported.unmapped == () and imported.partial_dates == ()
    assert set(imported.graph) == set(import_fhir_bytes(bundle.read_bytes(), source=str(bundle), engine="rdflib").graph)


def test_every_premise_names_its_fhir_resource(kb) -> None:
    result = recommend(SEED_BUNDLE, kb=kb)
    premises = [p for group in (result.recommendations, result.not_recommended, result.cautions, result.assessments) for r in group for p in r.premises]
    assert premises
    for p in premises:
        assert "[from " in p.text, p.text
    texts = {p.text for p in premises}
    assert any("Condition/cervical-stenosis" in t for t in texts)
    assert any("ImagingStudy/lumbar-ct, dated 2026-06-20" in t for t in texts)


def test_every_case_fact_is_derived_from_a_resource_and_iris_come_from_fullurl() -> None:
    imported = _import(_seed())
    full_urls = {e["fullUrl"] for e in _seed()["entry"]}
    glr_nodes = {s for s, o in imported.graph.subject_objects(RDF.type) if str(o).startswith(str(GLR))}
    assert glr_nodes
    for node in glr_nodes:
        sources = set(imported.graph.objects(node, PROV.wasDerivedFrom))
        assert sources, f"{node} has no prov:wasDerivedFrom"
        if not (node, RDF.type, GLR.Case) in imported.graph:
            assert str(node).split("#")[0] in full_urls
    assert not any(isinstance(t, BNode) for triple in imported.graph for t in triple)


def test_import_is_deterministic_and_engine_independent() -> None:
    data = SEED_BUNDLE.read_bytes()
    first = import_fhir_bytes(data, source="a").graph
    again = import_fhir_bytes(data, source="b").graph
    by_rdflib = import_fhir_bytes(data, source="c", engine="rdflib").graph
    assert set(first) == set(again)
    assert isomorphic(first, by_rdflib) and set(first) == set(by_rdflib)


def test_refuted_condition_is_absent_and_unconfirmed_is_unknown() -> None:
    bundle = _seed()
    _entry(bundle, "cervical-stenosis")["verificationStatus"]["coding"][0]["code"] = "refuted"
    del _entry(bundle, "cervical-stenosis")["clinicalStatus"]  # FHIR: a refuted condition has no clinical status
    graph = _import(bundle).graph
    assert set(graph.objects(None, GLR.status)) >= {GLR.Absent}
    assert (None, RDF.type, GLR.CervicalStenosis) in graph
    stenosis = next(graph.subjects(RDF.type, GLR.CervicalStenosis))
    assert graph.value(stenosis, GLR.status) == GLR.Absent

    for code in ("unconfirmed", "provisional", "differential"):
        bundle = _seed()
        _entry(bundle, "cervical-stenosis")["verificationStatus"]["coding"][0]["code"] = code
        imported = _import(bundle)
        assert (None, RDF.type, GLR.CervicalStenosis) not in imported.graph, code
        assert "Condition/cervical-stenosis" in [u.name for u in imported.unmapped]


def test_missing_verification_status_or_resolved_condition_is_unknown_not_absent() -> None:
    bundle = _seed()
    del _entry(bundle, "cervical-stenosis")["verificationStatus"]
    assert (None, RDF.type, GLR.CervicalStenosis) not in _import(bundle).graph
    bundle = _seed()
    _entry(bundle, "cervical-stenosis")["clinicalStatus"]["coding"][0]["code"] = "resolved"
    assert (None, RDF.type, GLR.CervicalStenosis) not in _import(bundle).graph


def test_observation_data_absent_reason_or_no_value_is_unknown() -> None:
    bundle = _seed()
    obs = _entry(bundle, "new-motor-weakness")
    del obs["valueBoolean"]
    obs["dataAbsentReason"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason", "code": "asked-unknown"}]}
    assert (None, RDF.type, GLR.NewMotorWeakness) not in _import(bundle).graph
    bundle = _seed()
    del _entry(bundle, "new-motor-weakness")["valueBoolean"]
    assert (None, RDF.type, GLR.NewMotorWeakness) not in _import(bundle).graph
    bundle = _seed()
    _entry(bundle, "new-motor-weakness")["status"] = "preliminary"
    assert (None, RDF.type, GLR.NewMotorWeakness) not in _import(bundle).graph


def test_unknown_finding_becomes_an_information_need_not_an_absence(kb) -> None:
    """Dropping the explicit absence of new weakness must not read as 'no weakness'."""
    bundle = _seed()
    for rid in ("new-motor-weakness", "new-sensory-deficit"):
        _entry(bundle, rid)["dataAbsentReason"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason", "code": "not-asked"}]}
        del _entry(bundle, rid)["valueBoolean"]
    graph = _import(bundle).graph
    assert GLR.Absent not in {graph.value(s, GLR.status) for s in graph.subjects(RDF.type, GLR.NewMotorWeakness)}
    with_absence = recommend(SEED_BUNDLE, kb=kb)
    without = recommend(graph, kb=kb, source="modified bundle")
    assert _plan(with_absence) != _plan(without)


def test_partial_date_is_reported_and_never_guessed() -> None:
    bundle = _seed()
    _entry(bundle, "back-pain")["onsetDateTime"] = "2026-02"
    imported = _import(bundle)
    pain = next(imported.graph.subjects(RDF.type, GLR.PersistentBackPain))
    assert imported.graph.value(pain, GLR.onsetDate) is None
    assert ("Condition/back-pain", "Condition.onsetDateTime", "2026-02") in imported.partial_dates
    assert "Partial date 2026-02 in Condition/back-pain" in imported.summary()


def test_unmapped_resources_are_reported_in_summary_and_json(tmp_path, capsys) -> None:
    bundle = _seed()
    bundle["entry"].append({
        "fullUrl": "urn:uuid:6f1c2a8e-0099-4c2b-9b1e-5eed0000c0de",
        "resource": {"resourceType": "AllergyIntolerance", "id": "peanut", "patient": {"reference": bundle["entry"][0]["fullUrl"]}},
    })
    path = tmp_path / "with-allergy.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    assert main(["recommend", str(path), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["fhir_import"]["unmapped_resources"] == [
        {"resource": "AllergyIntolerance/peanut", "resourceType": "AllergyIntolerance", "fullUrl": "urn:uuid:6f1c2a8e-0099-4c2b-9b1e-5eed0000c0de"}
    ]
    assert main(["import", "fhir", str(path), "-o", str(tmp_path / "case.ttl")]) == 0
    err = capsys.readouterr().err
    assert "Not mapped (1): AllergyIntolerance/peanut" in err


def test_import_command_writes_a_case_with_the_same_plan(tmp_path, capsys, kb) -> None:
    out = tmp_path / "case.ttl"
    assert main(["import", "fhir", str(SEED_BUNDLE), "-o", str(out)]) == 0
    assert "12 resource(s) mapped" in capsys.readouterr().err
    assert _plan(recommend(out, kb=kb)) == _plan(recommend(SEED_TTL, kb=kb))


def test_invalid_bundle_exits_2_naming_fullurl_and_element_path(tmp_path, capsys) -> None:
    bundle = _seed()
    _entry(bundle, "cervical-stenosis")["onsetDateTime"] = "2026-13-45"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    for argv in (["import", "fhir", str(path)], ["recommend", str(path)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "urn:uuid:6f1c2a8e-0004-4c2b-9b1e-5eed0000c0de" in err
        assert "Condition.onsetDateTime" in err
        assert "Traceback" not in err and err.count("\n") == 1


def test_wrong_type_in_nested_element_names_its_path() -> None:
    bundle = _seed()
    _entry(bundle, "back-pain")["code"]["coding"][0]["code"] = 961
    with pytest.raises(FhirStructureError) as caught:
        _import(bundle)
    assert "Condition.code.coding[0].code" in str(caught.value)


def test_bundle_without_a_patient_is_refused_clearly() -> None:
    bundle = _seed()
    bundle["entry"] = bundle["entry"][1:]
    with pytest.raises(InputError, match="holds no Patient resource"):
        _import(bundle)


def test_api_reads_fhir_by_resource_type_not_extension(tmp_path, kb) -> None:
    path = tmp_path / "seed.json"
    path.write_bytes(SEED_BUNDLE.read_bytes())
    assert recommend(path, kb=kb).recommendations


def test_a_bundle_that_does_not_make_a_valid_case_exits_1_and_still_reports_the_import(tmp_path, capsys) -> None:
    bundle = _seed()
    del _entry(bundle, "lumbar-fusion")["performedDateTime"]  # a fusion needs its date (shape), and FHIR lets it be absent
    path = tmp_path / "undated-fusion.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    assert main(["recommend", str(path), "--format", "json"]) == 1
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["validation"]["conforms"] is False and document["fhir_import"]["unmapped_resources"] == []
    assert "lumbar fusion has no date" in captured.err


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_an_import_leaves_nothing_behind_for_the_next(engine: str) -> None:
    """Both engines lend a store or graph that already holds the code maps (reasoner/fhir/mapping.py):
    one bundle's view and facts must never reach the next bundle's import."""
    seed, other = SEED_BUNDLE.read_bytes(), (ROOT / "examples" / "fhir" / "worsening-with-new-weakness.json").read_bytes()
    other_first = set(import_fhir_bytes(other, source="other", engine=engine).graph)
    seed_first = set(import_fhir_bytes(seed, source="seed", engine=engine).graph)
    other_again = set(import_fhir_bytes(other, source="other", engine=engine).graph)
    seed_again = set(import_fhir_bytes(seed, source="seed", engine=engine).graph)
    assert other_again == other_first and seed_again == seed_first
    assert seed_first != other_first
