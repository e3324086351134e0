"""Guards applied before and while parsing untrusted input.

Why: case files come from outside; parsing must never reach the network,
expand XML entities, or read unbounded input. Rule queries are data too:
they must never reach the network either.

Where each guard is called:

* ``read_bounded``            every file, before parsing (size cap).
* ``reject_xml_doctype``      RDF/XML and anything that looks like XML, before parsing.
* ``check_nesting``           Turtle / TriG / N3 / JSON-LD text, before parsing
                              (deeply nested ``[ ( {`` would exhaust the parser's recursion).
* ``load_json_bounded``       JSON-LD: parse JSON with depth and recursion protection.
* ``resolve_jsonld_contexts`` JSON-LD: the bundled context replaces the project IRI;
                              any other remote ``@context`` is refused.
* ``strip_utf8_bom``          any text format, before parsing (editors on Windows add one).
* ``reject_unencodable_terms`` every parsed case graph: a ``\\uD800`` escape yields half a
                              character, which no engine or output encoder accepts.
* ``reject_network_query``    every rule query, when the knowledge base is loaded
                              (``SERVICE``, ``LOAD``, ``FROM``, updates refused).

The parser is never asked to follow ``owl:imports``; a case graph's imports
are data, nothing more.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ..errors import UnsafeInputError
from ..paths import CONTEXT_DIR

__all__ = [
    "DEFAULT_MAX_BYTES",
    "CONTEXT_IRI",
    "read_bounded",
    "reject_xml_doctype",
    "resolve_jsonld_contexts",
    "DEFAULT_MAX_DEPTH",
    "check_nesting",
    "load_json_bounded",
    "reject_network_query",
    "reject_unencodable_terms",
    "strip_utf8_bom",
]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
CONTEXT_IRI = "https://w3id.org/glr/context.jsonld"
DEFAULT_MAX_DEPTH = 64
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def read_bounded(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Read a file, refusing it before parsing when it exceeds the size cap."""
    size = path.stat().st_size
    if size > max_bytes:
        raise UnsafeInputError(
            f"the file is {size} bytes, over the {max_bytes}-byte input limit; "
            "raise the limit with --max-bytes if this is intended.",
            source=str(path),
        )
    return path.read_bytes()


def reject_xml_doctype(data: bytes, *, source: str) -> None:
    """Refuse RDF/XML carrying a DOCTYPE or entity declaration (billion laughs, XXE)."""
    if _DOCTYPE.search(data):
        raise UnsafeInputError(
            "the XML declares a DOCTYPE or entities; these are refused because "
            "expanding them can exhaust memory or read local and remote files.",
            source=source,
        )


def _local_context() -> Any:
    return json.loads((CONTEXT_DIR / "glr-case.jsonld").read_text(encoding="utf-8"))["@context"]


def resolve_jsonld_contexts(doc: Any, *, source: str, allow_remote: bool = False) -> Any:
    """Replace the project's context IRI with the bundled copy; refuse other remote contexts.

    Walks the whole document, since @context may appear on nested nodes.
    """
    if isinstance(doc, list):
        return [resolve_jsonld_contexts(d, source=source, allow_remote=allow_remote) for d in doc]
    if not isinstance(doc, dict):
        return doc
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if key == "@context":
            out[key] = _resolve_context_value(value, source=source, allow_remote=allow_remote)
        else:
            out[key] = resolve_jsonld_contexts(value, source=source, allow_remote=allow_remote)
    return out


def _resolve_context_value(value: Any, *, source: str, allow_remote: bool) -> Any:
    if isinstance(value, list):
        return [_resolve_context_value(v, source=source, allow_remote=allow_remote) for v in value]
    if isinstance(value, str):
        if value in (CONTEXT_IRI, "glr-case.jsonld"):
            return _local_context()
        if not allow_remote:
            raise UnsafeInputError(
                f"the JSON-LD @context '{value}' would have to be fetched from the network, "
                f"which is refused; use the bundled context '{CONTEXT_IRI}' or inline the context.",
                source=source,
            )
    return value


# --------------------------------------------------------------------------- nesting

# Turtle/TriG/N3 tokens that can hide brackets: long and short strings, IRIs, comments.
_RDF_OPAQUE = re.compile(
    rb'"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""'
    rb"|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''"
    rb'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"'
    rb"|'[^'\\\n]*(?:\\.[^'\\\n]*)*'"
    rb"|<[^<>\s]*>"
    rb"|#[^\n]*"
)
_JSON_OPAQUE = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_OPEN = frozenset(b"[({")
_CLOSE = frozenset(b"])}")
_BRACKET = re.compile(rb"[\[\](){}]")


