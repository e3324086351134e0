"""The opioid module's copied IG data: requests repaired by exactly one brace, code data with its source.

Why: the conformance cases must be the guide's own, so the only change made
to them is checked here; and every value set, drug strength and conversion
factor must name the file it was transcribed from.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF

ROOT = Path(__file__).parents[1]
DATA = ROOT / "tests" / "data" / "opioid-cds-r4"
CODES = ROOT / "queries" / "opioids-cdc2022" / "fhir" / "codes"
OC = "https://w3id.org/glr/kb/opioids-cdc2022#"


@pytest.mark.parametrize("original", sorted((DATA / "original" / "requests").glob("*.json")), ids=lambda p: p.name)
def test_repaired_request_differs_only_by_stray_closing_braces(original: Path) -> None:
    """Most requests lose one stray `}`; five need two (tests/data/opioid-cds-r4/README.md); nothing else changes."""
    before = original.read_text(encoding="utf-8")
    after = (DATA / "requests" / original.name).read_text(encoding="utf-8")
    removed, i = [], 0
    for ch in before:
        if i < len(after) and after[i] == ch:
            i += 1
        else:
            removed.append(ch)
    assert i == len(after) and set(removed) <= {"}"} and len(removed) <= 2, original.name


def test_value_sets_and_factors_name_their_source() -> None:
    g = Graph()
    for name in ("value-sets.ttl", "mme-conversion-factors.ttl"):
        g.parse(CODES / name, format="turtle")
    for cls in (URIRef(OC + "ValueSet"), URIRef(OC + "ConversionFactor")):
        members = list(g.subjects(RDF.type, cls))
        assert members
        assert all(g.value(m, DCTERMS.source) is not None for m in members), cls
    header = (CODES.parent / "data" / "opioid-drug-strengths.ttl").read_text(encoding="utf-8")[:600]
    assert "input/cql/OMTKData.cql" in header and "b29bdcbf6db6" in header


def test_mapping_only_tables_stay_out_of_the_knowledge_base(kb) -> None:
    """fhir/data/ is read by the FHIR mapper only: the reasoner's knowledge base holds none of its 20,000 triples."""
    from reasoner.fhir.importer import default_mapping_set
    from reasoner.kb.knowledge import module_files

    module = ROOT / "queries" / "opioids-cdc2022"
    data = sorted((module / "fhir" / "data").glob("*.ttl"))
    assert data and not set(data) & set(module_files(module))
    assert set(data) <= set(default_mapping_set().data_files)
    assert (None, URIRef(OC + "memberOf"), None) not in kb.knowledge
    assert (None, URIRef(OC + "rxnormDrugCode"), None) not in kb.knowledge
