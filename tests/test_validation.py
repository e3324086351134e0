"""Case validation: valid examples pass, each invalid example fails for its one reason.

The invalid examples in examples/invalid/ state their expected results in
their comment header, one line per expected result::

    # expect: Violation | <IRI of the focus node> | glr:date | fragment of the message

so each file is self-describing and this module finds them all by glob.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from reasoner.errors import EXIT_INPUT, InputError, KnowledgeBaseError
from reasoner.pipeline.loading import load_case
from reasoner.pipeline.validation import (
    Severity,
    ValidationReport,
    ValidationResult,
    load_case_shapes,
    validate_graph,
)
from reasoner.vocab import GLR, RDF

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
INVALID = EXAMPLES / "invalid"
NOT_RDF = {"not-rdf.ttl", "not-json.jsonld"}  # unreadable: refused by the loader (exit 2)
CASE_SUFFIXES = (".ttl", ".jsonld")

VALID_FILES = sorted(p for p in EXAMPLES.iterdir() if p.suffix in CASE_SUFFIXES)
INVALID_FILES = sorted(p for p in INVALID.iterdir() if p.suffix in CASE_SUFFIXES and p.name not in NOT_RDF)

_PREFIXES = {"glr": str(GLR), "rdf": str(RDF)}
_EXPECT = re.compile(r"^#\s*expect:\s*(\w+)\s*\|\s*(\S+)\s*\|\s*(\S+)\s*\|\s*(.+?)\s*$")


def _expand(text: str) -> str:
    """<IRI> or prefix:name (optionally with a leading ^ for an inverse path) to the report's form."""
    inverse = text.startswith("^")
    body = text[1:] if inverse else text
    if body.startswith("<") and body.endswith(">"):
        iri = body[1:-1]
    else:
        prefix, _, local = body.partition(":")
        iri = _PREFIXES[prefix] + local
    return f"^<{iri}>" if inverse else iri


def _expectations(path: Path) -> list[tuple[Severity, str, str, str, str]]:
    """(severity, focus IRI, path, path as written, message fragment) from the file's header.

    JSON has no comments: a .jsonld invalid example is the twin of the .ttl
    example with the same name and must fail in the same way.
    """
    if path.suffix == ".jsonld":
        path = path.with_suffix(".ttl")
        assert path.exists(), f"a JSON-LD invalid example needs a Turtle twin stating the expected result: {path.name}"
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _EXPECT.match(line)
        if match:
            severity, focus, prop, fragment = match.groups()
            found.append((Severity(severity), _expand(focus), _expand(prop), prop.lstrip("^"), fragment))
    return found



def _validate_file(path: Path, shapes: Graph, ontology: Graph) -> ValidationReport:
    loaded = load_case(path)
    return validate_graph(loaded.graph, shapes=shapes, ontology=ontology, source=loaded.source)


# --- valid and invalid examples -----------------------------------------------------


def test_there_are_examples_to_check() -> None:
    assert EXAMPLES / "seed-case.ttl" in VALID_FILES
    assert len(INVALID_FILES) >= 10


@pytest.mark.parametrize("path", VALID_FILES, ids=lambda p: p.name)
def test_example_conforms(path: Path, shapes: Graph, ontology: Graph) -> None:
    report = _validate_file(path, shapes, ontology)
    assert report.conforms, report.to_text()
    assert report.violations == ()


@pytest.mark.parametrize("path", VALID_FILES, ids=lambda p: p.name)
def test_example_conforms_through_the_pipeline(path: Path, kb: object) -> None:
    from reasoner import validate

    report = validate(path, kb=kb)
    assert report.conforms, report.to_text()


@pytest.mark.parametrize("path", INVALID_FILES, ids=lambda p: p.name)
def test_invalid_example_fails_for_its_stated_reason(path: Path, shapes: Graph, ontology: Graph) -> None:
    expected = _expectations(path)
    assert expected, f"{path.name} must state its expected result in a '# expect:' header line"
    report = _validate_file(path, shapes, ontology)
    assert not report.conforms
    got = {(r.severity, r.focus_node, r.path) for r in report.results}
    assert got == {(sev, focus, prop) for sev, focus, prop, _, _ in expected}, report.to_text()
    for severity, focus, prop, written, fragment in expected:
        result = next(r for r in report.results if (r.severity, r.focus_node, r.path) == (severity, focus, prop))
        assert fragment in result.message, result.message
        assert written in result.message, f"the message must name the property {written}: {result.message}"
        assert result.source_shape, "every result names the shape it came from"


@pytest.mark.parametrize("path", INVALID_FILES, ids=lambda p: p.name)
def test_invalid_example_fails_through_the_pipeline(path: Path, kb: object) -> None:
    from reasoner import validate

    assert not validate(path, kb=kb).conforms


@pytest.mark.parametrize("name", sorted(NOT_RDF))
def test_unreadable_input_is_refused_by_the_loader_not_reported_as_nonconforming(name: str) -> None:
    with pytest.raises(InputError) as info:
        load_case(INVALID / name)
    assert info.value.exit_code == EXIT_INPUT
    assert name in str(info.value) and info.value.line is not None


