"""Every ready-made query of queries/endpoint/, run through a live `glr serve` endpoint.

The endpoint serves the seed case and a variant of it (built here from the
seed graph: other IRIs, and an upper-extremity radicular symptom recorded
present). Each query's answer is checked against what the Python API
(`recommend`) explains for the same cases, so the SPARQL and the Python
explanation must agree.
"""

from __future__ import annotations

import csv
import io
import json
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

import starlette  # noqa: F401,E402  (a test dependency: fail loudly, never skip)
import uvicorn  # noqa: F401,E402  (a test dependency: fail loudly, never skip)

from reasoner.server import EndpointThread, ServerSettings, build_dataset, read_endpoint_queries  # noqa: E402
from reasoner.server.app import endpoint_query_files  # noqa: E402

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "queries" / "endpoint"
SEED = ROOT / "examples" / "seed-case.ttl"
GLR = "https://w3id.org/glr/ontology#"
PF = "https://w3id.org/glr/kb/postfusion#"
SEED_NS = "https://w3id.org/glr/examples/seed-case/"
VARIANT_NS = "https://w3id.org/glr/test/endpoint-queries/cervical-variant/"
SEGMENTS = {
    "recommendations": "recommendation",
    "not_recommended": "not-recommended",
    "cautions": "caution",
    "information_needs": "information-need",
    "assessments": "assessment",
}
TYPES = {
    "recommendations": GLR + "Recommendation",
    "not_recommended": GLR + "NotRecommended",
    "cautions": GLR + "Caution",
    "information_needs": GLR + "InformationNeed",
    "assessments": GLR + "Assessment",
}
STATE_NAMES = {GLR + "NotMet": "not met", GLR + "Unknown": "unknown"}


