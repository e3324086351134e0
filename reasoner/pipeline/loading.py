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

from rdflib import Graph, URIRef
from rdflib.exceptions import ParserError

from .._runtime import safety
from ..errors import InputError
from ..vocab import GLR, OWL, RDFS

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

    graph: Graph
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


def check_case_content(graph: Graph, *, source: str) -> None:
    """Refuse what a case graph must not say: vocabulary axioms and invalid Unicode.

    Why: rules follow rdfs:subClassOf* over the case merged with the
    ontology, so a case stating `glr:X rdfs:subClassOf glr:Y` would silently
    change what every rule means. And a lone surrogate in a literal cannot
    be handed to any engine or serialised.
    """
    for s, p, o in graph:
        if p in _SCHEMA_PREDICATES or (isinstance(s, URIRef) and str(s).startswith(str(GLR))):
            raise InputError(
                f"the case states a vocabulary axiom ({s.n3()} {p.n3()} {o.n3()}); case graphs may describe "
                "patients but must not define or change ontology terms.",
                source=source,
            )
        for term in (s, p, o):
            try:
                str(term).encode("utf-8")
            except UnicodeEncodeError:
                raise InputError(
                    f"the value {ascii(str(term))[:80]} is not valid Unicode (it holds a lone surrogate code point).",
                    source=source,
                ) from None


def parse_case_bytes(data: bytes, *, source: str, rdf_format: str, allow_remote: bool = False) -> Graph:
    """Parse bytes already read under the size cap into a graph."""
    with _quiet_ill_typed_literals():
        graph = _parse(data, source=source, rdf_format=rdf_format, allow_remote=allow_remote)
    check_case_content(graph, source=source)
    return graph


def _parse(data: bytes, *, source: str, rdf_format: str, allow_remote: bool) -> Graph:
    graph = Graph()
    data = safety.strip_utf8_bom(data)
    if rdf_format == "xml":
        safety.reject_xml_doctype(data, source=source)
    elif rdf_format in ("turtle", "json-ld", "trig", "n3"):
        safety.check_nesting(data, source=source, is_json=rdf_format == "json-ld")
    try:
        if rdf_format == "json-ld":
            try:
                doc = json.loads(data.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                line = getattr(exc, "lineno", None)
                raise InputError(f"not valid JSON: {getattr(exc, 'msg', exc)}.", source=source, line=line) from None
            doc = safety.resolve_jsonld_contexts(doc, source=source, allow_remote=allow_remote)
            with warnings.catch_warnings():  # rdflib's JSON-LD parser uses its own deprecated ConjunctiveGraph
                warnings.simplefilter("ignore", DeprecationWarning)
                graph.parse(data=json.dumps(doc), format="json-ld")
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(f"the file is not UTF-8 text (byte {exc.start}).", source=source) from None
            graph.parse(data=text, format=rdf_format)
    except InputError:
        raise
    except (ParserError, SyntaxError, ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        detail = " ".join(str(exc).split())
        if len(detail) > 400:
            detail = detail[:400] + "…"
        raise InputError(f"not readable as {rdf_format}: {detail}", source=source, line=_line_of(exc)) from None
    except Exception as exc:  # parsers raise many types; none may escape as a traceback
        detail = " ".join(str(exc).split())[:400]
        raise InputError(f"not readable as {rdf_format}: {type(exc).__name__}: {detail}", source=source, line=_line_of(exc)) from None
    if len(graph) == 0:
        raise InputError("the file holds no RDF triples.", source=source)
    return graph


def load_case(path: str | Path, *, max_bytes: int = safety.DEFAULT_MAX_BYTES, allow_remote: bool = False) -> LoadedCase:
    """Read and parse one case file. owl:imports in it are never followed.

    A JSON file whose top-level object has a ``resourceType`` is FHIR R4 and
    is imported through the mapping rules (reasoner/fhir/).
    """
    p = Path(path)
    if not p.exists():
        raise InputError("no such file.", source=str(p))
    if p.is_dir():
        raise InputError("is a directory; give one case file.", source=str(p))
    fmt = guess_format(p)
    try:
        data = safety.read_bounded(p, max_bytes=max_bytes)
    except OSError as exc:
        raise InputError(f"cannot be read: {exc.strerror}.", source=str(p)) from None
    if fmt == "json-ld":  # FHIR JSON is told apart by its own resourceType (reasoner/fhir/)
        from ..fhir.reading import looks_like_fhir

        if looks_like_fhir(data):
            from ..fhir import import_fhir_bytes

            graph = import_fhir_bytes(data, source=str(p)).graph
            check_case_content(graph, source=str(p))
            return LoadedCase(graph=graph, source=str(p), rdf_format="fhir+json")
    graph = parse_case_bytes(data, source=str(p), rdf_format=fmt, allow_remote=allow_remote)
    return LoadedCase(graph=graph, source=str(p), rdf_format=fmt)
