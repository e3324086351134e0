"""A second guideline pack in another clinical domain loads beside post-fusion with no edit outside its directory.

The pack (tests/packs/gout-flare/) carries its own ontology extension, case
shape, rule, endpoint query and fixtures. Each test works on a copy of it in
a temporary directory, so nothing but the pack's own files is read.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reasoner import load_knowledge_base, recommend
from reasoner.kb.check import check_knowledge_base
from reasoner.kb.knowledge import discover_modules
from reasoner.kb.packs import discover_packs, pack_files
from reasoner.paths import QUERIES_DIR

PACK = Path(__file__).resolve().parent / "packs" / "gout-flare"
SEED = Path(__file__).resolve().parent.parent / "examples" / "seed-case.ttl"
GOUT = "https://w3id.org/glr/kb/test-gout#"


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("packs") / "gout-flare"
    shutil.copytree(PACK, copy)
    return copy


@pytest.fixture(scope="module")
def kb(pack: Path):
    return load_knowledge_base(modules=[*discover_modules(), pack])


def test_the_pack_files_join_their_graphs(pack: Path, kb) -> None:
    files = pack_files(pack)
    assert [p.name for p in files.ontology] == ["gout.ttl"] and [p.name for p in files.shapes] == ["gout.ttl"]
    assert not any("fixtures" in p.parts for p in files.all_turtle())
    assert [p.name for p in files.endpoint_queries] == ["patients-with-gout-flare.rq"]
    assert any(str(s) == GOUT + "GoutFlare" for s in kb.ontology.subjects())
    assert any(str(s) == GOUT + "GoutFlareShape" for s in kb.shapes.subjects())
    assert not any(str(s) == GOUT + "GoutFlare" for s in kb.knowledge.subjects())


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
def test_its_fixtures_give_their_outcome_beside_post_fusion(pack: Path, kb, engine: str) -> None:
    fires = recommend(pack / "fixtures" / "fires-flare-two-months-old.ttl", kb=kb, engine=engine)
    assert fires.ids("recommendations") == ["gout-recheck-urate"]
    assert fires.recommendations[0].premises[0].property.endswith("#monthsSinceOnset")
    quiet = recommend(pack / "fixtures" / "not-firing-flare-two-weeks-old.ttl", kb=kb, engine=engine)
    assert quiet.validation.conforms and quiet.ids("recommendations") == []


def test_its_own_case_shape_applies(pack: Path, kb) -> None:
    result = recommend(pack / "fixtures" / "invalid-flare-without-onset.ttl", kb=kb)
    assert not result.validation.conforms
    assert [r.message for r in result.validation.results] == ["The gout flare has no onset date (glr:onsetDate)."]


def test_post_fusion_answers_are_unchanged_by_the_second_pack(kb) -> None:
    alone = recommend(SEED).to_json()
    beside = recommend(SEED, kb=kb).to_json()
    for key in ("recommendations", "not_recommended", "cautions", "information_needs"):
        assert beside[key] == alone[key], key


def test_packs_are_found_wherever_they_sit(tmp_path: Path, pack: Path) -> None:
    shutil.copytree(QUERIES_DIR / "postfusion", tmp_path / "postfusion")
    shutil.copytree(pack, tmp_path / "gout-flare")
    assert [p.name for p in discover_packs(tmp_path)] == ["gout-flare", "postfusion"]
    assert [p.name for p in discover_modules(tmp_path)] == ["gout-flare", "postfusion"]


def test_glr_check_passes_on_the_pack_alone() -> None:
    report = check_knowledge_base(PACK, reason=False, profile=False)
    assert report.ok, report.to_text()
    catalog = next(c for c in report.checks if c.name == "Protégé catalog")
    assert catalog.detail.startswith("3 IRIs"), catalog.detail  # the core's 2 (its IRI and version IRI) and the pack's import of the core


def test_a_pack_ontology_without_its_catalog_is_reported(pack: Path) -> None:
    (pack / "ontology" / "catalog-v001.xml").unlink()
    try:
        report = check_knowledge_base(pack, reason=False, profile=False)
    finally:
        shutil.copy(PACK / "ontology" / "catalog-v001.xml", pack / "ontology" / "catalog-v001.xml")
    problems = [p for p in report.problems if p.check == "Protégé catalog"]
    assert len(problems) == 1 and "catalog-v001.xml is missing" in problems[0].message, problems
