"""The knowledge-base cache (reasoner/kb/cache.py) gives exactly what a fresh load gives, and never a stale one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib.compare import isomorphic
from rdflib.namespace import SH

from reasoner.kb import cache as kbcache
from reasoner.kb.knowledge import discover_modules, load_knowledge_base


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("GLR_CACHE_DIR", str(directory))
    monkeypatch.delenv("GLR_NO_KB_CACHE", raising=False)
    return directory


def _same(a, b) -> None:
    for name in ("ontology", "shapes", "knowledge"):
        ga, gb = getattr(a, name), getattr(b, name)
        assert len(ga) == len(gb) and isomorphic(ga, gb), name
        assert sorted(ga.namespaces()) == sorted(gb.namespaces()), name
    assert a.rules == b.rules
    assert a.modules == b.modules
    assert a.ontology_version == b.ontology_version
    assert a.version == b.version


def test_cached_load_equals_fresh_load(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_knowledge_base()  # fills the cache
    assert len(list(cache_dir.glob("kb-*.pickle"))) == 1
    second = load_knowledge_base()  # served from it
    monkeypatch.setenv("GLR_NO_KB_CACHE", "1")
    fresh = load_knowledge_base()
    _same(first, fresh)  # the load that filled the cache is an ordinary one
    # the cache serves exactly what was stored: the very triples, blank nodes included
    # (so no isomorphism search is needed, which costs seconds on these graphs)
    for name in ("ontology", "shapes", "knowledge"):
        assert set(getattr(second, name)) == set(getattr(first, name)), name
        assert sorted(getattr(second, name).namespaces()) == sorted(getattr(first, name).namespaces()), name
    assert (second.rules, second.modules, second.version) == (first.rules, first.modules, first.version)


def _module_copy(tmp_path: Path) -> Path:
    module = tmp_path / "mod"
    shutil.copytree(discover_modules()[0], module)
    return module


def test_a_changed_rule_file_is_never_served_stale(cache_dir: Path, tmp_path: Path) -> None:
    module = _module_copy(tmp_path)
    kb = load_knowledge_base(modules=[module])
    rule = kb.rules[0]
    rule.query_path.write_text(rule.query_text + "\n# changed\n", encoding="utf-8")
    again = load_knowledge_base(modules=[module])
    assert again.rule(rule.rule_id).query_text.endswith("# changed\n")


def test_a_changed_turtle_file_is_never_served_stale(cache_dir: Path, tmp_path: Path) -> None:
    module = _module_copy(tmp_path)
    kb = load_knowledge_base(modules=[module])
    meta = module / "module.ttl"
    meta.write_text(meta.read_text(encoding="utf-8") + "\n<urn:x> <urn:y> <urn:z> .\n", encoding="utf-8")
    again = load_knowledge_base(modules=[module])
    assert len(again.knowledge) == len(kb.knowledge) + 1


def test_a_corrupt_entry_falls_back_to_a_normal_load(cache_dir: Path) -> None:
    load_knowledge_base()
    for entry in cache_dir.glob("kb-*.pickle"):
        entry.write_bytes(b"not a pickle")
    assert len(load_knowledge_base().rules) > 0


def test_a_directory_others_can_write_is_not_used(cache_dir: Path) -> None:
    cache_dir.mkdir(mode=0o777)
    cache_dir.chmod(0o777)
    load_knowledge_base()
    assert not list(cache_dir.glob("kb-*.pickle"))


def test_turned_off(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GLR_NO_KB_CACHE", "1")
    assert kbcache.cache_directory() is None
    load_knowledge_base()
    assert not cache_dir.exists()


def test_cached_prepared_queries_give_the_same_results(cache_dir: Path) -> None:
    """Every bundled rule, prepared fresh and read back from the cache, on every example case."""
    from rdflib import Graph
    from rdflib.plugins.sparql import prepareQuery

    from reasoner.pipeline.timeline import elapsed_properties, normalise, resolve_as_of

    kb = load_knowledge_base()
    examples = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.ttl"))
    assert examples
    fresh = {}
    for rule in kb.rules:
        fresh[rule.rule_id] = prepareQuery(rule.query_text)
        kbcache.store_prepared_query(rule.query_text, fresh[rule.rule_id])
    cached = {rule.rule_id: kbcache.load_prepared_query(rule.query_text) for rule in kb.rules}
    assert all(q is not None for q in cached.values())
    props = elapsed_properties(kb.ontology)
    for path in examples:
        case = Graph().parse(path, format="turtle")
        data = Graph()
        data += kb.ontology
        data += normalise(case, resolve_as_of(case), props)
        for rule in kb.rules:
            a, b = Graph(), Graph()
            for t in data.query(fresh[rule.rule_id]):
                a.add(t)
            for t in data.query(cached[rule.rule_id]):
                b.add(t)
            assert len(a) == len(b) and isomorphic(a, b), (path.name, rule.rule_id)


def test_a_query_entry_for_other_text_is_not_used(cache_dir: Path) -> None:
    from rdflib.plugins.sparql import prepareQuery

    text = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    kbcache.store_prepared_query(text, prepareQuery(text))
    assert kbcache.load_prepared_query(text) is not None
    assert kbcache.load_prepared_query(text + " ") is None


def test_validation_with_cached_constraint_queries_is_unchanged(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SHACL-SPARQL constraints prepared fresh vs read back from the cache: identical reports."""
    from reasoner.pipeline import validation
    from reasoner.errors import InputError
    from reasoner.pipeline.loading import load_case

    kb = load_knowledge_base()
    root = Path(__file__).resolve().parent.parent / "examples"
    cases = sorted(root.glob("*.ttl")) + sorted((root / "invalid").glob("*.ttl"))
    assert any(p.parent.name == "invalid" for p in cases)

    def reports() -> list[dict]:
        kbcache.prepare_query.cache_clear()  # forget what this process parsed: read the disk cache
        out = []
        for path in cases:
            try:
                graph = load_case(path).graph
            except InputError:  # examples/invalid also holds files that are not RDF at all
                continue
            out.append(validation.validate_graph(graph, shapes=kb.shapes, ontology=kb.ontology).to_json())
        return out

    rule_entries = set(cache_dir.glob("rq-*.pickle"))  # the rules' queries, stored by the knowledge-base load
    fresh = reports()  # constraints not yet cached: prepared by rdflib, then stored
    assert any(not report["conforms"] for report in fresh)
    constraints = {str(q) for q in kb.shapes.objects(None, SH.select)}
    assert len(set(cache_dir.glob("rq-*.pickle")) - rule_entries) == len(constraints) == 3  # every one stored
    hits: list[bool] = []
    original = kbcache.load_prepared_query

    def counting(text: str) -> object:
        query = original(text)
        hits.append(query is not None)
        return query

    monkeypatch.setattr(kbcache, "load_prepared_query", counting)
    assert reports() == fresh  # read back from the cache
    assert hits and all(hits)
