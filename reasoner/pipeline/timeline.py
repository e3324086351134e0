"""Resolve the as-of date and state elapsed time as plain integers.

Why here and not in SPARQL: engines disagree on date arithmetic (the same
date-difference rule matched 0 cases on rdflib and 9 on Oxigraph), so the
arithmetic happens once, in Python, and rules compare integers.

Which date properties get elapsed-time companions is data: the ontology
annotates each date property with glr:elapsedMonthsProperty and
glr:elapsedDaysProperty.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import re
from dataclasses import dataclass
from enum import Enum
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Union

from rdflib import Graph, Literal, URIRef
from rdflib.term import bind
from rdflib.xsd_datetime import parse_xsd_date
from rdflib.term import Node

from ..errors import AsOfError, InputError
from ..kb.elapsed import ElapsedProperties, elapsed_properties  # read from the ontology by the kb layer
from ..vocab import GLR, RDF, XSD
from .pendingcase import PendingCaseGraph

if TYPE_CHECKING:
    from .plainview import PlainCaseView

#: what the reads below accept: a graph, or the stand-in run.prepare_case uses for a plain Turtle case
CaseGraph = Union[Graph, "PlainCaseView"]

__all__ = [
    "AsOfSource",
    "AsOf",
    "ElapsedProperties",
    "add_months",
    "whole_months_between",
    "resolve_as_of",
    "reject_timezone_offsets",
    "elapsed_properties",
    "normalise",
]


class AsOfSource(str, Enum):
    """Where the as-of date came from; always reported with the results."""

    COMMAND_LINE = "command line"
    CASE_GRAPH = "case graph"
    TODAY = "today"


@dataclass(frozen=True)
class AsOf:
    date: dt.date
    source: AsOfSource
    case_stated: dt.date | None = None

    def describe(self) -> str:
        text = f"{self.date.isoformat()} (from the {self.source.value})"
        if self.source is AsOfSource.COMMAND_LINE and self.case_stated and self.case_stated != self.date:
            text += f"; the case graph states {self.case_stated.isoformat()}"
        return text


def add_months(start: dt.date, months: int) -> dt.date:
    """start + n calendar months, the day clamped to the target month's end (31 Jan + 1 = 28/29 Feb)."""
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(start.day, last_day))


def whole_months_between(start: dt.date, end: dt.date) -> int:
    """Largest n with add_months(start, n) <= end; negative when end precedes start."""
    if end < start:
        return -whole_months_between(end, start)
    n = (end.year - start.year) * 12 + (end.month - start.month)
    while n > 0 and add_months(start, n) > end:
        n -= 1
    return n


def _parse_date(value: Node, *, what: str) -> dt.date:
    if isinstance(value, Literal) and isinstance(value.toPython(), dt.date) and not isinstance(value.toPython(), dt.datetime):
        return value.toPython()
    raise AsOfError(f"{what} '{value}' is not an xsd:date (write it as \"YYYY-MM-DD\"^^xsd:date).")


