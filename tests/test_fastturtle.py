"""The pyoxigraph fast path for plain Turtle builds exactly rdflib's graph, or declines.

"Exactly": the same triples with the same term types, lexical forms,
datatypes and languages, in the same store order (every index of rdflib's
Memory store, in order), and the same namespace bindings in the same order;
and through the loader, the same graph or the same refusal message.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph, URIRef

from reasoner._runtime import safety
from reasoner.errors import InputError
from reasoner.pipeline import loading
from reasoner.pipeline.fastturtle import parse_plain_turtle, read_plain_turtle
from reasoner.pipeline.plainview import PlainCaseView

ROOT = Path(__file__).resolve().parent.parent


def _term(t: object) -> tuple:
    return (type(t).__name__, str(t), getattr(t, "datatype", None), getattr(t, "language", None), getattr(t, "ill_typed", None))


def _nest(d: dict) -> list:
    return [(_term(k), _nest(v) if isinstance(v, dict) else v) for k, v in d.items()]


def graph_state(g: Graph) -> tuple:
    """Everything observable about a parsed graph, order included."""
    store = g.store
    return (
        [tuple(map(_term, t)) for t in g],
        _nest(store._Memory__spo),  # type: ignore[attr-defined]
        _nest(store._Memory__pos),  # type: ignore[attr-defined]
        _nest(store._Memory__osp),  # type: ignore[attr-defined]
        list(g.namespaces()),
    )


def _rdflib(text: str) -> Graph | Exception:
    try:
        return Graph().parse(data=text, format="turtle", publicID=safety.RELATIVE_BASE)
    except Exception as exc:  # noqa: BLE001
        return exc


def assert_same_as_rdflib(text: str) -> bool:
    """The fast path declines or builds rdflib's graph; True if it was taken."""
    fast = parse_plain_turtle(text)
    if fast is None:
        return False
    ref = _rdflib(text)
    assert isinstance(ref, Graph), f"rdflib refuses what the fast path read: {ref!r}\n{text}"
    assert graph_state(fast) == graph_state(ref), text
    assert_view_reads_as(PlainCaseView(read_plain_turtle(text)), ref)
    return True


def assert_view_reads_as(view: PlainCaseView, graph: Graph) -> None:
    """Every read PlainCaseView offers answers as the graph does, in the same order."""
    assert [tuple(map(_term, t)) for t in view] == [tuple(map(_term, t)) for t in graph]
    assert len(view) == len(graph)
    assert list(view.namespaces()) == list(graph.namespaces())
    for s, p, o in graph:
        assert list(view.subjects(p, o)) == list(graph.subjects(p, o))
        assert list(view.objects(s, p)) == list(graph.objects(s, p))
        assert list(view.subject_objects(p)) == list(graph.subject_objects(p))
    assert list(view.subjects(URIRef("https://absent.example/p"), URIRef("https://absent.example/o"))) == []
    assert list(view.subject_objects(URIRef("https://absent.example/p"))) == []
    assert graph_state(view.to_graph()) == graph_state(graph)


# --- every Turtle file the project ships or tests with ---------------------------------------

_FILES = sorted(p for d in ("tests", "examples") for p in (ROOT / d).rglob("*.ttl"))


def test_every_turtle_file_in_tests_and_examples() -> None:
    taken = 0
    for path in _FILES:
        try:
            text = safety.strip_utf8_bom(path.read_bytes()).decode("utf-8")
        except UnicodeDecodeError:
            continue
        taken += assert_same_as_rdflib(text)
    assert taken >= 10  # the examples' plain cases do take the fast path


def test_loader_gives_the_same_graph_or_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """Through parse_case_bytes (guards and content checks included), fast path or not."""
    for path in _FILES:
        data = path.read_bytes()
        try:
            if parse_plain_turtle(safety.strip_utf8_bom(data).decode("utf-8")) is None:
                continue  # declined: the loader runs rdflib's parse exactly as before
        except UnicodeDecodeError:
            continue
        results = []
        for fast in (True, False):
            if not fast:
                monkeypatch.setattr(loading, "read_plain_turtle", lambda text: None)
            try:
                results.append(graph_state(loading.parse_case_bytes(data, source=str(path), rdf_format="turtle")))
            except InputError as exc:
                results.append((type(exc).__name__, str(exc), exc.line))
            monkeypatch.undo()
        assert results[0] == results[1], path


# --- generated documents: inside the subset, at its edges, and beyond ----------------------------