def check_nesting(
    data: bytes, *, source: str, max_depth: int = DEFAULT_MAX_DEPTH, is_json: bool = False
) -> None:
    """Refuse text whose brackets nest deeper than ``max_depth``.

    Why: parsers (rdflib's Turtle and JSON-LD, Python's json) recurse per
    level; a few thousand levels end in RecursionError or worse. A real case
    graph nests a handful of levels. Strings, IRIs and comments are skipped,
    so brackets inside literals do not count.
    """
    stripped = (_JSON_OPAQUE if is_json else _RDF_OPAQUE).sub(b" ", data)
    depth = deepest = 0
    for match in _BRACKET.finditer(stripped):
        char = match.group()[0]
        if char in _OPEN:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > max_depth:
                    raise UnsafeInputError(
                        f"the input nests brackets more than {max_depth} levels deep "
                        "(a case graph needs a handful); refused before parsing.",
                        source=source,
                    )
        elif char in _CLOSE and depth:
            depth -= 1


def load_json_bounded(data: bytes, *, source: str, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """Parse JSON, refusing deep nesting and reporting malformed JSON as an input error."""
    from ..errors import InputError

    check_nesting(data, source=source, max_depth=max_depth, is_json=True)
    try:
        return json.loads(data)
    except RecursionError:
        raise UnsafeInputError("the JSON nests too deeply to parse.", source=source) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"the file is not valid UTF-8 ({exc.reason}).", source=source) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}.", source=source, line=exc.lineno) from None


# --------------------------------------------------------------------------- rule queries

# Strings, IRIs and comments in SPARQL, removed before looking for keywords.
_SPARQL_OPAQUE = re.compile(
    r'"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""'
    r"|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''"
    r'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"'
    r"|'[^'\\\n]*(?:\\.[^'\\\n]*)*'"
    r"|<[^<>\"{}|^`\\\x00-\x20]*>"
    r"|#[^\n]*"
)
# A keyword is a bare word: not a variable (?x, $x), not part of a prefixed name (a:b).
_NETWORK_KEYWORDS = re.compile(
    r"(?<![?$:\w-])(SERVICE|LOAD|FROM|INSERT|DELETE|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)(?![\w:-])",
    re.IGNORECASE,
)


def reject_network_query(query: str, *, source: str) -> None:
    """Refuse a rule query that could reach the network or change data.

    ``SERVICE`` (federated query) and ``FROM``/``FROM NAMED`` make rdflib
    and pyoxigraph fetch URLs; pyoxigraph does it from native code, where
    no Python-level guard can see it. ``LOAD`` and the other update forms
    have no place in a CONSTRUCT rule. Checked lexically (strings, IRIs and
    comments ignored) so it costs microseconds per rule.
    """
    stripped = _SPARQL_OPAQUE.sub(" ", query)
    found = _NETWORK_KEYWORDS.search(stripped)
    if found:
        word = found.group(1).upper()
        why = {
            "SERVICE": "SERVICE would send the query to a remote endpoint",
            "FROM": "FROM / FROM NAMED would load graphs from URLs",
            "LOAD": "LOAD would fetch a document from the network",
        }.get(word, f"{word} is an update operation, and rules may only CONSTRUCT")
        from ..errors import KnowledgeBaseError

        raise KnowledgeBaseError(
            f"the rule query uses {word}: {why}. Rules run over the case and the "
            "knowledge base only; see docs/architecture.md#rules.",
            source=source,
        )


# --------------------------------------------------------------------------- text


def strip_utf8_bom(data: bytes) -> bytes:
    """Drop a leading UTF-8 byte-order mark; rdflib's Turtle parser rejects it as syntax."""
    return data[3:] if data.startswith(b"\xef\xbb\xbf") else data


def reject_unencodable_terms(graph: Any, *, source: str) -> None:
    """Refuse a parsed graph holding IRIs or literals that are not Unicode text.

    Why: Turtle's ``\\uD800`` and JSON's lone ``\\ud800`` escapes decode to
    half a UTF-16 pair. Python keeps it, but pyoxigraph refuses the literal
    and every UTF-8 writer fails on it, far from the cause. Costs one encode
    per term (microseconds for a case graph).
    """
    from ..errors import InputError

    for triple in graph:
        for term in triple:
            try:
                str(term).encode("utf-8")
            except UnicodeEncodeError:
                shown = str(term).encode("utf-8", "backslashreplace").decode("ascii", "replace")[:120]
                raise InputError(
                    f"the term {shown!r} holds a lone surrogate escape (\\uD800-\\uDFFF), which is "
                    "half of a UTF-16 pair and not a Unicode character; write the character itself "
                    "or its full code point (\\U0001F600).",
                    source=source,
                ) from None
