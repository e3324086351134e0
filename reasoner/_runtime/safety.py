"""Guards applied before and while parsing untrusted input.

Why: case files come from outside; parsing must never reach the network,
expand XML entities, or read unbounded input. Rule queries are data too:
they must never reach the network either.

Where each guard is called:

* ``read_bounded``            every file, before parsing (size cap counted while reading;
                              non-regular files refused unless named explicitly).
* ``inside_directory``        batch and serve: a symlink leaving the input directory is refused.
* ``reject_xml_doctype``      RDF/XML in UTF-8: a quick look for DOCTYPE/ENTITY before parsing.
* ``DefusedRDFXMLParser``     RDF/XML: the parser itself refuses DTDs and entities, any encoding.
* ``check_nesting``           Turtle / TriG / N3 / JSON-LD text, before parsing
                              (deeply nested ``[ ( {`` would exhaust the parser's recursion).
* ``load_json_bounded``       JSON-LD: parse JSON with depth and recursion protection.
* ``jsonld_loader_installed`` JSON-LD: every context reference rdflib resolves (top-level,
                              nested, scoped, ``@import``) goes to ``load_jsonld_document``,
                              which serves the bundled context and refuses anything else.
* ``strip_utf8_bom``          any text format, before parsing (editors on Windows add one).
* ``reject_unencodable_terms`` every parsed case graph: a ``\\uD800`` escape yields half a
                              character, which no engine or output encoder accepts.
* ``reject_network_query``    every rule query, when the knowledge base is loaded
                              (``SERVICE``, ``LOAD``, ``FROM``, updates refused).

The parser is never asked to follow ``owl:imports``; a case graph's imports
are data, nothing more.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rdflib import plugin as rdflib_plugin
from rdflib.parser import InputSource, Parser

from ..errors import UnsafeInputError
from ..paths import CONTEXT_DIR

__all__ = [
    "refuse_directory_entry",
    "DEFAULT_MAX_BYTES",
    "CONTEXT_IRI",
    "read_bounded",
    "inside_directory",
    "reject_xml_doctype",
    "DefusedRDFXMLParser",
    "RDFXML_PARSER",
    "load_jsonld_document",
    "ReferenceRefused",
    "jsonld_loader_installed",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_LITERAL",
    "max_literal_length",
    "check_nesting",
    "load_json_bounded",
    "reject_network_query",
    "reject_unencodable_terms",
    "strip_utf8_bom",
]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
CONTEXT_IRI = "https://w3id.org/glr/context.jsonld"
DEFAULT_MAX_DEPTH = 64
#: characters one literal may hold; a case's longest label is a sentence (GLR_MAX_LITERAL overrides, 0 = no cap)
DEFAULT_MAX_LITERAL = 100_000
_MAX_LITERAL_ENV = "GLR_MAX_LITERAL"
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def max_literal_length() -> int | None:
    """The literal-length cap in force: ``GLR_MAX_LITERAL`` characters if set (0 = none), else the default."""
    from ..errors import UsageError

    raw = os.environ.get(_MAX_LITERAL_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_LITERAL
    if not raw.isdigit():
        raise UsageError(f"{_MAX_LITERAL_ENV} must be a whole number of characters, not '{raw}'.")
    return int(raw) or None


class ReferenceRefused(Exception):
    """Raised by the JSON-LD document loader inside rdflib's parser; carries the reference."""


