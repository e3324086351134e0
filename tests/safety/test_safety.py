"""The clinical-safety suite: named "nevers", checked on every scenario and example, on both engines.

A decision-support plan is judged at its edges. Each function in NEVERS
states one thing the plan must never do (aspirate beside a cauda equina sign,
put a routine item before an emergent one, call a picture static while a red
flag is present ...) and returns the violations it finds in one result.
Every never is checked on every scenario in ``scenarios/`` and every bundled
example, on every engine; each scenario names (``glrt:never``) the nevers it
was written to provoke, and every never must be provoked by some scenario -
so none of them can pass only because nothing ever came near it.

The conditions are read from the case graph as the rules saw it (after time
normalisation), with class membership through the ontology, independently of
the rule queries.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDFS
from rdflib.term import Node

from reasoner import RecommendationResult, default_knowledge_base, recommend
from reasoner.pipeline.engines import ENGINES
from reasoner.vocab import GLR, RDF

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
GLRT = Namespace("https://w3id.org/glr/test#")
SCENARIOS = sorted((HERE / "scenarios").glob("*.ttl"))
EXAMPLES = sorted((ROOT / "examples").glob("*.ttl"))
HARDWARE_COMPLICATION = GLR.HardwareComplication


# --------------------------------------------------------------------------
# reading the case


class Facts:
    """The normalised case with the ontology's class hierarchy, asked simple questions."""

    def __init__(self, result: RecommendationResult) -> None:
        self.case = result.case_graph
        self.schema = default_knowledge_base().ontology
        self.patient = self.case.value(URIRef(result.case), GLR.aboutPatient)

    def is_a(self, node: Node, cls: URIRef) -> bool:
        for t in self.case.objects(node, RDF.type):
            if t == cls or cls in set(self.schema.transitive_objects(t, RDFS.subClassOf)):
                return True
        return False

    def findings(self, cls: URIRef, status: URIRef | None = GLR.Present) -> list[Node]:
        return [
            f
            for f in self.case.objects(self.patient, GLR.hasFinding)
            if self.is_a(f, cls) and (status is None or self.case.value(f, GLR.status) == status)
        ]

    def studies(self) -> list[Node]:
        return list(self.case.objects(self.patient, GLR.hasImaging))

    def study_of(self, finding: Node) -> Node | None:
        return next(iter(self.case.subjects(GLR.hasImagingFinding, finding)), None)


def _by_id(items: list[dict], cid: str) -> dict | None:
    return next((i for i in items if i["id"] == cid), None)


# --------------------------------------------------------------------------
# the nevers

Never = Callable[[dict, Facts], list[str]]


def aspiration_beside_cauda_equina_sign(data: dict, facts: Facts) -> list[str]:
    """Never recommend aspiration while a cauda equina sign is present."""
    signs = facts.findings(GLR.CaudaEquinaSign)
    if signs and _by_id(data["recommendations"], "seroma-aspiration"):
        return [f"seroma-aspiration recommended beside {len(signs)} cauda equina sign(s)"]
    return []


def emergent_not_first(data: dict, facts: Facts) -> list[str]:
    """With a cauda equina sign present, the first item is the emergent spine evaluation."""
    if not facts.findings(GLR.CaudaEquinaSign):
        return []
    first = data["recommendations"][0] if data["recommendations"] else None
    if first is None or first["id"] != "urgent-spine-evaluation" or first["priority"] != "emergent":
        return [f"first recommendation is {first and (first['id'], first['priority'])}, not the emergent spine evaluation"]
    return []


def lower_priority_first(data: dict, facts: Facts) -> list[str]:
    """Never a lower-priority item before a higher one."""
    ranks = _ranks()
    order = [ranks[r["priority"]] for r in data["recommendations"]]
    return [f"priorities out of order: {[r['priority'] for r in data['recommendations']]}"] if order != sorted(order, reverse=True) else []


def routine_not_deferred(data: dict, facts: Facts) -> list[str]:
    """When anything urgent or emergent stands, every routine item says what it waits for."""
    pressing = [r["id"] for r in data["recommendations"] if r["priority"] in ("urgent", "emergent")]
    if not pressing:
        return [f"{r['id']} deferred with nothing pressing" for r in data["recommendations"] if r["deferred_by"]]
    return [f"{r['id']} (routine) not deferred behind {pressing}" for r in data["recommendations"] if r["priority"] == "routine" and not r["deferred_by"]]


