"""Read a case graph from a file, safely, or refuse it with a clear message.

Why a module of its own: every entry point (CLI, API, batch, server) must
parse untrusted input the same way — size-capped, no XML entities, no
remote JSON-LD contexts, no owl:imports followed — and report failures
with the file and line.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.exceptions import ParserError

from .._runtime import limits, safety
from ..errors import InputError, UnsafeInputError
from ..vocab import GLR, OWL, RDFS
from . import timeline
from .fastturtle import read_plain_turtle
from .plainview import PlainCaseView

__all__ = ["LoadedCase", "FORMATS", "guess_format", "load_case", "parse_case_bytes", "check_case_content"]

FORMATS = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".nt": "nt",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
}


@dataclass(frozen=True)
class LoadedCase:
    """A parsed case graph and where it came from."""

    #: a PlainCaseView only when the caller asked for one (``load_case(..., view_ok=True)``)
    graph: Graph | PlainCaseView
    source: str
    rdf_format: str


def guess_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            f"cannot tell the RDF format from the extension '{path.suffix}'; "
            "use .ttl (Turtle), .jsonld (JSON-LD), .nt (N-Triples) or .rdf (RDF/XML).",
            source=str(path),
        )
    return fmt


_LINE = re.compile(r"line (\d+)")


def _line_of(exc: Exception) -> int | None:
    match = _LINE.search(str(exc))
    return int(match.group(1)) if match else None


@contextlib.contextmanager
def _quiet_ill_typed_literals():
    """rdflib logs a traceback for each ill-typed literal (e.g. "2026-02-30"^^xsd:date).

    The shapes report such values as violations with a clinician-readable
    message, so the traceback is only noise on the user's terminal.
    """
    logger = logging.getLogger("rdflib.term")
    previous = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(previous)


#: predicates by which a case graph would rewrite the vocabulary the rules rely on
_SCHEMA_PREDICATES = {
    RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range,
    OWL.equivalentClass, OWL.equivalentProperty, OWL.sameAs, OWL.inverseOf,
}


#: characters an IRI may not contain (Turtle's IRIREF and RFC 3987 exclude them; engines refuse them)
_BAD_IRI_CHARS = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f-\x9f]')


def check_case_content(graph: Graph | PlainCaseView, *, source: str, max_literal: int | None = None) -> None:
    """Refuse what a case graph must not say: vocabulary axioms, invalid IRIs, invalid Unicode, huge literals.

    Why: rules follow rdfs:subClassOf* over the case merged with the
    ontology, so a case stating `glr:X rdfs:subClassOf glr:Y` would silently
    change what every rule means. An IRI with a space passes some parsers
    (JSON-LD, Turtle's \\u0020) and then breaks an engine or a serialiser
    far from the cause. A lone surrogate in a literal cannot be handed to
    any engine or serialised. And one literal of megabytes multiplies into
    every output that quotes it (``GLR_MAX_LITERAL``, see docs/security.md).
    """
    limit = safety.max_literal_length() if max_literal is None else max_literal
    timeline.reject_timezone_offsets(graph, source=source)
    glr = str(GLR)
    passed: set[URIRef] = set()  # IRIs already checked: the checks below depend on nothing but the IRI
    for s, p, o in graph:
        if p in _SCHEMA_PREDICATES or (isinstance(s, URIRef) and str(s).startswith(glr)):
            raise InputError(
                f"the case states a vocabulary axiom ({_shown(s)} {_shown(p)} {_shown(o)}); case graphs may describe "
                "patients but must not define or change ontology terms.",
                source=source,
            )
        for term in (s, p, o):
            if type(term) is URIRef and term in passed:
                continue
            try:
                str(term).encode("utf-8")
            except UnicodeEncodeError:
                raise InputError(
                    f"the value {ascii(str(term))[:80]} is not valid Unicode (it holds a lone surrogate code point).",
                    source=source,
                ) from None
            if isinstance(term, URIRef) and term.startswith(safety.RELATIVE_BASE):
                rest = str(term)[len(safety.RELATIVE_BASE):]
                which = f"the IRI {ascii(rest)[:120]}" if rest else f"an IRI used with {_shown(p)}"
                raise InputError(
                    f"{which} is relative or not a valid absolute IRI (e.g. it holds a space); case graphs "
                    "must name every node with an absolute IRI (https://…), spaces percent-encoded.",
                    source=source,
                )
            if isinstance(term, URIRef) and _BAD_IRI_CHARS.search(term):
                bad = _BAD_IRI_CHARS.search(term).group()  # type: ignore[union-attr]
                raise InputError(
                    f"the IRI {_shown(term)} contains {ascii(bad)}, which an IRI may not contain "
                    "(spaces, control characters and <>\"{}|^`\\ must be percent-encoded, e.g. %20).",
                    source=source,
                )
            if type(term) is URIRef:
                passed.add(term)
        if limit and isinstance(o, Literal) and len(o) > limit:
            raise UnsafeInputError(
                f"the literal value of {_shown(p)} on the node {_shown(s)} is {len(o)} characters long, over the "
                f"{limit}-character limit for one value; raise GLR_MAX_LITERAL if this is intended.",
                source=source,
            )


def _shown(term: object, limit: int = 120) -> str:
    """A term for a message: N3-like, control characters escaped, bounded."""
    if isinstance(term, URIRef):
        text = f"<{term}>"  # not n3(): rdflib refuses to write an invalid IRI, and this message is about one
    elif isinstance(term, Literal):
        text = repr(str(term)[: limit + 1])
    else:
        text = str(term)
    text = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[:limit] + "…"


def parse_case_bytes(data: bytes, *, source: str, rdf_format: str, max_literal: int | None = None) -> Graph:
    """Parse bytes already read under the size cap into a graph, under the parse time limit."""
    graph = _read_case_bytes(data, source=source, rdf_format=rdf_format, max_literal=max_literal, view_ok=False)
    assert isinstance(graph, Graph)
    return graph


def _read_case_bytes(
    data: bytes, *, source: str, rdf_format: str, max_literal: int | None, view_ok: bool
) -> Graph | PlainCaseView:
    """parse_case_bytes; with ``view_ok``, a plain Turtle case comes back as a PlainCaseView (no graph built)."""
    with _quiet_ill_typed_literals():
        graph = _parse_within_time_limit(data, source=source, rdf_format=rdf_format, view_ok=view_ok)
    check_case_content(graph, source=source, max_literal=max_literal)
    return graph


def _parse_within_time_limit(data: bytes, *, source: str, rdf_format: str, view_ok: bool = False) -> Graph | PlainCaseView:
    """Parsing is work an input can make unbounded (entity tricks, pathological text): limit it like a query."""
    seconds = limits.query_time_limit()
    try:
        return limits.run_with_time_limit(
            lambda: _parse(data, source=source, rdf_format=rdf_format, view_ok=view_ok), seconds, what="parsing the case"
        )
    except limits.QueryTimeout:
        raise UnsafeInputError(
            f"parsing did not finish within the {seconds:g} s time limit and was stopped; the input makes the "
            f"{rdf_format} parser do unbounded work. Raise GLR_QUERY_TIMEOUT (seconds) if the input is legitimate.",
            source=source,
        ) from None


def _parse(data: bytes, *, source: str, rdf_format: str, view_ok: bool = False) -> Graph | PlainCaseView:
    graph: Graph | PlainCaseView = Graph()
    if rdf_format == "xml":
        safety.reject_xml_doctype(safety.strip_utf8_bom(data), source=source)
    else:
        data = safety.strip_utf8_bom(data)
    if rdf_format in ("turtle", "json-ld", "trig", "n3"):
        safety.check_nesting(data, source=source, is_json=rdf_format == "json-ld")
    try:
        if rdf_format == "json-ld":
            try:
                doc = json.loads(data.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                line = getattr(exc, "lineno", None)
                raise InputError(f"not valid JSON: {getattr(exc, 'msg', exc)}.", source=source, line=line) from None
            with warnings.catch_warnings(), safety.jsonld_loader_installed():
                # rdflib's JSON-LD parser uses its own deprecated ConjunctiveGraph
                warnings.simplefilter("ignore", DeprecationWarning)
                graph.parse(data=json.dumps(doc), format="json-ld", publicID=safety.RELATIVE_BASE)
        elif rdf_format == "xml":
            # bytes, so the XML parser itself decodes (UTF-8/16, with or without BOM) and sees any DTD
            graph.parse(data=data, format=safety.RDFXML_PARSER, publicID=safety.RELATIVE_BASE)
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(f"the file is not UTF-8 text (byte {exc.start}).", source=source) from None
            plain = read_plain_turtle(text) if rdf_format == "turtle" else None  # rdflib's graph, read faster
            if plain is not None:
                graph = PlainCaseView(plain) if view_ok else plain.to_graph()
            else:
                graph.parse(data=text, format=rdf_format, publicID=safety.RELATIVE_BASE)
    except InputError:
        raise
    except safety.ReferenceRefused as exc:
        raise UnsafeInputError(safety.refused_reference_message(str(exc)), source=source) from None
    except Exception as exc:  # parsers raise many types; none may escape as a traceback
        if safety.is_xml_declaration_refusal(exc):
            raise UnsafeInputError(safety.XML_REFUSAL_MESSAGE, source=source) from None
        detail = _excerpt(str(exc))
        name = "" if isinstance(exc, (ParserError, SyntaxError, ValueError)) else f"{type(exc).__name__}: "
        raise InputError(f"not readable as {rdf_format}: {name}{detail}", source=source, line=_line_of(exc)) from None
    if len(graph) == 0:
        raise InputError("the file holds no RDF triples.", source=source)
    return graph


def _excerpt(text: str, limit: int = 400) -> str:
    """A parser's message on one line, bounded, control characters escaped (it may quote the input)."""
    detail = " ".join(text.split())
    detail = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in detail)
    return detail if len(detail) <= limit else detail[:limit] + "…"