# --- the as-of date the future-date check compares with ------------------------------


def test_as_of_used_takes_precedence_over_the_case_as_of(shapes: Graph, ontology: Graph) -> None:
    from rdflib import Literal

    from reasoner.vocab import XSD

    graph = load_case(INVALID / "future-dated-imaging.ttl").graph
    case = next(graph.subjects(RDF.type, GLR.Case))
    graph.add((case, GLR.asOfUsed, Literal("2026-12-05", datatype=XSD.date)))
    assert validate_graph(graph, shapes=shapes, ontology=ontology).conforms


def test_command_line_as_of_moves_the_future_date_check(kb: object) -> None:
    from reasoner import validate

    assert validate(INVALID / "future-dated-imaging.ttl", kb=kb, as_of="2026-12-05").conforms
    early = validate(EXAMPLES / "seed-case.ttl", kb=kb, as_of="2026-11-01")
    assert not early.conforms
    flagged = {(r.focus_node.rsplit("/", 1)[-1], r.path) for r in early.violations}
    assert ("mri-order", str(GLR.date)) in flagged
    assert ("new-motor-weakness", str(GLR.recordedDate)) in flagged
    assert all("after the as-of date 2026-11-01" in r.message for r in early.violations)


# --- severities ---------------------------------------------------------------------


def test_a_warning_alone_does_not_block(shapes: Graph, ontology: Graph) -> None:
    graph = load_case(EXAMPLES / "seed-case.ttl").graph
    graph.remove((None, GLR.followsProcedure, None))
    report = validate_graph(graph, shapes=shapes, ontology=ontology)
    assert report.conforms
    assert report.violations == ()
    assert [r.severity for r in report.warnings] == [Severity.WARNING]
    warning = report.warnings[0]
    assert warning.focus_node.endswith("/seroma") and warning.path == str(GLR.followsProcedure)
    assert report.to_json()["conforms"] is True and len(report.to_json()["warnings"]) == 1


def test_conforms_is_false_exactly_when_there_is_a_violation() -> None:
    def result(severity: Severity) -> ValidationResult:
        return ValidationResult(severity, "urn:x", None, None, None, "m", None)

    warning_only = ValidationReport(conforms=True, results=(result(Severity.WARNING), result(Severity.INFO)), source=None)
    assert warning_only.violations == () and len(warning_only.warnings) == 2
    assert Severity.VIOLATION.blocks and not Severity.WARNING.blocks and not Severity.INFO.blocks


# --- the report's two forms ---------------------------------------------------------


def test_report_json_shape(shapes: Graph, ontology: Graph) -> None:
    report = _validate_file(INVALID / "wrong-date-datatype.ttl", shapes, ontology)
    data = report.to_json()
    assert set(data) == {"conforms", "source", "violations", "warnings"}
    assert data["conforms"] is False and data["source"].endswith("wrong-date-datatype.ttl")
    assert data["warnings"] == []
    (item,) = data["violations"]
    assert set(item) == {"severity", "focus_node", "focus_label", "path", "value", "message", "shape"}
    assert item["severity"] == "Violation"
    assert item["focus_node"] == "https://w3id.org/glr/examples/invalid/wrong-date-datatype/lumbar-ct"
    assert item["focus_label"] == "CT lumbar spine"
    assert item["path"] == str(GLR.date)
    assert item["value"] == '"June 2026"'
    assert item["shape"] == "https://w3id.org/glr/shapes/case#EventDateValueShape"


def test_report_text_one_line_per_result(shapes: Graph, ontology: Graph) -> None:
    report = _validate_file(INVALID / "unknown-modality.ttl", shapes, ontology)
    lines = report.to_text().splitlines()
    assert lines[0].startswith(str(INVALID / "unknown-modality.ttl")) and "does not conform" in lines[0]
    assert len(lines) == 1 + len(report.results)
    line = lines[1]
    assert line.startswith("Violation | ")
    assert '("Spine scan")' in line and "unknown-modality/spine-scan" in line
    assert "path glr:modality" in line and "value glr:PET" in line
    assert "use glr:CT, glr:MRI or glr:Radiograph" in line


def test_results_are_sorted_and_repeatable(shapes: Graph, ontology: Graph) -> None:
    graph = Graph()
    for path in INVALID_FILES:
        graph += load_case(path).graph
    first = validate_graph(graph, shapes=shapes, ontology=ontology)
    second = validate_graph(graph, shapes=shapes, ontology=ontology)
    assert first.results == second.results
    assert list(first.results) == sorted(first.results, key=ValidationResult.sort_key)
    assert len(first.results) > len(INVALID_FILES)  # many cases in one graph also break "exactly one"


def test_the_callers_graph_is_not_modified(shapes: Graph, ontology: Graph) -> None:
    graph = load_case(EXAMPLES / "seed-case.ttl").graph
    before = set(graph)
    validate_graph(graph, shapes=shapes, ontology=ontology)
    assert set(graph) == before


