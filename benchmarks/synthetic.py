"""Realistic synthetic post-fusion cases, valid per the case shapes.

Why: a benchmark on one repeated case measures caches, not the reasoner.
Each case varies the findings (present, absent, unknown), their dates,
the imaging (CT / MRI, seroma present or resolved, trend, volume,
hardware), medications and therapy, around the seed scenario. Generation
is deterministic for a given seed.

    python benchmarks/synthetic.py 1000 --out /tmp/cases          # one .ttl per case
    python benchmarks/synthetic.py 1000 --nquads /tmp/cases.nq    # one named graph per case
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

__all__ = ["generate_case", "generate_cases", "write_directory", "write_nquads"]

BASE = "https://w3id.org/glr/synthetic/case-{n:06d}/"

_OPTIONAL_FINDINGS = (
    ("radicular", "RadicularLegPain", "Radicular leg pain"),
    ("upper-extremity", "UpperExtremityRadicularSymptom", "Upper-extremity radicular symptoms"),
    ("gait", "GaitInstability", "Gait instability"),
    ("spasm", "ParaspinalMuscleSpasm", "Paraspinal muscle spasm"),
    ("neck-shoulders", "NeckPainRadiatingToShoulders", "Neck pain radiating to shoulders"),
    ("hand-clumsiness", "HandClumsiness", "Hand clumsiness"),
)
_RED_FLAGS = (
    ("new-motor-weakness", "NewMotorWeakness", "New motor weakness"),
    ("new-sensory-deficit", "NewSensoryDeficit", "New sensory deficit"),
    ("progressive-deterioration", "ProgressiveNeurologicalDeterioration", "Progressive neurological deterioration"),
    ("cauda-equina-signs", "CaudaEquinaSign", "Cauda equina signs"),
)
_NSAID_CONTRA = (
    ("ckd", "AdvancedChronicKidneyDisease", "Advanced chronic kidney disease"),
    ("gi-bleeding", "GastrointestinalBleeding", "Gastrointestinal bleeding"),
    ("anticoagulation", "Anticoagulation", "Anticoagulation"),
    ("nsaid-allergy", "NSAIDAllergy", "NSAID allergy"),
)
_DRUGS = (("Opioid", "oxycodone"), ("NSAID", "ibuprofen"), ("Gabapentinoid", "gabapentin"),
          ("MuscleRelaxant", "cyclobenzaprine"), ("Paracetamol", "paracetamol"))


def _d(day: dt.date) -> str:
    return f'"{day.isoformat()}"^^xsd:date'


def _between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    span = (end - start).days
    return start + dt.timedelta(days=rng.randint(0, max(span, 0)))


def generate_case(n: int, rng: random.Random) -> str:
    """One case as Turtle."""
    as_of = dt.date(2026, 11, 24) - dt.timedelta(days=rng.randint(0, 365))
    fusion = as_of - dt.timedelta(days=rng.randint(45, 900))
    lines = [
        "@prefix glr: <https://w3id.org/glr/ontology#> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        f"@prefix : <{BASE.format(n=n)}> .",
        "",
        f':case a glr:Case ; rdfs:label "Synthetic case {n}" ; glr:asOf {_d(as_of)} ; glr:aboutPatient :patient .',
        f':fusion a glr:LumbarFusion ; rdfs:label "Lumbar fusion" ; glr:date {_d(fusion)} ; glr:spinalLevels "L{rng.randint(3, 4)}-L{rng.randint(5, 5)}" .',
    ]
    findings = ["back-pain"]
    trend_since = _between(rng, fusion, as_of)
    lines.append(
        f':back-pain a glr:PersistentBackPain ; rdfs:label "Persistent low back pain" ; '
        f"glr:status glr:{rng.choice(['Present', 'Present', 'Present', 'Absent'])} ; glr:onsetDate {_d(fusion)} ; "
        f"glr:trend glr:{rng.choice(['Unchanged', 'Worsening', 'Improving'])} ; glr:trendSinceDate {_d(trend_since)} ."
    )
    for key, cls, label in _OPTIONAL_FINDINGS + _RED_FLAGS:
        roll = rng.random()
        if roll < 0.35:
            continue  # unknown: not recorded
        status = "Present" if (roll < 0.5 if (key, cls, label) in _OPTIONAL_FINDINGS else roll < 0.4) else "Absent"
        findings.append(key)
        lines.append(
            f':{key} a glr:{cls} ; rdfs:label "{label}" ; glr:status glr:{status} ; glr:recordedDate {_d(_between(rng, fusion, as_of))} .'
        )
    if rng.random() < 0.5:
        findings.append("cervical-stenosis")
        lines.append(':cervical-stenosis a glr:CervicalStenosis ; rdfs:label "Known cervical stenosis" ; glr:status glr:Present .')
    roll = rng.random()
    if roll < 0.3:  # none of the contraindications
        findings.append("no-nsaid-contra")
        lines.append(':no-nsaid-contra a glr:NSAIDContraindication ; rdfs:label "No NSAID contraindication" ; glr:status glr:Absent .')
    elif roll < 0.6:
        key, cls, label = rng.choice(_NSAID_CONTRA)
        findings.append(key)
        lines.append(f':{key} a glr:{cls} ; rdfs:label "{label}" ; glr:status glr:{rng.choice(["Present", "Absent"])} .')

    imaging = []
    if rng.random() < 0.85:
        ct_date = _between(rng, fusion + dt.timedelta(days=7), as_of)
        imaging.append("lumbar-ct")
        ct = [
            ':lumbar-ct a glr:ImagingStudy ; rdfs:label "CT lumbar spine" ; glr:modality glr:CT ; glr:bodyRegion glr:LumbarSpine ;',
            f"    glr:contrast glr:WithoutContrast ; glr:imagingStatus glr:Performed ; glr:date {_d(ct_date)}",
        ]
        if rng.random() < 0.5:
            ct.append(f"    ; glr:hardwareStatus glr:{rng.choice(['HardwareIntact', 'HardwareIntact', 'HardwareLoosening'])}")
        if rng.random() < 0.7:
            ct.append("    ; glr:hasImagingFinding :seroma")
            status = rng.choice(["Present", "Present", "Resolved"])
            seroma = f':seroma a glr:Seroma ; rdfs:label "Postoperative seroma" ; glr:status glr:{status} ; glr:followsProcedure :fusion'
            if status == "Present":
                seroma += f" ; glr:collectionTrend glr:{rng.choice(['Stable', 'Enlarging', 'Decreasing'])} ; glr:volumeMl {rng.randint(5, 120)}"
            lines.append(seroma + " .")
        lines.append("\n".join(ct) + " .")
    if rng.random() < 0.5:
        imaging.append("mri-order")
        lines.append(
            f':mri-order a glr:ImagingStudy ; rdfs:label "MRI order" ; glr:modality glr:MRI ; '
            f"glr:bodyRegion glr:{rng.choice(['LumbarSpine', 'CervicalSpine'])} ; "
            f"glr:imagingStatus glr:{rng.choice(['Requested', 'PendingApproval'])} ; glr:date {_d(_between(rng, fusion, as_of))} ."
        )
    meds = []
    for i in range(rng.randint(0, 3)):
        cls, name = rng.choice(_DRUGS)
        key = f"med-{i}"
        meds.append(key)
        extra = f" ; glr:meaningfulRelief {rng.choice(['true', 'false'])}" if rng.random() < 0.6 else ""
        lines.append(
            f':{key} a glr:MedicationUse ; rdfs:label "{name}" ; glr:drugClass glr:{cls} ; '
            f"glr:date {_d(_between(rng, fusion, as_of))} ; glr:ongoing {rng.choice(['true', 'false'])}{extra} ."
        )
    therapy = []
    if rng.random() < 0.4:
        therapy.append("physical-therapy")
        lines.append(
            f':physical-therapy a glr:PhysicalTherapy ; rdfs:label "Physical therapy" ; '
            f"glr:date {_d(_between(rng, fusion, as_of))} ; glr:ongoing {rng.choice(['true', 'false'])} ."
        )
    patient = [':patient a glr:Patient ; rdfs:label "Synthetic patient" ; glr:hadProcedure :fusion',
               "    ; glr:hasFinding " + ", ".join(f":{f}" for f in findings)]
    if imaging:
        patient.append("    ; glr:hasImaging " + ", ".join(f":{i}" for i in imaging))
    if meds:
        patient.append("    ; glr:hasMedication " + ", ".join(f":{m}" for m in meds))
    if therapy:
        patient.append("    ; glr:hasTherapy " + ", ".join(f":{t}" for t in therapy))
    lines.append("\n".join(patient) + " .")
    return "\n".join(lines) + "\n"


def generate_cases(count: int, *, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [generate_case(n, rng) for n in range(count)]


def write_directory(count: int, directory: Path, *, seed: int = 7) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, text in enumerate(generate_cases(count, seed=seed)):
        path = directory / f"case-{n:06d}.ttl"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def write_nquads(count: int, path: Path, *, seed: int = 7) -> None:
    import pyoxigraph as ox

    quads = []
    for n, text in enumerate(generate_cases(count, seed=seed)):
        graph = ox.NamedNode(BASE.format(n=n) + "graph")
        for triple in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE):
            quads.append(ox.Quad(triple.subject, triple.predicate, triple.object, graph))
    ox.serialize(quads, output=str(path), format=ox.RdfFormat.N_QUADS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("count", type=int)
    parser.add_argument("--out", type=Path, help="directory for one .ttl file per case")
    parser.add_argument("--nquads", type=Path, help="one N-Quads file, a named graph per case")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.out:
        write_directory(args.count, args.out, seed=args.seed)
    if args.nquads:
        write_nquads(args.count, args.nquads, seed=args.seed)


if __name__ == "__main__":
    main()