def load_case(
    path: str | Path,
    *,
    max_bytes: int = safety.DEFAULT_MAX_BYTES,
    regular_only: bool = False,
    max_literal: int | None = None,
    view_ok: bool = False,
) -> LoadedCase:
    """Read and parse one case file. owl:imports in it are never followed.

    A JSON file whose top-level object has a ``resourceType`` is FHIR R4 and
    is imported through the mapping rules (reasoner/fhir/).

    ``regular_only`` refuses pipes and devices (for files nobody named, in
    an input directory); ``max_literal`` overrides ``GLR_MAX_LITERAL``.
    ``view_ok`` lets a plain Turtle case come back as a PlainCaseView, which
    answers only what resolve_as_of and timeline.normalise read (run.prepare_case).
    """
    p = Path(path)
    if not p.exists():
        raise InputError("no such file.", source=str(p))
    if p.is_dir():
        raise InputError("is a directory; give one case file.", source=str(p))
    fmt = guess_format(p)
    try:
        data = safety.read_bounded(p, max_bytes=max_bytes, regular_only=regular_only)
    except OSError as exc:
        raise InputError(f"cannot be read: {exc.strerror}.", source=str(p)) from None
    if fmt == "json-ld":  # FHIR JSON is told apart by its own resourceType (reasoner/fhir/)
        from ..fhir.reading import looks_like_fhir

        if looks_like_fhir(data):
            from ..fhir import import_fhir_bytes

            graph = import_fhir_bytes(data, source=str(p)).graph
            check_case_content(graph, source=str(p), max_literal=max_literal)
            return LoadedCase(graph=graph, source=str(p), rdf_format="fhir+json")
    graph = _read_case_bytes(data, source=str(p), rdf_format=fmt, max_literal=max_literal, view_ok=view_ok)
    return LoadedCase(graph=graph, source=str(p), rdf_format=fmt)
