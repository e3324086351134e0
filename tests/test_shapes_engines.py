"""A second SHACL engine (pyrudof) gives the same conforms verdict as pySHACL.

Why: the case shapes are meant to be engine-neutral (SHACL Core plus three
portable SHACL-SPARQL constraints). Running a second, independent engine
over every example — valid and invalid — is what shows it. Skipped when
pyrudof is not installed.

pyrudof is given the case graph merged with the ontology: sh:targetClass
and sh:class follow rdfs:subClassOf in the data graph, which is how
pySHACL's ont_graph makes a glr:Seroma a glr:ClinicalFinding.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from reasoner.pipeline.loading import load_case
from reasoner.pipeline.validation import validate_graph

from _rudof_helpers import rudof_report  # noqa: E402  (pyrudof is a test dependency: fail loudly, never skip)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CASE_FILES = [
    p
    for folder in (EXAMPLES, EXAMPLES / "invalid")
    for p in sorted(folder.iterdir())
    if p.suffix in (".ttl", ".jsonld") and p.name not in {"not-rdf.ttl", "not-json.jsonld"}
]



def _rudof_conforms(data: Graph, shapes: Graph, tmp_path: Path) -> bool:
    report = rudof_report(data, shapes, tmp_path)
    return not any("Violation" in str(entry.severity) for entry in report)


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.name)
def test_pyrudof_agrees_with_pyshacl(path: Path, shapes: Graph, ontology: Graph, tmp_path: Path) -> None:
    case = load_case(path).graph
    expected = validate_graph(case, shapes=shapes, ontology=ontology).conforms
    assert _rudof_conforms(case + ontology, shapes, tmp_path) == expected