def static_picture_with_red_flag(data: dict, facts: Facts) -> list[str]:
    """Never conclude a static picture while a red flag, a deteriorating exam or a hardware complication is present."""
    broken = _picture_broken(facts)
    if not broken:
        return []
    out = []
    if _by_id(data["assessments"], "seroma-unlikely-pain-source"):
        out.append("seroma-unlikely-pain-source concluded with the picture not static")
    cervical = _by_id(data["assessments"], "cervical-source-features")
    if cervical and not facts.findings(GLR.CervicalPatternSymptom):
        out.append("cervical-source-features concluded from unchanged pain with the picture not static")
    return out


def _picture_broken(facts: Facts) -> bool:
    if facts.findings(GLR.NewNeurologicalSymptom):
        return True
    if any(facts.case.value(f, GLR.examOutcome) == GLR.ExamDeteriorating for f in facts.findings(GLR.NeurologicalExamination, status=None)):
        return True
    return any(_hardware_complication(facts, s) for s in facts.studies())


def _hardware_complication(facts: Facts, study: Node) -> bool:
    state = facts.case.value(study, GLR.hardwareStatus)
    return state is not None and (state, RDF.type, HARDWARE_COMPLICATION) in facts.schema


def aspiration_outside_lumbar(data: dict, facts: Facts) -> list[str]:
    """Aspiration rests only on compression seen on a lumbar study."""
    rec = _by_id(data["recommendations"], "seroma-aspiration")
    if rec is None:
        return []
    compressions = [URIRef(p["subject"]) for p in rec["premises"] if p["property"] == str(GLR.compressedStructure)]
    lumbar = [c for c in compressions if facts.case.value(facts.study_of(c), GLR.bodyRegion) == GLR.LumbarSpine]
    return [] if lumbar else [f"seroma-aspiration rests on compression outside the lumbar spine: {compressions}"]


def aspiration_on_non_lumbar_symptom(data: dict, facts: Facts) -> list[str]:
    """Aspiration rests on a new symptom in the legs or saddle area, never on arm symptoms alone."""
    rec = _by_id(data["recommendations"], "seroma-aspiration")
    if rec is None:
        return []
    sites = {p["value"] for p in rec["premises"] if p["property"] == str(GLR.bodySite)}
    return [] if sites & {str(GLR.LowerLimb), str(GLR.Perineum)} else [f"seroma-aspiration rests on symptoms at {sites or 'no stated site'}"]


def hardware_complication_ignored(data: dict, facts: Facts) -> list[str]:
    """A hardware complication on a performed study is acted on."""
    found = [s for s in facts.studies() if facts.case.value(s, GLR.imagingStatus) == GLR.Performed and _hardware_complication(facts, s)]
    if found and not _by_id(data["recommendations"], "surgical-review"):
        return [f"hardware complication on {found} but no surgical-review"]
    return []


def persistent_collection_uncautioned(data: dict, facts: Facts) -> list[str]:
    """A seroma still present on the latest lumbar study 183+ days after the fusion gets the caution."""
    fusions = [p for p in facts.case.objects(facts.patient, GLR.hadProcedure) if facts.is_a(p, GLR.LumbarFusion)]
    seroma_studies = [
        s
        for s in facts.studies()
        if facts.case.value(s, GLR.imagingStatus) == GLR.Performed
        and facts.case.value(s, GLR.bodyRegion) == GLR.LumbarSpine
        and any(facts.is_a(f, GLR.Seroma) for f in facts.case.objects(s, GLR.hasImagingFinding))
    ]
    if not fusions or not seroma_studies:
        return []
    latest = min(seroma_studies, key=lambda s: int(facts.case.value(s, GLR.daysBeforeAsOf)))
    seromas = [f for f in facts.case.objects(latest, GLR.hasImagingFinding) if facts.is_a(f, GLR.Seroma)]
    present = [f for f in seromas if facts.case.value(f, GLR.status) == GLR.Present and facts.case.value(f, GLR.collectionTrend) != GLR.Decreasing]
    days_after = max(int(facts.case.value(f, GLR.daysBeforeAsOf)) for f in fusions) - int(facts.case.value(latest, GLR.daysBeforeAsOf))
    if present and days_after >= 183 and not _by_id(data["cautions"], "caution-persistent-collection"):
        return [f"seroma present {days_after} days after the fusion, no caution-persistent-collection"]
    return []


