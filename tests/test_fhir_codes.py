"""Code maps are data with a named source, and no code is invented (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path

import warnings

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF

with warnings.catch_warnings():  # the package reads its tables with a deprecated importlib.resources call
    warnings.simplefilter("ignore", DeprecationWarning)
    import simple_icd_10_cm

ROOT = Path(__file__).resolve().parent.parent
MAP_FILES = sorted((ROOT / "queries").glob("*/fhir/codes/*.ttl")) + sorted((ROOT / "reasoner" / "fhir" / "maps").glob("*.ttl"))
FM = Namespace("https://w3id.org/glr/fhir-map#")
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
DCM = "http://dicom.nema.org/resources/ontology/DCM"
FHIR_EXAMPLES = ROOT / "tests" / "data" / "fhir-r4-examples"
LOCAL = "https://w3id.org/glr/fhir/CodeSystem/"


@pytest.fixture(scope="module")
def maps() -> Graph:
    graph = Graph()
    for path in MAP_FILES:
        graph.parse(path, format="turtle")
    return graph


def _entries(maps: Graph):
    for kind in (FM.CodeMapping, FM.ValueMapping, FM.OrderMapping):
        yield from maps.subjects(RDF.type, kind)


def test_there_are_code_maps() -> None:
    assert len(MAP_FILES) >= 5


def test_every_entry_names_its_source(maps: Graph) -> None:
    entries = list(_entries(maps))
    assert len(entries) > 30
    for entry in entries:
        source = maps.value(entry, DCTERMS.source)
        assert isinstance(source, URIRef), f"{entry} names no dcterms:source"
        assert (source, RDF.type, FM.CodeSource) in maps, f"{entry}: {source} is not a described fm:CodeSource"


def test_every_icd_10_cm_code_exists_with_its_display(maps: Graph) -> None:
    icd = [e for e in _entries(maps) if str(maps.value(e, FM.system)) == ICD10CM]
    assert icd
    for entry in icd:
        code = str(maps.value(entry, FM.code))
        assert simple_icd_10_cm.is_valid_item(code), f"{code} is not an ICD-10-CM code"
        assert simple_icd_10_cm.get_description(code) == str(maps.value(entry, FM.display)), code


def test_local_codes_come_only_from_a_declared_local_code_system(maps: Graph) -> None:
    local_systems = {str(maps.value(s, FM.system)) for s in maps.subjects(RDF.type, FM.LocalCodeSystem)}
    for entry in _entries(maps):
        system = str(maps.value(entry, FM.system))
        if system.startswith(LOCAL):
            assert system in local_systems, entry
            assert (maps.value(entry, DCTERMS.source), RDF.type, FM.LocalCodeSystem) in maps, entry


def _codings_in_examples() -> set[tuple[str, str, str]]:
    """(system, code, display) of every Coding in the committed FHIR R4 examples."""
    found: set[tuple[str, str, str]] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("system"), str) and isinstance(node.get("code"), str):
                found.add((node["system"], node["code"], str(node.get("display", ""))))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in FHIR_EXAMPLES.glob("*.json"):
        walk(json.loads(path.read_text(encoding="utf-8")))
    return found


def test_every_rxnorm_code_occurs_in_the_fhir_r4_examples(maps: Graph) -> None:
    """The RxNorm maps cite the FHIR R4 examples: the code, with that display, must be in them."""
    in_examples = _codings_in_examples()
    rx = [e for e in _entries(maps) if str(maps.value(e, FM.system)) == RXNORM]
    assert rx
    for entry in rx:
        key = (RXNORM, str(maps.value(entry, FM.code)), str(maps.value(entry, FM.display)))
        assert key in in_examples, f"{key} is not in tests/data/fhir-r4-examples"


def test_every_mapped_code_system_is_checked_or_local(maps: Graph) -> None:
    """A new public code system in the maps needs its own existence check here first."""
    checked = {ICD10CM, RXNORM, DCM}
    for entry in (*maps.subjects(RDF.type, FM.CodeMapping), *maps.subjects(RDF.type, FM.OrderMapping)):
        system = str(maps.value(entry, FM.system))
        assert system in checked or system.startswith(LOCAL), f"{entry}: codes of {system} are not verified by any test"
    dicom = {str(maps.value(e, FM.code)) for e in _entries(maps) if str(maps.value(e, FM.system)) == DCM}
    assert dicom <= {"CT", "MR", "CR", "DX"}  # the DICOM modality codes the ontology itself uses (glr:dicomModalityCode)
