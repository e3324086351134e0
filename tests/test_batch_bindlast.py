"""Issue 17: BINDs written amid a group's patterns moved to its end in the many-case queries.

reasoner/batch/bindlast.py states why the answers are the same and when a
BIND stays; each refusal below comes with the answer the move would change.
Every bundled rule's forms are compared on stores of synthetic cases by
tests/test_batch_absent.py (the store is given all the rewrites).
"""

from __future__ import annotations

import pyoxigraph as ox

from reasoner.batch.bindlast import bind_last_form
from reasoner.batch.multicase import MultiCaseRules

PREFIX = "PREFIX ex: <http://example.org/>\n"
DATA = """
@prefix ex: <http://example.org/> .
ex:a ex:days 10 ; ex:next ex:b ; ex:label "a" .
ex:b ex:days 3 ; ex:label "b" .
"""


def _answers(query: str) -> list[str]:
    store = ox.Store()
    store.load(DATA.encode(), format=ox.RdfFormat.TURTLE)
    return sorted(str(s) for s in store.query(query))


def test_binds_amid_patterns_move_last_in_their_order_with_the_same_answers() -> None:
    query = PREFIX + "SELECT * WHERE { ?x ex:days ?d . BIND(?d * 2 AS ?twice) BIND(?twice > 5 AS ?big) ?x ex:next ?y . ?y ex:days ?e FILTER(?big) }"
    moved = bind_last_form(query)
    assert moved.index("BIND(?d * 2") > moved.index("?y ex:days ?e") and moved.index("BIND(?d * 2") < moved.index("BIND(?twice > 5")
    assert _answers(moved) == _answers(query) != []


def test_a_bind_whose_variable_a_later_pattern_names_stays() -> None:
    """Moved, the pattern would bind it first (and SPARQL forbids a BIND of a bound variable)."""
    query = PREFIX + "SELECT * WHERE { ?x ex:days ?d . BIND(ex:b AS ?y) ?x ex:next ?y }"
    assert bind_last_form(query) == query


def test_a_bind_reading_what_a_later_element_binds_stays() -> None:
    query = PREFIX + "SELECT * WHERE { ?x ex:days ?d . BIND(BOUND(?l) AS ?labelled) ?x ex:next ?y . OPTIONAL { ?x ex:label ?l } }"
    assert bind_last_form(query) == query
    # and why: moved by hand, the answers change
    start = query.index("BIND(")
    end = query.index(")", query.index(" AS ", start)) + 1
    by_hand = query[:start] + "FILTER(true)" + query[end : query.rindex("}")] + " " + query[start:end] + " }"
    assert _answers(by_hand) != _answers(query)


def test_a_bind_already_last_and_an_optionals_group_are_left_alone() -> None:
    last = PREFIX + "SELECT * WHERE { ?x ex:days ?d . ?x ex:next ?y BIND(?d + 1 AS ?e) }"
    assert bind_last_form(last) == last
    optional = PREFIX + "SELECT * WHERE { ?x ex:days ?d OPTIONAL { ?x ex:next ?y BIND(?d AS ?e) ?y ex:days ?f } }"
    assert bind_last_form(optional) == optional


def test_a_bundled_rule_has_its_binds_moved(kb) -> None:  # type: ignore[no-untyped-def]
    rules = MultiCaseRules(kb)
    assert any("caution-persistent-collection" in q and bind_last_form(q) != q for q in rules._asked)
