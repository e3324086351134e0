"""Issue 17: EXISTS bodies asked as chains of one-pattern EXISTS in the many-case queries.

reasoner/batch/existschain.py states why the answers are the same and what
is left as written. Every bundled rule's two forms are compared on stores
of synthetic cases by tests/test_batch_absent.py (the store is given both
rewrites); the records by tests/test_batch_multicase.py.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from reasoner.batch.existschain import chain_form
from reasoner.batch.multicase import MultiCaseRules

PREFIX = "PREFIX ex: <http://example.org/>\nPREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
DATA = """
@prefix ex: <http://example.org/> .
ex:p1 ex:has ex:f1 , ex:f2 .
ex:f1 a ex:Pain ; ex:status ex:Absent ; ex:size 3 ; ex:note "left"@en .
ex:f2 a ex:Seroma ; ex:status ex:Present ; ex:size 9 .
ex:p2 ex:has ex:f3 .
ex:f3 a ex:Pain ; ex:status ex:Present ; ex:size 2 .
ex:f4 a ex:Pain ; ex:status ex:Absent .
"""


def _answers(query: str) -> list[str]:
    store = ox.Store()
    store.load(DATA.encode(), format=ox.RdfFormat.TURTLE)
    return sorted(str(s) for s in store.query(query))


@pytest.mark.parametrize(
    "where",
    [
        "?p ex:has ?x . FILTER EXISTS { ?p ex:has ?f . ?f ex:status ex:Absent ; a ?c . VALUES ?c { ex:Pain } FILTER(?c != ex:Other) }",
        "?p ex:has ?x . FILTER(NOT EXISTS { ?p ex:has ?f . ?f ex:size ?n . FILTER(?n > 5) } || EXISTS { ?x a ex:Pain ; ex:note \"left\"@en })",
        "?p ex:has ?x . BIND(EXISTS { ?p ex:has ?f . ?f a ex:Seroma , ?k ; ex:size 9 . { ?f ex:status ex:Present } UNION { ?f ex:status ex:Absent } } AS ?seroma)",
        "?p ex:has ?x . FILTER EXISTS { ?p ex:has ?f . ?f ex:status ?s . FILTER NOT EXISTS { ?f ex:size ?n . ?f a ex:Pain . FILTER(?n < 3) } }",
    ],
)
def test_a_chain_answers_what_the_body_answered(where: str) -> None:
    query = PREFIX + "SELECT * WHERE { " + where + " }"
    chained = chain_form(query)
    assert chained != query and chained.count("EXISTS") > query.count("EXISTS")
    assert _answers(chained) == _answers(query) != []


@pytest.mark.parametrize(
    "body",
    [
        "?p ex:has ?f . OPTIONAL { ?f ex:size ?n }",  # an OPTIONAL
        "?p ex:has ?f . BIND(?f AS ?g)",  # a BIND
        "?p ex:has ?f . ?f ex:next* ?g",  # a path that may have length zero
        "?p ex:has [ ex:status ex:Absent ] . ?p ex:has ?f",  # a blank node spans the patterns
        "?p ex:has ?f . { ?f ex:size ?n FILTER(?n > 1) }",  # a FILTER in a nested group
        "?p ex:has ?f . { SELECT ?f WHERE { ?f ex:size ?n } }",  # a sub-select
        "?p ex:has ?f",  # one pattern: nothing to chain
    ],
)
def test_what_is_left_as_written(body: str) -> None:
    query = PREFIX + "SELECT * WHERE { ?p ex:has ?x . FILTER EXISTS { " + body + " } }"
    assert chain_form(query) == query


def test_the_bundled_rules_have_chains(kb) -> None:  # type: ignore[no-untyped-def]
    """What makes it worth it: the heaviest batch queries hold EXISTS with several patterns."""
    rules = MultiCaseRules(kb)
    chained = [q for q, fast in rules._asked.items() if "FILTER EXISTS {" in fast and fast.count("EXISTS") > q.count("EXISTS")]
    assert len(chained) >= 15