class _Picker:
    """Draws a plain choice, or with probability ``noise`` an edge case (so many documents stay near the subset)."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.noise = draw(st.sampled_from([0.0, 0.0, 0.0, 0.01, 0.02, 0.05, 0.1, 0.3, 1.0]))

    def __call__(self, plain: list[str], edgy: list[str]) -> str:
        edge = bool(edgy) and self.draw(st.floats(0, 1)) < self.noise
        return self.draw(st.sampled_from(edgy if edge or not plain else plain))

    def text(self, plain: str, edgy: str, max_size: int) -> str:
        edge = self.draw(st.floats(0, 1)) < self.noise
        alphabet = plain + (edgy if edge else "")
        return self.draw(st.text(alphabet=alphabet, max_size=max_size)) if alphabet else ""


_PLAIN_NS = ["https://e.org/", "https://e.org/x#", "urn:x:", "http://www.w3.org/2001/XMLSchema#", "http://schema.org/"]
_EDGY_NS = [
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "HTTP://E.ORG/a/../b/", "rel/", "https://e.org/a b/",
    "https://e.org/%41/", "https://e.org/%4/", r"https://e.org/\u00e9/", "https://e.org/é/", "http:x/", "mailto:",
    "https://e.org/#", "https://e.org/a#b#", "https://e.org/./",
]
_EDGY_IRI_CHARS = "%:~ é{}\\u^|`\"<"
_EDGY_STRING_CHARS = "\x01\x00\u2028\x7f\ufeff\r\n\"\\"
_EDGY_ESCAPES = [r"\b", r"\f", r"\u00e9", r"\U0001F600", r"\uD800", r"\x", "\\", r"\u0000", r"\u000A"]
_EDGY_LOCAL_CHARS = "abAB09_-.:%\\~é#"


def _iri(pick: _Picker) -> str:
    return "<" + pick(_PLAIN_NS, _EDGY_NS) + pick.text("ab09_-./#?", _EDGY_IRI_CHARS, 6) + ">"


def _string(pick: _Picker) -> str:
    first = pick.text("ab é'#@^;,.<>\t😀:_", _EDGY_STRING_CHARS, 4)
    second = pick.text("ab é'#@^;,.<>\t😀:_", _EDGY_STRING_CHARS, 4)
    escape = pick(["", "", r"\t", r"\n", r"\r", r"\"", r"\'", r"\\"], _EDGY_ESCAPES)
    quote = pick(['"'], ["'", '"""', "'''"])
    return quote + first + escape + second + quote


def _literal(pick: _Picker, prefixes: list[str]) -> str:
    kind = pick(["plain", "lang", "typed", "typed", "int", "bool"], ["num", "plain"])
    if kind == "int":
        return pick(["0", "5", "42", "-7", "123456789012345678901234567890"], ["+5", "007", "-0", "1.", "+0", "00"])
    if kind == "num":
        return pick([], ["1.5", "-0.0", ".5", "1e3", "1E-2", "1.50", "1.0e0"])
    if kind == "bool":
        return pick(["true", "false"], ["TRUE", "True", "1"])
    text = _string(pick)
    if kind == "lang":
        return text + "@" + pick(["en", "de-ch", "x", "en-gb-x-abc"], ["EN", "en-GB", "en--ltr", "1a", "en-", "e_n", "en-gb-x1"])
    if kind == "typed":
        known = [f"{p}:{local}" for p in prefixes for local in ("date", "integer", "boolean", "decimal", "dt")]
        datatype = pick(
            known + ["<http://www.w3.org/2001/XMLSchema#date>", "<https://e.org/dt>"],
            [f"{p}:string" for p in prefixes] + [f"{p}:langString" for p in prefixes]
            + ["<http://www.w3.org/2001/XMLSchema#string>", "<http://www.w3.org/1999/02/22-rdf-syntax-ns#langString>",
               "undeclared:dt", "<rel>"],
        )
        value = pick(["2026-01-31", "2026-02-30", "1", "true", "1.50", "x", ""],
                     [" 2026-01-31 ", "2026-06-21+14:00", "2026-06-21Z", "01", "+1", "-0", "TRUE", "1e3"])
        lexical = f'"{value}"' if pick(["lexical", "lexical", "string"], []) == "lexical" else text
        return lexical + "^^" + datatype
    return text