# --- further failure classes, one mutation of the seed each ----------------------------

SEED = "https://w3id.org/glr/examples/seed-case/"


def _seed() -> Graph:
    return load_case(EXAMPLES / "seed-case.ttl").graph


def _only_violation(graph: Graph, shapes: Graph, ontology: Graph) -> ValidationResult:
    report = validate_graph(graph, shapes=shapes, ontology=ontology)
    assert len(report.violations) == 1, report.to_text()
    return report.violations[0]


def test_no_case_at_all(shapes: Graph, ontology: Graph) -> None:
    graph = _seed()
    graph.remove((URIRef(SEED + "case"), RDF.type, GLR.Case))
    result = _only_violation(graph, shapes, ontology)
    assert result.focus_node == str(GLR.Case) and "exactly one case" in result.message


def test_resolved_is_only_for_imaging_findings(shapes: Graph, ontology: Graph) -> None:
    graph = _seed()
    stenosis = URIRef(SEED + "cervical-stenosis")
    graph.set((stenosis, GLR.status, GLR.Resolved))
    result = _only_violation(graph, shapes, ontology)
    assert result.focus_node == str(stenosis) and "glr:Resolved" in result.message
    graph = _seed()
    graph.set((URIRef(SEED + "seroma"), GLR.status, GLR.Resolved))
    assert validate_graph(graph, shapes=shapes, ontology=ontology).conforms


def test_performed_imaging_needs_a_body_region(shapes: Graph, ontology: Graph) -> None:
    graph = _seed()
    graph.remove((URIRef(SEED + "lumbar-ct"), GLR.bodyRegion, None))
    result = _only_violation(graph, shapes, ontology)
    assert result.focus_node == SEED + "lumbar-ct" and "glr:bodyRegion" in result.message


def test_misspelt_finding_class_is_caught(shapes: Graph, ontology: Graph) -> None:
    graph = _seed()
    pain = URIRef(SEED + "back-pain")
    graph.remove((pain, RDF.type, None))
    graph.add((pain, RDF.type, GLR.PersistantBackPain))
    result = _only_violation(graph, shapes, ontology)
    assert result.focus_node == SEED + "patient" and result.path == str(GLR.hasFinding)


def test_negative_volume_is_refused(shapes: Graph, ontology: Graph) -> None:
    from rdflib import Literal

    graph = _seed()
    graph.add((URIRef(SEED + "seroma"), GLR.volumeMl, Literal(-5)))
    result = _only_violation(graph, shapes, ontology)
    assert result.path == str(GLR.volumeMl) and result.value == '"-5"^^xsd:integer'


def test_unlinked_imaging_is_refused(shapes: Graph, ontology: Graph) -> None:
    graph = _seed()
    graph.remove((None, GLR.hasImaging, URIRef(SEED + "mri-order")))
    result = _only_violation(graph, shapes, ontology)
    assert result.focus_node == SEED + "mri-order" and "glr:hasImaging" in result.message


# --- loading shapes -----------------------------------------------------------------


def test_missing_shapes_directory_is_a_knowledge_base_error(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError):
        load_case_shapes(tmp_path / "nowhere")
    with pytest.raises(KnowledgeBaseError):
        load_case_shapes(tmp_path)


def test_broken_shapes_file_is_a_knowledge_base_error(tmp_path: Path) -> None:
    (tmp_path / "broken.ttl").write_text("this is not turtle {", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError) as info:
        load_case_shapes(tmp_path)
    assert "broken.ttl" in str(info.value)


@pytest.mark.parametrize("literal", ['"2026-02-30"^^xsd:date', '"2026-02-10T10:00:00"^^xsd:dateTime', '"2026-02-10"'])
def test_impossible_or_mistyped_date_is_one_violation(literal: str, shapes: Graph, ontology: Graph) -> None:
    from rdflib import Literal

    from reasoner.vocab import XSD

    lexical, _, datatype = literal.strip('"').partition('"^^xsd:')
    value = Literal(lexical, datatype=XSD[datatype]) if datatype else Literal(lexical)
    graph = _seed()
    graph.set((URIRef(SEED + "fusion"), GLR.date, value))
    result = _only_violation(graph, shapes, ontology)
    assert result.focus_node == SEED + "fusion" and result.path == str(GLR.date)
    assert "not a calendar date" in result.message


def test_elapsed_time_written_in_the_case_is_refused(kb: object) -> None:
    """The reasoner computes elapsed times; a stated one would give rules two ages for one CT."""
    from rdflib import Literal

    from reasoner import validate

    graph = _seed()
    graph.add((URIRef(SEED + "lumbar-ct"), GLR.monthsBeforeAsOf, Literal(1)))
    report = validate(graph, kb=kb)
    assert not report.conforms
    (result,) = report.violations
    assert result.focus_node == SEED + "lumbar-ct" and result.path == str(GLR.monthsBeforeAsOf)
    assert "computed by the reasoner" in result.message
