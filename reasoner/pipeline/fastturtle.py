"""Parse plain Turtle with pyoxigraph into exactly the graph rdflib's parser would build, or decline.

Why: rdflib's Turtle parser is pure Python and costs ~1.7 ms for a ~100-triple
case, most of a batch case's preparation; pyoxigraph parses it in ~0.06 ms.
But the two parsers differ at the edges (RDF 1.2 syntax, relative IRIs and
@base, language-tag case, numeric shorthand, escapes, blank-node labels), and
every graph and every refusal message must stay rdflib's. So this module takes
only documents written in a small, plain subset of Turtle, checked on the text
before pyoxigraph sees it:

* a header of ``@prefix p: <absolute-iri> .`` directives, then statements;
* terms: ``<iri>`` (printable ASCII, no escapes), prefixed names with ASCII
  letters, digits, ``_`` and ``-`` only, ``"strings"`` with ``\\t \\n \\r
  \\" \\' \\\\`` escapes at most, optionally ``@lowercase-tag`` or ``^^datatype``
  (never ``xsd:string`` / ``rdf:langString``: pyoxigraph cannot tell those from a
  plain / tagged string), bare integers, ``true``/``false`` and ``a``;
* punctuation ``; , .`` — no blank nodes, lists, ``@base``, triple terms,
  annotations, long strings, decimals or doubles.

Anything else, any pyoxigraph error, an empty document or a term outside the
subset returns ``None`` and the caller parses with rdflib as before (which
then also gives rdflib's error). Inside the subset both parsers produce the
same terms in the same order, and the graph is built with the same calls
rdflib's parser makes (``Graph()``, ``absolutize``, ``add`` per triple in
document order, ``bind`` per prefix in first-declaration order), so the
graph, its store order and its namespaces are rdflib's. tests/test_fastturtle.py
checks this on every Turtle input the tests use and on generated documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef

from .memorygraph import graph_with_namespaces

__all__ = ["PlainTurtle", "read_plain_turtle", "parse_plain_turtle"]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XSD_STRING = _XSD + "string"
_XSD_INTEGER = _XSD + "integer"
_RDF_LANG_STRING = _RDF + "langString"
#: datatypes pyoxigraph reports for literals written without ``^^`` (so written with it, they are ambiguous)
_IMPLICIT_DATATYPES = frozenset({_XSD_STRING, _RDF_LANG_STRING, _RDF + "dirLangString"})

_IRI = r"<[!#-;=?-\[\]_a-z~]*>"
_PREFIX = r"(?:[A-Za-z][A-Za-z0-9_-]*)?:"
_PNAME = _PREFIX + r"(?:[A-Za-z0-9_][A-Za-z0-9_-]*)?"
#: what must follow a term: whitespace, ; , or a statement's full stop (itself followed by space or end)
_END = r"(?=[ \t\n;,]|\r\n|\.|\Z)"
_STRING = r'"(?:[^"\\\r\n]|\\[tnr"\'\\])*"'
_LITERAL = _STRING + r"(?:@[a-z]+(?:-[a-z0-9]+)*|\^\^(?:" + _IRI + "|" + _PNAME + "))?"
#: rdflib reads a lone carriage return as no space at all, so only CR LF counts as a line end
_WS = r"(?:[ \t\n]|\r\n)"
_SPACE = r"(?:" + _WS + r"+|#[^\r\n]*)"

_HEADER_ITEM = re.compile(
    _SPACE + r"|@prefix" + _WS + r"+(?P<prefix>" + _PREFIX + r")" + _WS + r"*(?P<iri>" + _IRI + r")" + _WS + r"*\.(?=[ \t\n#]|\r\n|\Z)"
)
#: the statements as tokens; atomic groups, so each token is read once, longest first, as Turtle reads it
#: (no backtracking: linear time, and no second reading of a comment or string as other tokens)
_BODY = re.compile(
    r"(?>" + _WS + r"+|#[^\r\n]*|(?>" + _IRI + "|" + _PNAME + "|" + _LITERAL + r"|[+-]?[0-9]+|true|false|a)" + _END
    + r"|[;,]|\.(?=[ \t\n#]|\r\n|\Z))*+"
)
#: every ``^^`` in the body (inside a string too: a false hit only sends the case to rdflib)
_DATATYPE = re.compile(r"\^\^(?:<([^<>]*)>|(" + _PNAME + "))")
_CANONICAL_INTEGER = re.compile(r"0|-?[1-9][0-9]*")


def _header(text: str) -> tuple[dict[str, str], int]:
    """The ``@prefix`` declarations before the first statement, in rdflib's ``_bindings`` order, and where they end."""
    prefixes: dict[str, str] = {}
    pos = 0
    while True:
        match = _HEADER_ITEM.match(text, pos)
        if match is None or match.end() == pos:
            return prefixes, pos
        if match.group("prefix") is not None:
            prefixes[match.group("prefix")[:-1]] = match.group("iri")[1:-1]  # a re-declaration keeps its first place
        pos = match.end()


