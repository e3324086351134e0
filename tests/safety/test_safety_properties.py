"""Safety properties over mutated valid cases (hypothesis).

Starting from the bundled aspiration candidate (a case in which aspiration IS
recommended) and the seed case, hypothesis adds what a real record might add:
a cauda equina sign of any kind, neural compression outside the lumbar spine
(of any structure, on a cervical study) with a new symptom at any site, or
takes the site off the lumbar symptom. Whatever it adds, on either engine:

* any present cauda equina sign => the first recommendation is the emergent
  spine evaluation and aspiration is not recommended;
* compression outside the lumbar spine never becomes a premise of aspiration,
  and aspiration never rests on a symptom outside the legs and saddle area.

GLR_HYPOTHESIS_EXAMPLES raises the number of examples (default 12).
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDFS

from reasoner import recommend
from reasoner.pipeline.engines import ENGINES
from reasoner.vocab import GLR, RDF

ROOT = Path(__file__).resolve().parents[2]
BASES = {name: Graph().parse(ROOT / "examples" / f"{name}.ttl") for name in ("aspiration-candidate", "seed-case")}
X = Namespace("https://w3id.org/glr/test/safety-property/")
CAUDA_EQUINA = [GLR.CaudaEquinaSign, GLR.SaddleAnaesthesia, GLR.NewUrinaryRetention, GLR.NewBowelDysfunction]
STRUCTURES = [GLR.SpinalCord, GLR.ThecalSac, GLR.NerveRoot, GLR.CaudaEquina]
SITES = [GLR.UpperLimb, GLR.LowerLimb, GLR.Perineum, GLR.Trunk, None]
EXAMPLES = int(os.environ.get("GLR_HYPOTHESIS_EXAMPLES", "12"))

additions = st.fixed_dictionaries(
    {
        "base": st.sampled_from(sorted(BASES)),
        "engine": st.sampled_from(ENGINES),
        "cauda_equina": st.lists(st.sampled_from(CAUDA_EQUINA), max_size=2, unique=True),
        "outside_compression": st.one_of(st.none(), st.sampled_from(STRUCTURES)),
        "outside_symptom_site": st.sampled_from(SITES),
        "drop_lumbar_site": st.booleans(),
    }
)


def _patient(graph: Graph) -> URIRef:
    case = next(graph.subjects(RDF.type, GLR.Case))
    return graph.value(case, GLR.aboutPatient)


def _forget(graph: Graph, patient: URIRef, classes: list[URIRef]) -> None:
    """Drop the patient's findings of these classes (what a new statement of them replaces)."""
    for finding in [f for f in graph.objects(patient, GLR.hasFinding) if any((f, RDF.type, c) in graph for c in classes)]:
        graph.remove((patient, GLR.hasFinding, finding))
        graph.remove((finding, None, None))


def build(spec: dict) -> tuple[Graph, set[URIRef]]:
    graph = Graph()
    graph += BASES[spec["base"]]
    patient = _patient(graph)
    if spec["cauda_equina"]:  # the new sign replaces a recorded "no cauda equina signs"
        _forget(graph, patient, CAUDA_EQUINA)
    for i, cls in enumerate(spec["cauda_equina"]):
        sign = X[f"cauda-equina-{i}"]
        graph.add((patient, GLR.hasFinding, sign))
        graph.add((sign, RDF.type, cls))
        graph.add((sign, RDFS.label, Literal(f"Cauda equina sign {i}")))
        graph.add((sign, GLR.status, GLR.Present))
        graph.add((sign, GLR.recordedDate, Literal("2026-11-23", datatype=XSD.date)))
    outside: set[URIRef] = set()
    if spec["outside_compression"] is not None:
        study, compression, symptom = X["cervical-mri"], X["cervical-compression"], X["new-symptom"]
        graph.add((patient, GLR.hasImaging, study))
        for p, o in ((RDF.type, GLR.ImagingStudy), (GLR.modality, GLR.MRI), (GLR.bodyRegion, GLR.CervicalSpine),
                     (GLR.imagingStatus, GLR.Performed), (GLR.date, Literal("2026-11-15", datatype=XSD.date)),
                     (GLR.hasImagingFinding, compression), (RDFS.label, Literal("MRI cervical spine"))):
            graph.add((study, p, o))
        for p, o in ((RDF.type, GLR.NeuralCompression), (GLR.status, GLR.Present), (GLR.compressedStructure, spec["outside_compression"]),
                     (RDFS.label, Literal("Compression seen on the cervical MRI"))):
            graph.add((compression, p, o))
        _forget(graph, patient, [GLR.NewSensoryDeficit])  # the new symptom replaces a recorded "no new sensory deficit"
        graph.add((patient, GLR.hasFinding, symptom))
        for p, o in ((RDF.type, GLR.NewSensoryDeficit), (GLR.status, GLR.Present), (RDFS.label, Literal("New numbness")),
                     (GLR.recordedDate, Literal("2026-11-20", datatype=XSD.date))):
            graph.add((symptom, p, o))
        if spec["outside_symptom_site"] is not None:
            graph.add((symptom, GLR.bodySite, spec["outside_symptom_site"]))
        outside.add(compression)
    if spec["drop_lumbar_site"]:
        graph.remove((None, GLR.bodySite, GLR.LowerLimb))
    return graph, outside


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(additions)
def test_cauda_equina_leads_and_aspiration_stays_lumbar(spec: dict) -> None:
    graph, outside = build(spec)
    result = recommend(graph, engine=spec["engine"])
    assert result.validation.conforms, result.validation.to_text()
    data = result.to_json()
    aspiration = next((r for r in data["recommendations"] if r["id"] == "seroma-aspiration"), None)
    if spec["cauda_equina"]:
        first = data["recommendations"][0]
        assert (first["id"], first["priority"]) == ("urgent-spine-evaluation", "emergent"), spec
        assert aspiration is None, spec
    if aspiration is not None:
        subjects = {URIRef(p["subject"]) for p in aspiration["premises"]}
        assert not (subjects & outside), f"aspiration rests on compression outside the lumbar spine: {spec}"
        sites = {p["value"] for p in aspiration["premises"] if p["property"] == str(GLR.bodySite)}
        assert sites & {str(GLR.LowerLimb), str(GLR.Perineum)}, f"aspiration without a lumbar-pattern symptom: {spec}"
