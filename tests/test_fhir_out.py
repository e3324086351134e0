"""`glr recommend --format fhir`: RequestGroup + Provenance, valid FHIR R4 (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

from reasoner import recommend
from reasoner.cli import main
from reasoner.pipeline.render.fhir import plan_bundle

ROOT = Path(__file__).resolve().parent.parent
CASES = sorted((ROOT / "examples").glob("*.ttl")) + sorted((ROOT / "examples" / "fhir").glob("*.json"))


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_plan_is_a_valid_fhir_bundle_with_request_group_and_provenance(case: Path, kb) -> None:
    result = recommend(case, kb=kb)
    bundle = plan_bundle(result)
    Bundle.model_validate(bundle)  # the same model library as the import check
    request_group, provenance, *issues = (e["resource"] for e in bundle["entry"])
    assert request_group["resourceType"] == "RequestGroup" and provenance["resourceType"] == "Provenance"
    assert [i["resourceType"] for i in issues] == ["DetectedIssue"] * len(result.interactions)  # one per interaction (issue 16)
    assert [a["id"] for a in request_group["action"]] == [r.id for r in result.recommendations]
    assert provenance["target"] == [{"reference": bundle["entry"][0]["fullUrl"]}]
    assert bundle == plan_bundle(recommend(case, kb=kb))  # deterministic


def test_provenance_names_the_fhir_resources_the_premises_rest_on(kb) -> None:
    bundle = plan_bundle(recommend(ROOT / "examples" / "fhir" / "seed-case.json", kb=kb))
    provenance = bundle["entry"][1]["resource"]
    displays = {e["what"].get("display") for e in provenance["entity"]}
    assert "Condition/cervical-stenosis" in displays
    assert any(e["what"].get("reference", "").startswith("urn:uuid:") for e in provenance["entity"])
    assert any(e["role"] == "derivation" and "cervical-mri" in e["what"]["display"] for e in provenance["entity"])


def test_recommend_format_fhir_on_the_command_line(capsys) -> None:
    assert main(["recommend", str(ROOT / "examples" / "seed-case.ttl"), "--format", "fhir"]) == 0
    Bundle.model_validate(json.loads(capsys.readouterr().out))
