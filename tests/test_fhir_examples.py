"""Real data no one here wrote: the official FHIR R4 examples import with no traceback (issue 14).

Each file of tests/data/fhir-r4-examples/ (origin and licence in its
README) must give exit 0, or exit 2 with a one-paragraph message.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reasoner.cli import main

EXAMPLES = sorted((Path(__file__).resolve().parent / "data" / "fhir-r4-examples").glob("*.json"))


def test_the_subset_is_there() -> None:
    kinds = {p.name.split("-")[0] for p in EXAMPLES}
    assert {"Patient", "Condition", "Observation", "Procedure", "MedicationStatement", "MedicationRequest", "ImagingStudy", "DiagnosticReport", "Bundle"} <= kinds
    assert len(EXAMPLES) > 250


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_imports_or_says_why(path: Path, tmp_path: Path, capsys) -> None:
    code = main(["import", "fhir", str(path), "-o", str(tmp_path / "case.ttl")])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if code == 0:
        assert (tmp_path / "case.ttl").read_text(encoding="utf-8").count("glr:Case") == 1
    else:
        assert code == 2
        assert err.startswith(f"glr: error: {path}: ") and err.count("\n") == 1, err


def test_patient_examples_become_cases(tmp_path: Path) -> None:
    patients = [p for p in EXAMPLES if p.name.startswith("Patient-")]
    assert patients and all(main(["import", "fhir", str(p), "-o", str(tmp_path / "case.ttl")]) == 0 for p in patients)
