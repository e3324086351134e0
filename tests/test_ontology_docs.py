"""The ontology's HTML documentation builds offline with one command (issue 4).

The suite denies the network to every test (tests/conftest_netguard.py), so
building here proves the docs need no network."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import shutil
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "build-docs"
GLR = "https://w3id.org/glr/ontology#"

# not importorskip: importing pylode 3.4.1 directly fails (the script works around it)


def test_pylode_is_installed() -> None:
    assert importlib.util.find_spec("pylode") is not None, "pyLODE comes with the test extras (pip install -e '.[test]')"


def _script():
    loader = importlib.machinery.SourceFileLoader("build_docs", str(SCRIPT))
    spec = importlib.util.spec_from_loader("build_docs", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


@pytest.mark.slow
def test_docs_build_offline_into_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build_docs = _script()
    assert build_docs.main(["--out", str(tmp_path / "site")]) == 0
    site = tmp_path / "site"
    index = (site / "index.html").read_text(encoding="utf-8")
    ontology = Graph().parse(ROOT / "ontology" / "glr.ttl")
    # every class of the ontology is documented on the page
    for cls in ontology.subjects(RDF.type, OWL.Class):
        if str(cls).startswith(GLR):
            assert str(ontology.value(cls, RDFS.label)) in index, cls
    assert "Guideline Reasoner ontology" in index
    defined = (site / "defined-classes.html").read_text(encoding="utf-8")
    assert "seroma aspiration candidate" in defined
    assert "Equivalent to (OWL definition): (Patient and hasFinding some (CervicalPatternSymptom and status value Present))" in defined
    dot = (site / "classes.dot").read_text(encoding="utf-8")
    assert '"Seroma" -> "ImagingFinding";' in dot
    assert '"Rule" -> "prov:Plan";' in dot
    if shutil.which("dot"):  # graphviz is optional (docs/system-tools.md): the SVG only with it
        assert (site / "classes.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    else:
        assert not (site / "classes.svg").exists()
    assert "wrote" in capsys.readouterr().out


def test_manchester_rendering_of_a_datatype_restriction() -> None:
    build_docs = _script()
    g = Graph().parse(ROOT / "queries" / "postfusion" / "ontology" / "defined-classes.ttl")
    expr = g.value(g.namespace_manager.expand_curie("glr:SeromaUnlikelyPainSourcePatient"), OWL.equivalentClass)
    text = build_docs.manchester(g, expr)
    assert "monthsSinceTrendStart some xsd:integer[>= 4]" in text
    assert text.startswith("(Patient and hasImaging some (imagingStatus value Performed")