def read_bounded(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, regular_only: bool = False) -> bytes:
    """Read a file, counting bytes as they arrive and refusing it past ``max_bytes``.

    Why not ``stat()``: a FIFO, a character device (``/dev/zero``) or a
    file that grows while being read reports a size that says nothing about
    what a read returns. ``regular_only`` refuses anything but a regular
    file (batch and serve directories: nobody named that file); a file the
    user names explicitly may be a pipe (``/dev/stdin``), and is capped.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO must not block the open
    except OSError as exc:
        raise UnsafeInputError(f"cannot be read: {exc.strerror}.", source=str(path)) from None
    with os.fdopen(fd, "rb", buffering=0) as handle:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            if regular_only or stat.S_ISDIR(mode):
                raise UnsafeInputError(
                    f"is not a regular file ({_file_kind(mode)}); only regular files are read from an "
                    "input directory. Name the file explicitly to read it anyway.",
                    source=str(path),
                )
            if stat.S_ISFIFO(mode):  # an explicitly named pipe: open it again, waiting for its writer
                return _read_capped(path, open(path, "rb", buffering=0), max_bytes)
        return _read_capped(path, handle, max_bytes)


def _read_capped(path: Path, handle: Any, max_bytes: int) -> bytes:
    """Read ``handle`` to its end, refusing the input as soon as more than ``max_bytes`` arrived."""
    with handle:
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = handle.read(min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                return b"".join(chunks)
            total += len(chunk)
            if total > max_bytes:
                raise UnsafeInputError(
                    f"the input is over the {max_bytes}-byte input limit (reading stopped there); "
                    "raise the limit with --max-bytes if this is intended.",
                    source=str(path),
                )
            chunks.append(chunk)


def _file_kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a directory")):
        if test(mode):
            return name
    return "a special file"


def inside_directory(path: Path, root: Path) -> bool:
    """True when ``path``, symlinks resolved, lies inside ``root`` (symlinks resolved too).

    Why: batch and serve read every file below a directory; a symlink in it
    pointing at ``/etc/passwd`` or ``~/.ssh`` must not be read, and so must
    not be echoed back in an error record or on the status page.
    """
    try:
        return path.resolve(strict=True).is_relative_to(root.resolve(strict=True))
    except (OSError, RuntimeError):  # dangling link, loop
        return False


# --------------------------------------------------------------------------- XML


def reject_xml_doctype(data: bytes, *, source: str) -> None:
    """Cheap first look for a DOCTYPE or entity declaration in UTF-8/ASCII XML.

    Not the guard itself (a byte pattern misses UTF-16 or UTF-32 text): the
    guard is :class:`DefusedRDFXMLParser`, which refuses the declaration at
    the XML parser level whatever the encoding. This only gives the same
    message without starting a parse.
    """
    if _DOCTYPE.search(data):
        raise UnsafeInputError(_DOCTYPE_MESSAGE, source=source)


_DOCTYPE_MESSAGE = (
    "the XML declares a DOCTYPE or entities; these are refused because "
    "expanding them can exhaust memory or read local and remote files."
)


class DefusedRDFXMLParser(Parser):
    """rdflib's RDF/XML parser on a defused expat reader: no DTD, no entities, no external references.

    Why a parser plugin: rdflib builds its SAX reader with ``xml.sax.make_parser()``,
    which accepts a DTD and expands internal entities. This class builds the
    same handler chain on :class:`defusedxml.expatreader.DefusedExpatParser`
    with ``forbid_dtd``, so a declaration stops the parse as soon as expat
    reads it, in whatever encoding expat decoded the document (UTF-8, UTF-16
    with or without a BOM). Registered as the rdflib parser ``glr-rdfxml``.
    """

    def parse(self, source: InputSource, sink: Any, **args: Any) -> None:
        from defusedxml.expatreader import DefusedExpatParser
        from rdflib.plugins.parsers.rdfxml import RDFXMLHandler
        from xml.sax import handler
        from xml.sax.handler import ErrorHandler

        reader = DefusedExpatParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
        reader.start_namespace_decl("xml", "http://www.w3.org/XML/1998/namespace")
        reader.setFeature(handler.feature_namespaces, 1)
        rdfxml = RDFXMLHandler(sink)
        rdfxml.setDocumentLocator(source)  # type: ignore[arg-type]  (as rdflib's own create_parser does)
        reader.setContentHandler(rdfxml)
        reader.setErrorHandler(ErrorHandler())
        reader.parse(source)


RDFXML_PARSER = "glr-rdfxml"
rdflib_plugin.register(RDFXML_PARSER, Parser, __name__, "DefusedRDFXMLParser")


def is_xml_declaration_refusal(exc: BaseException) -> bool:
    """True for defusedxml's refusals (DTD, entity, external reference)."""
    from defusedxml.common import DefusedXmlException

    return isinstance(exc, DefusedXmlException)