def parse_as_of_option(text: str) -> dt.date:
    """Parse --as-of; only ISO dates are accepted, nothing is guessed."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise AsOfError(f"--as-of '{text}' is not a date in the form YYYY-MM-DD.") from None


_TIMEZONE = re.compile(r"(Z|[+-]\d{2}:\d{2})$")
#: the datatypes whose offsets are refused; a set, so a look-up hashes (in C) instead of comparing in Python
_DATED = frozenset({XSD.date, XSD.dateTime})
#: terms read and stated per case, made once (a namespace attribute makes and checks a new URIRef on every read)
_TYPE, _CASE, _AS_OF, _AS_OF_USED, _AS_OF_SOURCE = RDF.type, GLR.Case, GLR.asOf, GLR.asOfUsed, GLR.asOfSource
_DATE = XSD.date


def _plain_date(lexical: str) -> dt.date:
    """xsd:date lexical form to a date, refusing a time zone offset instead of dropping it."""
    if _TIMEZONE.search(lexical.strip()):
        raise ValueError(f"the xsd:date '{lexical}' carries a time zone offset")
    return parse_xsd_date(lexical)


def _keep_date_offsets() -> None:
    """Make rdflib keep an offset-carrying xsd:date as written (ill-typed) instead of dropping the offset.

    Why: rdflib normalises literals while parsing, and its xsd:date
    conversion discards the offset, so by the time a graph exists
    ``"2026-06-21+14:00"`` reads ``"2026-06-21"``. Binding a stricter
    constructor (rdflib's public ``rdflib.term.bind``) keeps the lexical
    form, so :func:`reject_timezone_offsets` can see and refuse it.
    """
    logger = logging.getLogger("rdflib.term")
    previous = logger.level
    logger.setLevel(logging.ERROR)  # bind() warns that xsd:date was bound before; that is the point
    try:
        bind(XSD.date, dt.date, constructor=_plain_date, lexicalizer=dt.date.isoformat, datatype_specific=True)
    finally:
        logger.setLevel(previous)


_keep_date_offsets()


def reject_timezone_offsets(graph: CaseGraph, *, source: str | None = None) -> None:
    """Refuse xsd:date / xsd:dateTime values that carry a time zone offset (or Z).

    Why refuse rather than convert: rdflib drops the offset when it reads an
    xsd:date, so ``2026-06-21+14:00`` and ``2026-06-20-10:00`` (the same
    instant) would count as different days, and which local day a dated
    instant belongs to is a clinical fact the reasoner must not guess.
    Elapsed time is counted in whole calendar days and months of plain
    dates; see docs/security.md#dates.
    """
    for subject, prop, value in graph:
        if isinstance(value, Literal) and value.datatype in _DATED:
            found = _TIMEZONE.search(str(value).strip())
            if found:
                raise InputError(
                    f"the date {_quoted(value)} ({_quoted(prop)} of {_quoted(subject)}) carries the time zone offset '{found.group()}'; "
                    "glr counts whole calendar days between plain dates and refuses offsets rather than guess "
                    "the local day. Write the date as YYYY-MM-DD, the day in the patient's own calendar.",
                    source=source,
                )


def _quoted(term: Node) -> str:
    """A term inside a message: quoted, control characters escaped, bounded (it comes from the case file)."""
    text = ascii(str(term)[:200]) if not str(term).isprintable() else f"'{str(term)[:200]}'"
    return text


def resolve_as_of(graph: CaseGraph, *, override: dt.date | None = None, today: dt.date | None = None) -> AsOf:
    """Command line beats the case graph beats today; the choice is recorded."""
    stated: dt.date | None = None
    values = [o for c in graph.subjects(_TYPE, _CASE) for o in graph.objects(c, _AS_OF)]
    if len(set(values)) > 1:
        raise AsOfError("the case states more than one as-of date (glr:asOf): " + ", ".join(sorted(str(v) for v in set(values))) + ".")
    if values:
        stated = _parse_date(values[0], what="The case's as-of date (glr:asOf)")
    if override is not None:
        return AsOf(override, AsOfSource.COMMAND_LINE, stated)
    if stated is not None:
        return AsOf(stated, AsOfSource.CASE_GRAPH, stated)
    return AsOf(today or dt.date.today(), AsOfSource.TODAY, None)


_INTEGERS: dict[int, Literal] = {}


def _shared(table: dict[Any, Literal], key: Any, key_type: type, make: Callable[[], Literal], limit: int) -> Literal:
    """One shared Literal per key of exactly ``key_type`` (terms are immutable values); a table that
    reaches ``limit`` starts again, so a long batch never grows it without end."""
    term = table.get(key) if type(key) is key_type else None
    if term is None:
        term = make()
        if type(key) is key_type:
            if len(table) >= limit:
                table.clear()
            table[key] = term
    return term


def _integer(n: int) -> Literal:
    """``Literal(n)``, shared: a batch states the same few hundred elapsed counts over and over, and
    building each Literal anew was a third of normalise."""
    return _shared(_INTEGERS, n, int, lambda: Literal(n), 50_000)


_DATES: dict[dt.date, Literal] = {}
_STRINGS: dict[str, Literal] = {}


def _date_literal(day: dt.date) -> Literal:
    """``Literal(day, datatype=XSD.date)``, shared (the as-of dates of a batch are few)."""
    return _shared(_DATES, day, dt.date, lambda: Literal(day, datatype=_DATE), 10_000)


def _string_literal(text: str) -> Literal:
    """``Literal(text)``, shared (the as-of sources are three)."""
    return _shared(_STRINGS, text, str, lambda: Literal(text), 100)


def normalise(graph: CaseGraph, as_of: AsOf, props: tuple[ElapsedProperties, ...]) -> Graph:
    """Return a copy of the case with the as-of used and every elapsed time stated.

    Dates after the as-of date yield negative numbers here; validation
    reports them as violations before any rule sees them.
    """
    triples = list(graph)
    for case in graph.subjects(_TYPE, _CASE):
        triples.append((case, _AS_OF_USED, _date_literal(as_of.date)))
        triples.append((case, _AS_OF_SOURCE, _string_literal(as_of.source.value)))
    for ep in props:
        for subject, value in graph.subject_objects(ep.date_property):
            if not (isinstance(value, Literal) and value.datatype == _DATE):
                continue  # wrong datatype: a shape reports it; never guess a date
            try:
                when = value.toPython()
            except ValueError:
                continue
            if not isinstance(when, dt.date):
                continue
            triples.append((subject, ep.months_property, _integer(whole_months_between(when, as_of.date))))
            triples.append((subject, ep.days_property, _integer((as_of.date - when).days)))
    # the graph Graph(), bind(prefix, ns, override=False) per namespace and add per triple build, built in
    # bulk (memorygraph.py) when first used: a batch reads only its triples and a few patterns (pendingcase.py)
    return PendingCaseGraph(list(graph.namespaces()), triples)
