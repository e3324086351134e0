"""Elapsed time: whole calendar months and days, at every boundary that bites."""

from __future__ import annotations

import datetime as dt

import pytest
from rdflib import Graph, Literal, URIRef

from reasoner.errors import AsOfError
from reasoner.pipeline.timeline import (
    AsOfSource,
    add_months,
    elapsed_properties,
    normalise,
    parse_as_of_option,
    resolve_as_of,
    whole_months_between,
)
from reasoner.vocab import GLR, RDF, XSD

D = dt.date


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (D(2026, 6, 20), D(2026, 10, 20), 4),  # exactly four months
        (D(2026, 6, 20), D(2026, 10, 19), 3),  # a day short
        (D(2026, 6, 20), D(2026, 10, 21), 4),  # a day over
        (D(2026, 6, 20), D(2026, 11, 24), 5),  # the seed: CT 5 months before as-of
        (D(2026, 1, 31), D(2026, 2, 28), 1),  # 31 Jan + 1 month = 28 Feb (clamped)
        (D(2026, 1, 31), D(2026, 2, 27), 0),
        (D(2024, 1, 31), D(2024, 2, 29), 1),  # leap year: 29 Feb
        (D(2024, 1, 31), D(2024, 2, 28), 0),
        (D(2024, 2, 29), D(2025, 2, 28), 12),  # leap day + 12 months = 28 Feb
        (D(2024, 2, 29), D(2025, 2, 27), 11),
        (D(2026, 3, 31), D(2026, 4, 30), 1),
        (D(2026, 8, 31), D(2026, 9, 30), 1),
        (D(2026, 5, 15), D(2026, 5, 15), 0),
        (D(2025, 12, 15), D(2026, 1, 15), 1),  # across a year end
        (D(2026, 11, 25), D(2026, 11, 24), 0),  # end before start by a day
        (D(2026, 12, 24), D(2026, 11, 24), -1),
    ],
)
def test_whole_months_between(start: dt.date, end: dt.date, months: int) -> None:
    assert whole_months_between(start, end) == months


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2026, 10, 31), 4) == D(2027, 2, 28)


def _case(as_of: str | None = None) -> Graph:
    g = Graph()
    case = URIRef("https://example.org/case")
    g.add((case, RDF.type, GLR.Case))
    if as_of:
        g.add((case, GLR.asOf, Literal(as_of, datatype=XSD.date)))
    return g


def test_as_of_precedence_and_source() -> None:
    assert resolve_as_of(_case("2026-11-24")).source is AsOfSource.CASE_GRAPH
    cli = resolve_as_of(_case("2026-11-24"), override=D(2026, 12, 1))
    assert cli.source is AsOfSource.COMMAND_LINE and cli.date == D(2026, 12, 1)
    assert "case graph states 2026-11-24" in cli.describe()
    today = resolve_as_of(_case(), today=D(2027, 1, 2))
    assert today.source is AsOfSource.TODAY and today.date == D(2027, 1, 2)


def test_bad_as_of_values_are_refused() -> None:
    with pytest.raises(AsOfError, match="YYYY-MM-DD"):
        parse_as_of_option("24/11/2026")
    g = _case()
    g.add((URIRef("https://example.org/case"), GLR.asOf, Literal("November 2026")))
    with pytest.raises(AsOfError, match="not an xsd:date"):
        resolve_as_of(g)


def test_normalise_states_elapsed_time_from_ontology_annotations() -> None:
    from reasoner.kb.knowledge import load_knowledge_base

    kb = load_knowledge_base(modules=[])
    props = elapsed_properties(kb.ontology)
    assert {p.date_property for p in props} >= {GLR.date, GLR.onsetDate, GLR.trendSinceDate}
    g = _case("2026-11-24")
    ct = URIRef("https://example.org/ct")
    g.add((ct, GLR.date, Literal("2026-06-20", datatype=XSD.date)))
    out = normalise(g, resolve_as_of(g), props)
    assert out.value(ct, GLR.monthsBeforeAsOf) == Literal(5)
    assert out.value(ct, GLR.daysBeforeAsOf) == Literal(157)
    assert out.value(URIRef("https://example.org/case"), GLR.asOfUsed) == Literal("2026-11-24", datatype=XSD.date)
    assert len(g) == 3, "the input graph is not modified"


def test_normalise_never_guesses_a_wrongly_typed_date() -> None:
    from reasoner.kb.knowledge import load_knowledge_base

    kb = load_knowledge_base(modules=[])
    g = _case("2026-11-24")
    ct = URIRef("https://example.org/ct")
    g.add((ct, GLR.date, Literal("June 2026")))
    out = normalise(g, resolve_as_of(g), elapsed_properties(kb.ontology))
    assert out.value(ct, GLR.monthsBeforeAsOf) is None
