"""The rdflib engine evaluates VALUES blocks first: same answers, and never where order could show.

reasoner/pipeline/engines/rdflib_plan.py swaps joins in rdflib's algebra.
A join is commutative, so every rule must answer exactly as written (the
rule fixtures and tests/test_engines_agree.py check that for the bundled
rules); these tests pin the rewrite itself.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph
from rdflib.plugins.sparql import prepareQuery

from reasoner.pipeline.engines.rdflib_plan import values_first

ROOT = Path(__file__).resolve().parent.parent

DATA = """
@prefix ex: <https://example.org/plan#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Saddle rdfs:subClassOf ex:CaudaEquina . ex:CaudaEquina rdfs:subClassOf ex:RedFlag .
ex:Weakness rdfs:subClassOf ex:RedFlag . ex:Ache rdfs:subClassOf ex:Symptom .
ex:f1 a ex:Saddle . ex:f2 a ex:Ache . ex:f3 a ex:Weakness .
"""

RULE = """
PREFIX ex: <https://example.org/plan#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
CONSTRUCT { ?f ex:flag ?flag } WHERE {
  ?f a ?c . ?c rdfs:subClassOf* ?flag .
  VALUES ?flag { ex:CaudaEquina ex:Weakness }
}
"""


def _answers(query: object, graph: Graph) -> set:
    return set(graph.query(query))  # type: ignore[arg-type]


def test_values_move_first_and_the_answers_stay() -> None:
    graph = Graph().parse(data=DATA, format="turtle")
    as_written = prepareQuery(RULE)
    planned = prepareQuery(RULE)
    assert values_first(planned.algebra) == 1
    assert values_first(planned.algebra) == 0, "a second pass changes nothing"
    assert _answers(planned, graph) == _answers(as_written, graph) != set()


def test_a_query_whose_answer_depends_on_order_is_left_as_written() -> None:
    text = """
    PREFIX ex: <https://example.org/plan#>
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    SELECT (GROUP_CONCAT(STR(?f)) AS ?all) WHERE { ?f a ?c . VALUES ?c { ex:Saddle ex:Ache } }
    """
    query = prepareQuery(text)
    before = repr(query.algebra)
    assert values_first(query.algebra) == 0
    assert repr(query.algebra) == before
    limited = prepareQuery("SELECT ?s WHERE { ?s ?p ?o . VALUES ?o { 1 2 } } LIMIT 1")
    assert values_first(limited.algebra) == 0


def test_values_inside_exists_and_optional_are_planned_too() -> None:
    text = """
    PREFIX ex: <https://example.org/plan#>
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    CONSTRUCT { ?f ex:ok true } WHERE {
      ?f a ?c .
      OPTIONAL { ?c rdfs:subClassOf ?up . VALUES ?up { ex:RedFlag } }
      FILTER EXISTS { ?c rdfs:subClassOf* ?top . VALUES ?top { ex:RedFlag } }
    }
    """
    graph = Graph().parse(data=DATA, format="turtle")
    as_written, planned = prepareQuery(text), prepareQuery(text)
    assert values_first(planned.algebra) == 2
    assert _answers(planned, graph) == _answers(as_written, graph) != set()


def test_the_shared_prepared_queries_stay_as_written(kb) -> None:
    """The rdflib engine plans a private copy: the multi-case batch path compares the shared algebra
    with its rewrite, and a swapped shared copy sent eight rules to the slow case-by-case path."""
    from reasoner import recommend
    from reasoner.kb.cache import _dump_query, prepare_query

    planned = [rule for rule in kb.rules if "VALUES" in rule.query_text]  # the only ones the plan changes
    assert planned
    before = {rule.rule_id: _dump_query(prepare_query(rule.query_text)) for rule in planned}
    recommend(ROOT / "examples" / "seed-case.ttl", kb=kb, engine="rdflib")
    changed = [rule.rule_id for rule in planned if _dump_query(prepare_query(rule.query_text)) != before[rule.rule_id]]
    assert changed == []
