"""Normalising a plain Turtle case from its PlainCaseView builds exactly the graph normalising its rdflib graph builds.

Exactly: tests/test_fastturtle.py's graph_state (every store index in order,
terms with lexical forms, datatypes and languages, namespaces), and the same
refusals with the same messages.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings

from reasoner._runtime import safety
from reasoner.errors import GlrError
from reasoner.pipeline import loading, run
from reasoner.pipeline.fastturtle import read_plain_turtle
from reasoner.pipeline.loading import check_case_content
from reasoner.pipeline.plainview import PlainCaseView
from reasoner.pipeline.timeline import normalise, resolve_as_of

from test_fastturtle import _FILES, graph_state, plain_documents

ROOT = Path(__file__).resolve().parent.parent


def _outcome(step):  # type: ignore[no-untyped-def]
    try:
        return ("ok", step())
    except GlrError as exc:
        return (type(exc).__name__, str(exc))


def _same_preparation(text: str, kb) -> bool:  # type: ignore[no-untyped-def]
    plain = read_plain_turtle(text)
    if plain is None:
        return False
    graph, view = plain.to_graph(), PlainCaseView(plain)
    assert _outcome(lambda: check_case_content(view, source="s")) == _outcome(lambda: check_case_content(graph, source="s"))
    for override in (None, dt.date(2026, 6, 1)):
        by_view = _outcome(lambda: resolve_as_of(view, override=override, today=dt.date(2026, 7, 1)))
        by_graph = _outcome(lambda: resolve_as_of(graph, override=override, today=dt.date(2026, 7, 1)))
        assert by_view == by_graph, text
        if by_graph[0] == "ok":
            as_of = by_graph[1]
            assert graph_state(normalise(view, as_of, kb.elapsed_properties())) == graph_state(
                normalise(graph, as_of, kb.elapsed_properties())
            ), text
    return True


@pytest.fixture(scope="module")
def kb():  # type: ignore[no-untyped-def]
    return run.default_knowledge_base()


def test_every_plain_turtle_file(kb) -> None:  # type: ignore[no-untyped-def]
    taken = 0
    for path in _FILES:
        try:
            text = safety.strip_utf8_bom(path.read_bytes()).decode("utf-8")
        except UnicodeDecodeError:
            continue
        taken += _same_preparation(text, kb)
    assert taken >= 10


@settings(max_examples=200, deadline=None)
@given(plain_documents())
def test_generated_plain_documents(text: str) -> None:
    assert _same_preparation(text, run.default_knowledge_base())


def test_prepare_case_with_and_without_the_view(kb, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """End to end: the prepared graph, the as-of and the validation report are the same either way."""
    cases = sorted((ROOT / "examples").glob("*.ttl"))
    assert cases
    for path in cases:
        results = []
        for view_ok in (True, False):
            if not view_ok:
                real = loading.load_case
                monkeypatch.setattr(run, "load_case", lambda p, **kw: real(p, **{**kw, "view_ok": False}))
            prepared = _outcome(lambda: run.prepare_case(path, kb=kb, today=dt.date(2026, 7, 1)))
            if prepared[0] == "ok":
                case = prepared[1]
                prepared = ("ok", graph_state(case.graph), case.as_of, case.report.to_json())
            results.append(prepared)
            monkeypatch.undo()
        assert results[0] == results[1], path