def _variant(path: Path) -> Path:
    """The seed case under other IRIs, with an arm radicular symptom recorded present."""
    seed = Graph().parse(SEED, format="turtle")

    def move(term):
        if isinstance(term, URIRef) and str(term).startswith(SEED_NS):
            return URIRef(VARIANT_NS + str(term)[len(SEED_NS):])
        return term

    variant = Graph()
    for s, p, o in seed:
        variant.add((move(s), p, move(o)))
    patient = URIRef(VARIANT_NS + "patient")
    arm = URIRef(VARIANT_NS + "arm-radicular-symptom")
    variant.add((patient, URIRef(GLR + "hasFinding"), arm))
    variant.add((arm, RDF.type, URIRef(GLR + "UpperExtremityRadicularSymptom")))
    variant.add((arm, URIRef(GLR + "status"), URIRef(GLR + "Present")))
    variant.add((arm, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal("Arm tingling in a C6 distribution")))
    path.write_text(variant.serialize(format="turtle"), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def case_files(tmp_path_factory) -> list[Path]:
    return [SEED, _variant(tmp_path_factory.mktemp("cases") / "cervical-variant.ttl")]


@pytest.fixture(scope="module")
def results(kb, case_files):
    """case IRI → RecommendationResult, from the Python API."""
    from reasoner import recommend

    out = {}
    for path in case_files:
        result = recommend(path, kb=kb, engine="oxigraph")
        out[result.case] = result
    return out


@pytest.fixture(scope="module")
def endpoint(kb, case_files):
    dataset = build_dataset(case_files, kb=kb, engine="oxigraph")
    assert len(dataset.cases) == 2, dataset.skipped
    with EndpointThread(dataset=dataset, settings=ServerSettings(timeout=10, workers=1)) as running:
        yield running


def run(endpoint, name: str, accept: str = "application/sparql-results+json") -> bytes:
    text = next(p for p in endpoint_query_files() if p.stem == name).read_text(encoding="utf-8")
    request = urllib.request.Request(
        endpoint.sparql_url,
        data=urllib.parse.urlencode({"query": text}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        return response.read()


def rows(endpoint, name: str) -> list[dict[str, str]]:
    doc = json.loads(run(endpoint, name))
    return [{k: v["value"] for k, v in b.items()} for b in doc["results"]["bindings"]]


def all_results(results):
    """(case, list name, item) for every derived result of every case."""
    for case, result in results.items():
        for kind in SEGMENTS:
            for item in getattr(result, kind):
                yield case, kind, item


def result_iri(case: str, kind: str, item) -> str:
    return f"{case}/{SEGMENTS[kind]}/{item.id}"


# --------------------------------------------------------------------------- every file


@pytest.mark.parametrize("path", endpoint_query_files(), ids=lambda p: p.stem)
def test_every_query_is_documented_and_runs(endpoint, path) -> None:
    header = [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    assert len(header) >= 3, f"{path.name} needs a header comment saying what it answers"
    assert header[0].lstrip("# ").strip(), f"{path.name}: the first line states the question"
    body = run(endpoint, path.stem, "text/csv")
    assert list(csv.reader(io.StringIO(body.decode("utf-8"))))[0], "a header row of variables"


def test_every_query_has_a_test_here() -> None:
    tested = {
        "pending-mri-with-cervical-pattern",
        "recommendations-by-reference",
        "why-aspiration-not-indicated",
        "all-recommendations-by-priority",
        "unknown-findings-information-needs",
        "evidence-conflicts",
        "result-provenance",
    }
    assert {p.stem for p in endpoint_query_files()} == tested
    assert {q["name"] for q in read_endpoint_queries()} == tested
    # the shared directory keeps only what every guideline can ask; the rest is post-fusion's own
    assert {p.stem for p in QUERIES.glob("*.rq")} == tested - {"pending-mri-with-cervical-pattern", "why-aspiration-not-indicated"}


# --------------------------------------------------------------------------- each question


def test_pending_mri_with_cervical_pattern(endpoint) -> None:
    found = rows(endpoint, "pending-mri-with-cervical-pattern")
    assert found == [
        {
            "case": VARIANT_NS + "case",
            "patient": VARIANT_NS + "patient",
            "mri": VARIANT_NS + "mri-order",
            "mriStatus": GLR + "PendingApproval",
            "symptom": VARIANT_NS + "arm-radicular-symptom",
            "symptomClass": GLR + "UpperExtremityRadicularSymptom",
        }
    ], "the seed case leaves cervical-pattern symptoms unknown, so only the variant answers"


def test_recommendations_by_reference_2(endpoint, results) -> None:
    found = {(r["case"], r["resultType"], r["id"]) for r in rows(endpoint, "recommendations-by-reference")}
    expected = {
        (case, TYPES[kind], item.id)
        for case, kind, item in all_results(results)
        if any(2 in evidence.reference for evidence in item.evidence)
    }
    assert expected, "reference 2 (the seroma evidence) is cited for the seed case"
    assert found == expected


def test_why_aspiration_not_indicated(endpoint, results) -> None:
    found = rows(endpoint, "why-aspiration-not-indicated")
    for case, result in results.items():
        aspiration = [n for n in result.not_recommended if n.id == "seroma-aspiration"]
        reasons = {(r["item"], STATE_NAMES[r["state"]]) for r in found if r["case"] == case and r["part"] == "reason"}
        premises = {r["item"] for r in found if r["case"] == case and r["part"] == "premise"}
        if not aspiration:
            assert not reasons and not premises
            continue
        assert reasons == {(reason.condition, reason.state) for reason in aspiration[0].reasons}
        assert premises <= {p.subject for p in aspiration[0].premises}
    assert any(n.id == "seroma-aspiration" for n in results[SEED_NS + "case"].not_recommended)


def test_all_recommendations_by_priority(endpoint, results) -> None:
    found = rows(endpoint, "all-recommendations-by-priority")
    assert {(r["case"], r["id"], r["priority"]) for r in found} == {
        (case, item.id, item.priority) for case, kind, item in all_results(results) if kind == "recommendations"
    }
    ranks = [int(r["priorityRank"]) for r in found]
    assert ranks == sorted(ranks, reverse=True), "most pressing first"


def test_unknown_findings_information_needs(endpoint, results) -> None:
    found = rows(endpoint, "unknown-findings-information-needs")
    assert {(r["case"], r["id"], frozenset(r.get("affects", "").split())) for r in found} == {
        (case, item.id, frozenset(item.affects)) for case, kind, item in all_results(results) if kind == "information_needs"
    }
    # with an arm radicular symptom recorded present, the variant no longer asks about radicular symptoms
    asked = {(r["case"], r["id"]) for r in found}
    assert (SEED_NS + "case", "radicular-symptoms") in asked
    assert (VARIANT_NS + "case", "radicular-symptoms") not in asked


def test_evidence_conflicts(endpoint, kb, results) -> None:
    found = rows(endpoint, "evidence-conflicts")
    conflicts = URIRef(GLR + "conflictsWith")
    pairs = {(str(a), str(b)) for a, b in kb.knowledge.subject_objects(conflicts)}
    pairs |= {(b, a) for a, b in pairs}
    assert pairs, "the knowledge base records conflicting evidence"
    assert {(r["evidence"], r["conflictsWith"]) for r in found} == pairs
    for r in found:
        local = r["evidence"].rsplit("#", 1)[-1].removeprefix("ev-")
        cited_by = {result_iri(case, kind, item) for case, kind, item in all_results(results) if local in {e.id for e in item.evidence}}
        assert set(r.get("citedBy", "").split()) == cited_by, r["evidence"]


def test_result_provenance(endpoint, results) -> None:
    found = {(r["case"], r["result"], r["ruleId"]) for r in rows(endpoint, "result-provenance")}
    assert found == {(case, result_iri(case, kind, item), rule) for case, kind, item in all_results(results) for rule in item.rules}


@pytest.mark.parametrize("path", endpoint_query_files(), ids=lambda p: p.stem)
def test_sparqlwrapper_sees_a_query_not_an_update(path) -> None:
    """SPARQLWrapper guesses the query form with a regex that reads comments too: a header saying
    "add" or "load" would make it send the query as an update, which the endpoint refuses."""
    from SPARQLWrapper import SPARQLWrapper

    wrapper = SPARQLWrapper("http://127.0.0.1:1/sparql")
    wrapper.setQuery(path.read_text(encoding="utf-8"))
    assert not wrapper.isSparqlUpdateRequest()
    assert wrapper.queryType in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
