"""The `glr` command: outputs and documented exit codes (0, 1, 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph

from reasoner.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEED = str(ROOT / "examples" / "seed-case.ttl")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_recommend_markdown_is_a_plan(capsys) -> None:
    code, out, err = run(capsys, "recommend", SEED)
    assert code == 0, err
    assert "As-of date: 2026-11-24 (from the case graph)" in out
    assert "## Recommended next steps" in out and "Because:" in out and "Evidence [ref" in out


def test_recommend_json_contract(capsys) -> None:
    code, out, _ = run(capsys, "recommend", SEED, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert {"case", "as_of", "knowledge_base", "validation", "recommendations", "not_recommended", "cautions", "information_needs"} <= set(data)
    assert set(data["knowledge_base"]) >= {"version"}
    assert set(data["validation"]) >= {"conforms", "warnings"}
    for rec in data["recommendations"]:
        assert {"id", "label", "priority", "rule", "premises", "evidence"} <= set(rec)
        assert rec["premises"] and rec["evidence"]
        for p in rec["premises"]:
            assert {"subject", "property", "value"} <= set(p)
        for e in rec["evidence"]:
            assert {"statement", "source", "reference"} <= set(e)
    for n in data["not_recommended"]:
        assert {"id", "reasons"} <= set(n)
    for c in data["cautions"]:
        assert {"id", "text", "evidence"} <= set(c)
    for i in data["information_needs"]:
        assert {"id", "affects"} <= set(i)


def test_as_of_override_is_stated(capsys) -> None:
    code, out, _ = run(capsys, "recommend", SEED, "--format", "json", "--as-of", "2026-12-01")
    assert code == 0
    data = json.loads(out)
    assert data["as_of"] == "2026-12-01" and data["as_of_source"] == "command line"


@pytest.mark.parametrize("fmt", ["turtle", "jsonld"])
def test_recommend_rdf_outputs_load_as_prov_derivations(capsys, fmt: str) -> None:
    code, out, _ = run(capsys, "recommend", SEED, "--format", fmt, "--engine", "oxigraph")
    assert code == 0
    g = Graph().parse(data=out, format="turtle" if fmt == "turtle" else "json-ld")
    q = """PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX glr: <https://w3id.org/glr/ontology#>
    ASK { ?r a glr:Recommendation ; prov:wasGeneratedBy/prov:qualifiedAssociation/prov:hadPlan ?rule ; glr:premise ?p . }"""
    assert g.query(q).askAnswer


def test_validate_conforming_case_exits_0(capsys) -> None:
    code, out, _ = run(capsys, "validate", SEED)
    assert code == 0
    code, out, _ = run(capsys, "validate", SEED, "--format", "json")
    assert code == 0 and json.loads(out)["conforms"] is True


def test_invalid_cases_exit_1(capsys) -> None:
    invalid = sorted((ROOT / "examples" / "invalid").glob("*.ttl"))
    invalid = [p for p in invalid if p.name != "not-rdf.ttl"]
    assert invalid, "examples/invalid must hold failing cases"
    for path in invalid:
        code, out, err = run(capsys, "validate", str(path))
        assert code == 1, f"{path.name}: exit {code}\n{out}{err}"
        code, out, err = run(capsys, "recommend", str(path))
        assert code == 1, f"{path.name}: recommend exit {code}"
        assert "does not conform" in err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["recommend", "no-such-file.ttl"], "no such file"),
        (["recommend", SEED, "--as-of", "24/11/2026"], "YYYY-MM-DD"),
        (["recommend", str(ROOT / "README.md")], "cannot tell the RDF format"),
        (["recommend", SEED, "--engine", "jena"], "invalid choice"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_and_usage_exit_2(capsys, argv: list[str], needle: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert needle in err
    assert "Traceback" not in err


def test_not_rdf_file_names_the_file_and_line(capsys, tmp_path: Path) -> None:
    bad = tmp_path / "broken.ttl"
    bad.write_text("@prefix glr: <https://w3id.org/glr/ontology#> .\n\n:case a glr:Case ;;; oops\n", encoding="utf-8")
    code, _, err = run(capsys, "recommend", str(bad))
    assert code == 2
    assert "broken.ttl" in err and "turtle" in err
    assert err.count("\n") == 1, "one paragraph"


def test_console_script_runs_without_traceback(tmp_path: Path) -> None:
    """The installed entry point, as a user runs it, in a fresh process."""
    bad = tmp_path / "garbage.jsonld"
    bad.write_text("{not json", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "reasoner.cli", "recommend", str(bad)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "garbage.jsonld" in proc.stderr and "Traceback" not in proc.stderr
