"""Every FHIR mapping rule, by name: a fixture where it maps something, one where it maps nothing.

Why: the mapping rules (``fhir/map``, ``fhir/link`` and the generic
``describe`` rules, reasoner/fhir/mapping.py) are knowledge like the
clinical rules, and each needs a case that shows it firing. The check is
an ablation: the bundle is imported with every rule and again without the
one under test; the two case graphs must differ on the firing fixture and
be the same (up to blank nodes) on the quiet one. Fixtures: the FHIR twins
of the examples (examples/fhir/) and the CDC Opioid Prescribing Support
test requests (tests/data/opioid-cds-r4/requests/, their prefetch as the
CDS Hooks service assembles it).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from reasoner.fhir.importer import default_mapping_set, import_fhir_bytes
from reasoner.hooks.prefetch import assemble_bundle

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "fhir"
REQUEST = ROOT / "tests" / "data" / "opioid-cds-r4" / "requests"
SEED, ASPIRATION, NSAID = EXAMPLE / "seed-case.json", EXAMPLE / "aspiration-candidate.json", EXAMPLE / "nsaid-contraindicated.json"
NO_RELIEF, CERVICAL = EXAMPLE / "opioids-without-relief.json", EXAMPLE / "recent-ct-cervical-symptoms.json"
OPIOID_ORDER = REQUEST / "request-example-rec-01-in-outpatient-opioid.json"

# rule file (relative to the repository) -> (a fixture it maps something in, one it maps nothing in)
RULES: dict[str, tuple[Path, Path]] = {
    "reasoner/fhir/queries/map/case.rq": (SEED, SEED),  # quiet side below: without a Patient no case
    "reasoner/fhir/queries/map/patient.rq": (SEED, SEED),
    "reasoner/fhir/queries/describe/source-label.rq": (SEED, SEED),
    "queries/postfusion/fhir/map/condition-finding.rq": (SEED, OPIOID_ORDER),
    "queries/postfusion/fhir/map/imaging-order.rq": (NSAID, OPIOID_ORDER),
    "queries/postfusion/fhir/map/imaging-study.rq": (SEED, OPIOID_ORDER),
    "queries/postfusion/fhir/map/medication.rq": (NO_RELIEF, SEED),
    "queries/postfusion/fhir/map/neurological-exam.rq": (ASPIRATION, SEED),
    "queries/postfusion/fhir/map/observation-finding.rq": (SEED, OPIOID_ORDER),
    "queries/postfusion/fhir/map/procedure.rq": (SEED, OPIOID_ORDER),
    "queries/postfusion/fhir/map/therapy.rq": (NO_RELIEF, SEED),
    "queries/postfusion/fhir/link/body-site.rq": (ASPIRATION, SEED),
    "queries/postfusion/fhir/link/collection-trend.rq": (ASPIRATION, SEED),
    "queries/postfusion/fhir/link/collection-volume.rq": (ASPIRATION, SEED),
    "queries/postfusion/fhir/link/condition-imaging.rq": (SEED, OPIOID_ORDER),
    "queries/postfusion/fhir/link/condition-patient.rq": (SEED, OPIOID_ORDER),
    "queries/postfusion/fhir/link/hardware-status.rq": (CERVICAL, SEED),
    "queries/postfusion/fhir/link/medication-relief.rq": (NO_RELIEF, SEED),
    "queries/postfusion/fhir/link/neural-compression.rq": (ASPIRATION, SEED),
    "queries/postfusion/fhir/link/procedure-complication.rq": (SEED, OPIOID_ORDER),
    "queries/postfusion/fhir/link/symptom-trend.rq": (SEED, OPIOID_ORDER),
    "queries/opioids-cdc2022/fhir/map/condition-in-value-set.rq": (REQUEST / "request-example-rec-08-substance-abuse.json", OPIOID_ORDER),
    "queries/opioids-cdc2022/fhir/map/medication-dose.rq": (REQUEST / "request-example-rec-03-long-acting-opioid.json", SEED),
    "queries/opioids-cdc2022/fhir/map/medication-order.rq": (OPIOID_ORDER, SEED),
    "queries/opioids-cdc2022/fhir/map/office-visit.rq": (REQUEST / "request-example-rec-07-seven-of-past-ten-days.json", OPIOID_ORDER),
    "queries/opioids-cdc2022/fhir/map/recorded-review.rq": (REQUEST / "request-example-rec-09-in-criteria-met.json", OPIOID_ORDER),
    "queries/opioids-cdc2022/fhir/map/treatment-plan.rq": (REQUEST / "request-example-rec-02-in-careplan-revisited.json", OPIOID_ORDER),
    "queries/opioids-cdc2022/fhir/map/urine-drug-screen.rq": (REQUEST / "request-example-rec-10-illicit-drugs.json", OPIOID_ORDER),
}
# Every case needs a case node and a patient and names its sources: these fire on every bundle.
ALWAYS = {"reasoner/fhir/queries/map/case.rq", "reasoner/fhir/queries/map/patient.rq", "reasoner/fhir/queries/describe/source-label.rq"}


def _bundle(path: Path) -> bytes:
    """A FHIR bundle's bytes; a CDS Hooks request's prefetch as the service assembles it."""
    if path.parent == REQUEST:
        body = json.loads(path.read_text(encoding="utf-8"))
        return json.dumps(assemble_bundle(body["context"], body.get("prefetch"), today=dt.date(2026, 11, 29)).bundle).encode()
    return path.read_bytes()


def _import(path: Path, mappings) -> Graph:  # type: ignore[no-untyped-def]
    request = path.parent == REQUEST  # read as the CDS Hooks service reads a prefetch
    return import_fhir_bytes(_bundle(path), source=path.name, mappings=mappings, require_case=False, set_aside_unread=request).graph


def test_the_table_names_every_mapping_rule() -> None:
    found = {str(path.relative_to(ROOT)) for _, path, _ in default_mapping_set().queries}
    assert found == set(RULES)


@pytest.mark.parametrize("rule", sorted(RULES), ids=lambda r: Path(r).stem)
def test_mapping_rule_fires_on_its_fixture_and_only_there(rule: str) -> None:
    everything = default_mapping_set()
    index = next(i for i, (_, path, _) in enumerate(everything.queries) if path == ROOT / rule)
    without = replace(everything, queries=everything.queries[:index] + everything.queries[index + 1 :])
    fires, quiet = RULES[rule]
    assert not isomorphic(_import(fires, everything), _import(fires, without)), f"{rule} maps nothing in {fires.name}"
    if rule not in ALWAYS:
        assert isomorphic(_import(quiet, everything), _import(quiet, without)), f"{rule} maps something in {quiet.name}"