def new_myelopathy_not_imaged(data: dict, facts: Facts) -> list[str]:
    """Known stenosis with a myelopathic sign present: the cervical MRI is recommended and urgent."""
    if not (facts.findings(GLR.CervicalStenosis) and facts.findings(GLR.MyelopathicSign)):
        return []
    mri = _by_id(data["recommendations"], "cervical-mri")
    if mri is None or mri["priority"] not in ("urgent", "emergent"):
        return [f"myelopathic sign with known stenosis, cervical MRI is {mri and mri['priority']}"]
    return []


def duplicate_mri_order(data: dict, facts: Facts) -> list[str]:
    """An MRI already requested or pending (cervical or region not stated) is confirmed, never ordered twice."""
    mri = _by_id(data["recommendations"], "cervical-mri")
    pending = [
        s
        for s in facts.studies()
        if facts.case.value(s, GLR.modality) == GLR.MRI
        and facts.case.value(s, GLR.imagingStatus) in (GLR.Requested, GLR.PendingApproval)
        and facts.case.value(s, GLR.bodyRegion) in (None, GLR.CervicalSpine)
    ]
    if mri is not None and pending and mri["existing_order"] is None:
        return [f"cervical-mri recommended as a new order although {pending} is pending"]
    return []


def nsaid_not_conditional(data: dict, facts: Facts) -> list[str]:
    """An NSAID recommended while contraindications are unknown is marked conditional on them."""
    nsaid = _by_id(data["recommendations"], "nsaid")
    raised = {n["id"] for n in data["information_needs"]}
    if nsaid is not None and "nsaid-contraindications" in raised and "nsaid-contraindications" not in nsaid["conditional_on"]:
        return ["nsaid recommended with contraindications unknown and not marked conditional"]
    return []


def nsaid_on_anticoagulant(data: dict, facts: Facts) -> list[str]:
    """Never an NSAID beside a current anticoagulant."""
    current = [
        m
        for m in facts.case.objects(facts.patient, GLR.hasMedication)
        if facts.case.value(m, GLR.drugClass) == GLR.Anticoagulant and facts.case.value(m, GLR.ongoing) != Literal(False)
    ]
    if current and _by_id(data["recommendations"], "nsaid"):
        return ["nsaid recommended beside a current anticoagulant"]
    return []


def partial_medication_list_taken_as_complete(data: dict, facts: Facts) -> list[str]:
    """Unless the list is stated complete, the complete medication list is asked for."""
    complete = facts.case.value(facts.patient, GLR.medicationListComplete)
    pain_after_fusion = facts.findings(GLR.PersistentBackPain) and any(facts.is_a(p, GLR.LumbarFusion) for p in facts.case.objects(facts.patient, GLR.hadProcedure))
    if pain_after_fusion and complete is None and not _by_id(data["information_needs"], "current-analgesics"):
        return ["medication list not stated complete, yet not asked for"]
    return []


def red_flag_question_not_first(data: dict, facts: Facts) -> list[str]:
    """When the cauda equina signs are asked for, that is the first question."""
    needs = [n["id"] for n in data["information_needs"]]
    if "cauda-equina-symptoms" in needs and needs[0] != "cauda-equina-symptoms":
        return [f"cauda-equina-symptoms asked after {needs[: needs.index('cauda-equina-symptoms')]}"]
    return []


def present_finding_ignored(data: dict, facts: Facts) -> list[str]:
    """A present finding no rule reads is listed as unconsidered, never dropped: here, one labelled as the scenario's own signs."""
    listed = {u["subject"] for u in data["unconsidered_findings"]}
    unread = [f for f in facts.findings(GLR.Sign) if set(facts.case.objects(f, RDF.type)) == {GLR.Sign}]
    missing = [str(f) for f in unread if str(f) not in listed]
    return [f"present findings of no class any rule reads, not listed: {missing}"] if missing else []