@st.composite
def turtle_documents(draw: st.DrawFn) -> str:
    """Turtle: mostly plain, with every kind of edge the subset must decline or read exactly like rdflib."""
    pick = _Picker(draw)
    declared = [
        (pick(["", "ex", "p", "xsd", "x-y", "x_y", "p1", "schema", "a"], ["é", "_b", "1p", "rdf", "a.b", "-x"]),
         pick(_PLAIN_NS, _EDGY_NS))
        for _ in range(draw(st.integers(1, 4)))
    ]
    forms = (["@prefix {p}: <{n}> .", "@prefix {p}:<{n}>.", "@prefix  {p}:  <{n}>  .  # c", "@prefix {p}: <{n}> .\r"],
             ["PREFIX {p}: <{n}>", "@PREFIX {p}: <{n}> .", "@prefix {p}: <{n}>", "@prefix {p}: <{n}> .x"])
    lines = [pick(*forms).format(p=p, n=n) for p, n in declared]
    lines.insert(0, pick([""], ["@base <https://e.org/base/> .", "BASE <https://e.org/b/>", 'VERSION "1.2"', "\ufeff"]))
    prefixes = [p for p, _ in declared]

    def node() -> str:
        kind = pick(["pname", "pname", "pname", "iri"], ["bnode", "pname"])
        if kind == "pname":
            local = pick(["s", "case", "back-pain", "x_1", "a1", "0a", "", "A-B"], []) + pick.text("", _EDGY_LOCAL_CHARS, 4)
            return pick(prefixes, ["undeclared", "_"]) + ":" + local
        if kind == "iri":
            return _iri(pick)
        return pick([], ["_:b1", "[]", "[ <https://e.org/p> 1 ]", "( 1 2 )", "()",
                         "<< <https://e.org/a> <https://e.org/b> <https://e.org/c> >>"])

    for _ in range(draw(st.integers(1, 6))):
        subject = pick(["node"], ["literal", "a", "true"])
        parts = [node() if subject == "node" else (_literal(pick, prefixes) if subject == "literal" else subject)]
        for j in range(draw(st.integers(1, 3))):
            if j:
                parts.append(pick([";", " ;", ";\n  ", ";\r\n"], [" ;;", ";;;", ";\r"]))
            parts.append("a" if draw(st.integers(0, 3)) == 0 else node())
            for k in range(draw(st.integers(1, 3))):
                if k:
                    parts.append(pick([",", " ,", ",\n"], [",,", ",\r"]))
                parts.append(_literal(pick, prefixes) if draw(st.booleans()) else node())
        parts.append(pick([""], [";", "; ", "{| <https://e.org/p> 1 |}", "~ <https://e.org/r>"]))
        sep = pick([" ", "\t", "  ", "\n"], ["", "\r", "\x0c", "\u00a0"])
        end = pick([" .", ".", " . # done", " .#x", "\n."],
                   ["", " .x", " . @prefix late: <https://e.org/late/> .", " .\r", "..", " .;"])
        lines.append(sep.join(parts) + end)
        lines.append(pick([""], ['# comment with @prefix q: <x> . and "quotes"', "#", "   ", "# \r x"]))
    return pick(["\n", "\r\n", "\n\n"], ["\r", "\n\r"]).join(lines) + pick(["\n", "", " "], ["\n# end", "\r", "\x00"])


@settings(max_examples=350, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(turtle_documents())
def test_generated_documents(text: str) -> None:
    assert_same_as_rdflib(text)


@st.composite
def plain_documents(draw: st.DrawFn) -> str:
    """Documents inside the subset: the fast path must take them (so the test above is not vacuous)."""
    lines = ["@prefix : <https://e.org/c/> .", "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> ."]
    for _ in range(draw(st.integers(1, 6))):
        subject = ":" + draw(st.sampled_from(["case", "p-1", "x_y", "0"]))
        objects = draw(st.lists(st.one_of(
            st.sampled_from([":o", "<https://e.org/o#x>", "true", "false", "42", "-7", "0"]),
            st.text(alphabet="ab é'#@^;,.<>\t😀", max_size=6).map(lambda s: f'"{s}"'),
            st.sampled_from(['"2026-01-31"^^xsd:date', '"x"@en', '"1.50"^^xsd:decimal', '"2026-02-30"^^xsd:date', '"a\\tb\\"c"']),
        ), min_size=1, max_size=3))
        lines.append(f"{subject} a :T ; :p {' , '.join(objects)} .")
    return "\n".join(lines) + "\n"


@settings(max_examples=200, deadline=None)
@given(plain_documents())
def test_plain_documents_take_the_fast_path(text: str) -> None:
    assert assert_same_as_rdflib(text), text
