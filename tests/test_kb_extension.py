"""Adding a rule, or a whole module, is a data change: no Python is edited."""

from __future__ import annotations

import shutil
from pathlib import Path

from reasoner import load_knowledge_base, recommend
from reasoner.kb.knowledge import discover_modules

HERE = Path(__file__).resolve().parent
EXTRA = HERE / "kb_extension" / "extra-module"
SEED = HERE.parent / "examples" / "seed-case.ttl"


def _case_without_levels(tmp_path: Path) -> Path:
    text = SEED.read_text(encoding="utf-8").replace('    glr:spinalLevels "L4-L5" .', "    .").replace('glr:date "2026-02-10"^^xsd:date ;\n    .', 'glr:date "2026-02-10"^^xsd:date .')
    path = tmp_path / "no-levels.ttl"
    path.write_text(text, encoding="utf-8")
    return path


def test_rule_loaded_from_a_temporary_module_directory(tmp_path: Path) -> None:
    module = tmp_path / "extra-module"
    shutil.copytree(EXTRA, module)
    kb = load_knowledge_base(modules=[*discover_modules(), module])
    assert "document-fusion-levels" in {r.rule_id for r in kb.rules}
    case = _case_without_levels(tmp_path)
    for engine in ("rdflib", "oxigraph"):
        result = recommend(case, kb=kb, engine=engine)
        rec = next(r for r in result.recommendations if r.id == "document-fusion-levels")
        assert rec.rule == "document-fusion-levels"
        assert rec.premises[0].property.endswith("#date")
        assert rec.evidence[0].statement.startswith("Fixture claim")
    # the same module does not fire when the levels are recorded
    result = recommend(SEED, kb=kb)
    assert "document-fusion-levels" not in result.ids("recommendations")


def test_adding_a_rule_file_to_a_copied_module(tmp_path: Path) -> None:
    """Copy the bundled module, drop in one more rule, and it runs."""
    module = tmp_path / "postfusion"
    shutil.copytree(next(m for m in discover_modules() if m.name == "postfusion"), module)  # the seed case's pack
    shutil.copy(EXTRA / "rules" / "document-fusion-levels.rq", module / "rules")
    meta = (EXTRA / "rules" / "document-fusion-levels.ttl").read_text(encoding="utf-8")
    (module / "rules" / "document-fusion-levels.ttl").write_text(meta, encoding="utf-8")
    (module / "extension-catalogue.ttl").write_text((EXTRA / "module.ttl").read_text(encoding="utf-8").split("ex:module a glr:GuidelineModule")[0]
        + (EXTRA / "module.ttl").read_text(encoding="utf-8").split("owl:versionInfo \"0.0.1\" .")[1], encoding="utf-8")
    kb = load_knowledge_base(modules=[module])
    result = recommend(_case_without_levels(tmp_path), kb=kb)
    assert "document-fusion-levels" in result.ids("recommendations")