NEVERS: dict[str, Never] = {
    "aspiration-beside-cauda-equina-sign": aspiration_beside_cauda_equina_sign,
    "emergent-not-first": emergent_not_first,
    "lower-priority-first": lower_priority_first,
    "routine-not-deferred": routine_not_deferred,
    "static-picture-with-red-flag": static_picture_with_red_flag,
    "aspiration-outside-lumbar": aspiration_outside_lumbar,
    "aspiration-on-non-lumbar-symptom": aspiration_on_non_lumbar_symptom,
    "hardware-complication-ignored": hardware_complication_ignored,
    "persistent-collection-uncautioned": persistent_collection_uncautioned,
    "new-myelopathy-not-imaged": new_myelopathy_not_imaged,
    "duplicate-mri-order": duplicate_mri_order,
    "nsaid-not-conditional": nsaid_not_conditional,
    "nsaid-on-anticoagulant": nsaid_on_anticoagulant,
    "partial-medication-list-taken-as-complete": partial_medication_list_taken_as_complete,
    "red-flag-question-not-first": red_flag_question_not_first,
    "present-finding-ignored": present_finding_ignored,
}


@lru_cache(maxsize=1)
def _ranks() -> dict[str, int]:
    ontology = default_knowledge_base().ontology
    return {str(ontology.value(p, URIRef("http://www.w3.org/2004/02/skos/core#notation"))): int(ontology.value(p, GLR.rank)) for p in ontology.subjects(RDF.type, GLR.Priority)}


# --------------------------------------------------------------------------


def _split(path: Path) -> tuple[Graph, set[str]]:
    graph = Graph().parse(path, format="turtle")
    named = {str(o) for o in graph.objects(None, GLRT.never)}
    for triple in list(graph.triples((None, GLRT.never, None))):
        graph.remove(triple)
    return graph, named


@lru_cache(maxsize=None)
def _run(path: Path, engine: str) -> tuple[dict, Facts]:
    graph, _ = _split(path)
    result = recommend(graph, engine=engine)
    assert result.validation.conforms, f"{path.name} must be a valid case:\n{result.validation.to_text()}"
    return result.to_json(), Facts(result)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("path", SCENARIOS + EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_no_never_happens(path: Path, engine: str) -> None:
    data, facts = _run(path, engine)
    violations = [f"{name}: {v}" for name, never in NEVERS.items() for v in never(data, facts)]
    assert not violations, f"{path.name} [{engine}]:\n" + "\n".join(violations)


def test_every_never_is_provoked_by_a_scenario() -> None:
    """A never no scenario comes near proves nothing: each is named by a scenario written to provoke it."""
    named: set[str] = set()
    for path in SCENARIOS:
        _, names = _split(path)
        assert names, f"{path.name} names no glrt:never"
        assert names <= set(NEVERS), f"{path.name} names unknown nevers {names - set(NEVERS)}"
        named |= names
    assert named == set(NEVERS), f"nevers no scenario provokes: {set(NEVERS) - named}"


@pytest.mark.parametrize("engine", ENGINES)
def test_scenarios_provoke_what_they_name(engine: str) -> None:
    """Each scenario really reaches the situation its nevers guard (so a never cannot pass vacuously)."""
    reached = {
        "cauda-equina-with-aspiration-criteria": lambda d: d["recommendations"][0]["priority"] == "emergent"
        and _by_id(d["not_recommended"], "seroma-aspiration") is not None,
        "cervical-cord-compression-numb-hands": lambda d: _by_id(d["not_recommended"], "seroma-aspiration") is not None,
        "deteriorating-examination": lambda d: _by_id(d["recommendations"], "urgent-spine-evaluation")["priority"] == "urgent",
        "hardware-loosening-on-ct": lambda d: _by_id(d["recommendations"], "surgical-review")["priority"] == "high",
        "seroma-seven-months-after-fusion": lambda d: _by_id(d["cautions"], "caution-persistent-collection") is not None,
        "new-gait-instability-after-cervical-mri": lambda d: _by_id(d["recommendations"], "cervical-mri")["existing_order"] is not None,
        "fever-and-wound-drainage": lambda d: len(d["unconsidered_findings"]) == 2,
        "nsaid-with-one-recorded-analgesic": lambda d: set(_by_id(d["recommendations"], "nsaid")["conditional_on"]) == {"nsaid-contraindications", "current-analgesics"},
        "nsaid-on-anticoagulant": lambda d: _by_id(d["not_recommended"], "nsaid") is not None,
    }
    assert set(reached) == {p.stem for p in SCENARIOS}
    for path in SCENARIOS:
        data, _ = _run(path, engine)
        assert reached[path.stem](data), f"{path.name} [{engine}] does not reach its situation"