XML_REFUSAL_MESSAGE = _DOCTYPE_MESSAGE


# --------------------------------------------------------------------------- JSON-LD


def _bundled_context_document() -> Any:
    return json.loads((CONTEXT_DIR / "glr-case.jsonld").read_text(encoding="utf-8"))


def load_jsonld_document(reference: Any, *args: Any, **kwargs: Any) -> tuple[Any, None]:
    """The one JSON-LD document loader: the bundled context, or a refusal naming the reference.

    rdflib resolves every context reference it meets — top-level or nested
    ``@context``, property- and type-scoped contexts, ``@import`` — through
    ``rdflib.plugins.shared.jsonld.context.source_to_json``; while
    :func:`jsonld_loader_installed` is active that name is this function.
    Its signature and return value (document, HTML base) are rdflib's.
    """
    if isinstance(reference, str) and reference == CONTEXT_IRI:
        return _bundled_context_document(), None
    raise ReferenceRefused(str(reference))


#: the base IRI case files are parsed against: a relative IRI resolves into it, and is then refused
#: (rdflib's own default base is the working directory's file: URL, which would leak a machine path)
RELATIVE_BASE = "https://relative-iri.glr.invalid/"


def refused_reference_message(reference: str) -> str:
    """The message for a context reference the loader refused."""
    if reference.startswith(RELATIVE_BASE):
        reference = reference[len(RELATIVE_BASE):]
        how = "is a relative reference (a file path)"
    elif reference.lower().startswith(("http:", "https:")):
        how = "would have to be fetched from the network"
    elif reference.lower().startswith("file:"):
        how = "names a local file"
    else:
        how = "is a local reference (a file path)"
    return (
        f"the JSON-LD context reference '{reference[:200]}' {how}, which is refused: only the bundled "
        f"context '{CONTEXT_IRI}' is resolved (top-level, nested, scoped or @import); inline any other context."
    )


_loader_lock = threading.Lock()
_loader_users = 0
_rdflib_loader: Any = None


@contextlib.contextmanager
def jsonld_loader_installed() -> Iterator[None]:
    """Route rdflib's JSON-LD context fetching to :func:`load_jsonld_document` inside the block.

    rdflib 7 offers no document-loader option, and every context fetch goes
    through the one module-level function it imported, so that name is
    swapped while any case parse runs (counted, so threads may overlap).
    """
    global _loader_users, _rdflib_loader
    from rdflib.plugins.shared.jsonld import context as jsonld_context

    with _loader_lock:
        if _loader_users == 0:
            _rdflib_loader = jsonld_context.source_to_json
            jsonld_context.source_to_json = load_jsonld_document  # type: ignore[assignment]
        _loader_users += 1
    try:
        yield
    finally:
        with _loader_lock:
            _loader_users -= 1
            if _loader_users == 0:
                jsonld_context.source_to_json = _rdflib_loader
                _rdflib_loader = None


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


def refuse_directory_entry(path: Path, root: Path) -> str | None:
    """Why a file found in an input directory must not be read, or None.

    Why: nobody named it, so it is read only if it is a regular file inside
    the directory. A symlink to ``/etc/passwd`` would otherwise be parsed and
    quoted back in the error record; a FIFO or ``/dev/zero`` would hang or
    fill memory. The message never names the link's target.
    """
    if not inside_directory(path, root):
        return (
            "is a symbolic link that leads outside the input directory (or nowhere); it was not read. "
            "Copy the file into the directory to process it."
        )
    if not path.resolve().is_file():
        return "is not a regular file (a pipe, device or socket); it was not read. Name it explicitly to read it."
    return None