def _explicit_datatypes_ok(text: str, start: int, prefixes: dict[str, str]) -> bool:
    """False if a ``^^`` names a datatype pyoxigraph would report like an untyped string (or cannot be resolved)."""
    for match in _DATATYPE.finditer(text, start):
        iri, pname = match.groups()
        if pname is not None:
            prefix, _, local = pname.partition(":")
            if prefix not in prefixes:
                return False
            iri = prefixes[prefix] + local
        if iri in _IMPLICIT_DATATYPES:
            return False
    return True


Triple = tuple[URIRef, URIRef, "URIRef | Literal"]


@dataclass(frozen=True)
class PlainTurtle:
    """A plain Turtle document read: its triples in document order (repeats kept) and its prefixes."""

    triples: list[Triple]
    #: prefix -> namespace, in first-declaration order (rdflib's ``SinkParser._bindings``)
    prefixes: dict[str, str]

    def namespaces(self) -> list[tuple[str, URIRef]]:
        """What ``self.to_graph().namespaces()`` yields: the same ``bind`` calls on a graph without triples
        (a graph's bindings never depend on its triples), started from a kept copy of the state of the
        binds it shares with earlier documents (reasoner/pipeline/memorygraph.py)."""
        return list(graph_with_namespaces(self.prefixes.items(), override=True).namespaces())

    def to_graph(self) -> Graph:
        """The graph rdflib's parser builds: the same calls, in the same order."""
        graph = Graph()
        graph.namespace_manager  # noqa: B018 - created first, as rdflib's parser does (Graph.absolutize)
        for triple in self.triples:
            graph.add(triple)
        for prefix, namespace in self.prefixes.items():
            graph.bind(prefix, namespace)
        return graph


def read_plain_turtle(text: str) -> PlainTurtle | None:
    """``text`` read with pyoxigraph, or None when it is outside the plain subset."""
    prefixes, start = _header(text)
    if _BODY.fullmatch(text, start) is None or not _explicit_datatypes_ok(text, start, prefixes):
        return None
    try:
        parser = ox.parse(text, format=ox.RdfFormat.TURTLE)
        quads = list(parser)
    except Exception:  # noqa: BLE001 - any refusal is rdflib's to report, in rdflib's words
        return None
    if not quads or parser.base_iri is not None or dict(parser.prefixes) != prefixes:
        return None
    triples = _triples(quads)
    return None if triples is None else PlainTurtle(triples, prefixes)


def parse_plain_turtle(text: str) -> Graph | None:
    """The graph rdflib's Turtle parser would build from ``text``, or None when ``text`` is outside the plain subset."""
    plain = read_plain_turtle(text)
    return None if plain is None else plain.to_graph()


#: terms already made, shared by every case of a process (rdflib terms are immutable values; a batch's
#: cases repeat most of their predicates, classes, dates and labels); emptied when large
_IRIS: dict[str, URIRef] = {}
_LITERALS: dict[ox.Literal, Literal | None] = {}
_CACHE_LIMIT = 100_000
_UNSEEN: Literal = Literal("")  # a sentinel, compared by identity


def _triples(quads: list[ox.Quad]) -> list[Triple] | None:
    """rdflib terms for pyoxigraph's triples, in order; None if a term is outside the subset."""
    if len(_IRIS) > _CACHE_LIMIT or len(_LITERALS) > _CACHE_LIMIT:
        _IRIS.clear()
        _LITERALS.clear()
    iris, literals = _IRIS, _LITERALS
    out: list[Triple] = []
    for quad in quads:
        s, p, o = quad.subject, quad.predicate, quad.object
        if type(s) is not ox.NamedNode or not isinstance(quad.graph_name, ox.DefaultGraph):
            return None
        subject = iris.get(s.value)
        if subject is None:
            subject = iris[s.value] = URIRef(s.value)
        predicate = iris.get(p.value)
        if predicate is None:
            predicate = iris[p.value] = URIRef(p.value)
        if type(o) is ox.NamedNode:
            obj: URIRef | Literal | None = iris.get(o.value)
            if obj is None:
                obj = iris[o.value] = URIRef(o.value)
        elif type(o) is ox.Literal:
            obj = literals.get(o, _UNSEEN)  # one look-up: another thread may empty the cache between two
            if obj is _UNSEEN:
                obj = literals[o] = _literal(o)
            if obj is None:
                return None
        else:
            return None
        out.append((subject, predicate, obj))
    return out


def _literal(term: ox.Literal) -> Literal | None:
    """The literal rdflib's parser makes for it (``Literal(s, datatype=dt)`` or ``Literal(s, lang=tag)``)."""
    datatype = term.datatype.value
    if term.language is not None:
        return Literal(term.value, lang=term.language) if datatype == _RDF_LANG_STRING else None
    if datatype == _XSD_STRING:
        return Literal(term.value)
    if datatype in _IMPLICIT_DATATYPES:
        return None
    if datatype == _XSD_INTEGER and _CANONICAL_INTEGER.fullmatch(term.value) is None:
        return None  # rdflib writes a bare integer back through int(); only canonical forms are certainly the same
    return Literal(term.value, datatype=URIRef(datatype))
