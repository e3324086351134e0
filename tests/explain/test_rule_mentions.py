"""Which IRIs a rule mentions, read from rdflib's algebra, and its memo on disk (unconsidered findings)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.plugins.sparql import prepareQuery

from reasoner.kb import cache as kbcache
from reasoner.kb.knowledge import load_knowledge_base
from reasoner.kb.mentions import iris_mentioned

P = "PREFIX ex: <http://example.org/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
EX = "http://example.org/"
MODULE = Path(__file__).resolve().parent / "explain-module"


def _mentioned(query: str) -> set[str]:
    return {str(i) for i in iris_mentioned(prepareQuery(P + query))} - {str(URIRef(EX + "out"))}


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("?s a ex:A", {"rdf:type", "A"}),
        ("?s a/rdfs:subClassOf* ex:A", {"rdf:type", "rdfs:subClassOf", "A"}),
        ("?s ex:p ?o FILTER(?o IN (ex:B, ex:C))", {"p", "B", "C"}),
        ("?s ex:p ?o FILTER NOT EXISTS { ?o a ex:D }", {"p", "rdf:type", "D"}),
        ("VALUES ?c { ex:E } ?s a ?c", {"rdf:type", "E"}),
        ("?s ex:p ?o BIND(ex:F AS ?x)", {"p", "F"}),
        # comments, strings and the CONSTRUCT template are not mentions
        ('?s ex:p "ex:G" # ex:H\n', {"p"}),
    ],
)
def test_iris_a_where_clause_mentions(where: str, expected: set[str]) -> None:
    short = {"rdf:type": "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "rdfs:subClassOf": "http://www.w3.org/2000/01/rdf-schema#subClassOf"}
    want = {short.get(e, EX + e) for e in expected}
    assert _mentioned("CONSTRUCT { ?s ex:out ex:Template } WHERE { " + where + " }") == want


def test_mentions_are_memoised_on_disk_and_keyed_by_rule_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GLR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GLR_NO_KB_CACHE", raising=False)
    kb = load_knowledge_base(modules=[MODULE])
    first = kb.iris_rules_mention()
    assert URIRef("https://w3id.org/glr/ontology#CaudaEquinaSign") in first
    assert len(list((tmp_path / "cache").glob("mn-*.pickle"))) == 1
    texts = [rule.query_text for rule in kb.rules]
    assert kbcache.load_mentions(texts) == {str(i) for i in first}
    assert kbcache.load_mentions([*texts[:-1], texts[-1] + "\n# changed\n"]) is None
    # a knowledge base read back from its cache entry computes (or reads) the same set
    again = load_knowledge_base(modules=[MODULE])
    assert again.iris_rules_mention() == first
