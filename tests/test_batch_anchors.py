"""Issue 17: a rule's batch query is skipped when a pattern every answer needs matches nothing.

What is required (reasoner/batch/anchors.py) is pinned on small queries,
each next to what would go wrong if it were read differently; then every
bundled rule's skipped queries are asked anyway, on stores of synthetic
cases, and must answer nothing. The records of the whole path are compared
with the per-case path by tests/test_batch_multicase.py.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from _synthetic_helpers import prepared_cases  # noqa: E402
from reasoner.batch.anchors import Anchors, required_patterns
from reasoner.batch.multicase import MultiCaseRules
from reasoner.kb.cache import prepare_query

EX = "http://example.org/"
PREFIX = f"PREFIX ex: <{EX}>\n"


def _required(where: str) -> set[str]:
    found = required_patterns(prepare_query(PREFIX + "SELECT * WHERE { " + where + " }").algebra)
    return {str(p).removeprefix(EX) for _, p, _ in found}


@pytest.mark.parametrize(
    ("where", "required"),
    [
        ("?a ex:p ?b . ?b ex:q ?c", {"p", "q"}),
        ("?a ex:p ?b OPTIONAL { ?b ex:q ?c }", {"p"}),  # the optional side may be missing
        ("?a ex:p ?b MINUS { ?b ex:q ?c }", {"p"}),
        ("{ ?a ex:p ?b } UNION { ?a ex:q ?b }", set()),  # another branch may answer
        ("?a ex:p ?b FILTER NOT EXISTS { ?b ex:q ?c }", {"p"}),
        ("?a ex:p ?b FILTER EXISTS { ?b ex:q ?c }", {"p"}),  # not walked: the pattern it needs is kept
        ("?a ex:p ?b BIND(1 AS ?one)", {"p"}),
        ("GRAPH ?g { ?a ex:p ?b }", {"p"}),
        ("?a ex:p ?b { SELECT ?b WHERE { ?b ex:q ?c } }", {"p", "q"}),
        ("?a ex:p ?b { SELECT (COUNT(?c) AS ?n) WHERE { ?b ex:q ?c } }", {"p"}),  # a count of nothing is a row
        ("?a ex:p+ ?b . ?a ex:r ?c", {"r"}),  # a path: not kept
        ("?a ex:p ?b VALUES ?b { ex:x }", {"p"}),
        ("?a ex:p ?b OPTIONAL { ?b ex:q ?c VALUES ?c { } }", {"p"}),
    ],
)
def test_what_every_answer_needs(where: str, required: set[str]) -> None:
    assert _required(where) == required


def test_an_aggregate_over_nothing_still_answers_so_it_is_not_walked() -> None:
    """Why grouping stops the walk: on an empty store the count is one row, 0."""
    query = PREFIX + "SELECT (COUNT(?c) AS ?n) WHERE { ?b ex:q ?c }"
    assert required_patterns(prepare_query(query).algebra) == ()
    assert [str(s["n"].value) for s in ox.Store().query(query)] == ["0"]


def test_a_store_without_a_required_pattern_makes_the_query_unanswerable() -> None:
    query = PREFIX + "SELECT * WHERE { GRAPH ?g { ?a ex:p ex:x . ?a ex:q ?c } }"
    anchors = Anchors({query: prepare_query(query).algebra, "unknown": None})
    store = ox.Store()
    g = ox.NamedNode(EX + "g")
    store.add(ox.Quad(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "p"), ox.NamedNode(EX + "y"), g))
    store.add(ox.Quad(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "q"), ox.NamedNode(EX + "c"), g))
    assert anchors.unanswerable(query, store)  # ex:p ex:x is nowhere
    assert not list(store.query(query))
    store.add(ox.Quad(ox.NamedNode(EX + "b"), ox.NamedNode(EX + "p"), ox.NamedNode(EX + "x"), ox.DefaultGraph()))
    assert not anchors.unanswerable(query, store)  # somewhere, even in another graph: the query is asked
    assert not anchors.unanswerable("unknown", store)  # a query it was not given is always asked


def test_every_skipped_bundled_query_answers_nothing(kb, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rules = MultiCaseRules(kb)
    asked: list[tuple[str, bool, list]] = []  # type: ignore[type-arg]
    real = rules._anchors.unanswerable

    def checked(query: str, store: ox.Store) -> bool:
        skipped = real(query, store)
        # asked anyway, over every graph of the store (the shared ones too): nothing
        asked.append((query, skipped, list(store.query(query)) if skipped else []))
        return skipped

    monkeypatch.setattr(rules._anchors, "unanswerable", checked)
    cases = [(case.case_iri, case.graph) for case in prepared_cases(kb, 50, seed=17)]
    for start in range(0, 50, 25):
        rules.run(cases[start : start + 25])  # type: ignore[arg-type]
    skipped = [a for a in asked if a[1]]
    assert len(skipped) >= 20  # what makes it worth it: the opioid rules on post-fusion cases, and more
    assert any(a for a in asked if not a[1])
    assert all(rows == [] for _, _, rows in skipped)
