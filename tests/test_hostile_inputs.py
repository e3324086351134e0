"""Hostile and broken case files: a clear paragraph and a documented exit code, never a traceback.

Each test runs `glr recommend` as a subprocess with the network denied
inside it (tests/_hostile_helpers.py) and checks the exit code
(0 ok, 1 does not conform, 2 unreadable/unsafe input, 3 rule failure) and
what stderr says. The files and what each tries are listed in
tests/hostile/README.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from _hostile_helpers import HOSTILE, SEED, glr
from reasoner._runtime import safety
from reasoner.errors import UnsafeInputError
from reasoner.pipeline.loading import load_case


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("billion-laughs.rdf", "DOCTYPE or entities"),
        ("xxe-local-file.rdf", "DOCTYPE or entities"),
        ("xxe-remote.rdf", "DOCTYPE or entities"),
        ("remote-context.jsonld", "refused"),
        ("remote-context-nested.jsonld", "refused"),
    ],
)
def test_entities_and_remote_contexts_are_refused(name: str, needle: str) -> None:
    run = glr("recommend", str(HOSTILE / name))
    assert run.code == 2
    assert needle in run.stderr
    assert "root:" not in run.stdout + run.stderr  # nothing of /etc/passwd


def test_owl_imports_in_a_case_are_not_followed() -> None:
    run = glr("recommend", str(HOSTILE / "owl-imports.ttl"), "--engine", "oxigraph", "--format", "json")
    assert run.code == 0, run.stderr
    assert '"recommendations"' in run.stdout


@pytest.mark.parametrize("name", ["deep-nesting.ttl", "deep-list.ttl", "deep-nesting.jsonld"])
def test_deep_nesting_is_refused_with_a_message(name: str) -> None:
    run = glr("recommend", str(HOSTILE / name))
    assert run.code == 2
    assert "nest" in run.stderr.lower() or "recursion" in run.stderr.lower()


@pytest.mark.parametrize("name", ["deep-nesting.ttl", "deep-list.ttl", "deep-nesting.jsonld"])
def test_nesting_guard_refuses_before_parsing(name: str) -> None:
    data = (HOSTILE / name).read_bytes()
    with pytest.raises(UnsafeInputError, match="nests brackets more than"):
        safety.check_nesting(data, source=name, is_json=name.endswith(".jsonld"))


def test_nesting_guard_ignores_brackets_in_literals_and_iris() -> None:
    for example in sorted((SEED.parent).glob("*.ttl")) + [HOSTILE / "odd-unicode.ttl"]:
        safety.check_nesting(example.read_bytes(), source=str(example))
    safety.check_nesting(b'<a> <b> """' + b"[" * 500 + b'""" . <c> <d> "((((\\"((((((" .', source="literal")


def test_input_over_the_size_cap_is_refused_before_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big.ttl"
    big.write_bytes(SEED.read_bytes() + b"#" * 5000 + b"\n")
    run = glr("recommend", str(big), "--max-bytes", "4000")
    assert run.code == 2
    assert "4000-byte input limit" in run.stderr

    import rdflib

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("the parser was reached")

    monkeypatch.setattr(rdflib.Graph, "parse", no_parsing)
    with pytest.raises(UnsafeInputError, match="input limit"):
        load_case(big, max_bytes=4000)


def _seed_with_label(tmp_path: Path, length: int) -> Path:
    text = SEED.read_text(encoding="utf-8").replace('rdfs:label "Seed patient"', 'rdfs:label "' + "x" * length + '"')
    path = tmp_path / "huge-literal.ttl"
    path.write_text(text, encoding="utf-8")
    return path


def test_huge_literal_is_refused_naming_the_node(tmp_path: Path) -> None:
    # issue 11: a 9 MB label became 170 MB of JSON; one value is capped (GLR_MAX_LITERAL)
    run = glr("recommend", str(_seed_with_label(tmp_path, 3_000_000)), "--engine", "oxigraph", "--format", "json")
    assert run.code == 2, run.stderr[:500]
    assert "seed-case/patient" in run.stderr and "rdf-schema#label" in run.stderr
    assert "GLR_MAX_LITERAL" in run.stderr
    assert run.stdout == ""


def test_literal_cap_is_configurable(tmp_path: Path) -> None:
    path = _seed_with_label(tmp_path, 150_000)
    assert glr("validate", str(path)).code == 2
    run = glr("recommend", str(path), "--engine", "oxigraph", "--format", "json", env={"GLR_MAX_LITERAL": "200000"})
    assert run.code == 0, run.stderr[:500]


@pytest.mark.parametrize("fmt", ["json", "markdown"])
def test_odd_unicode_in_labels_and_iris_is_processed(fmt: str) -> None:
    run = glr("recommend", str(HOSTILE / "odd-unicode.ttl"), "--engine", "oxigraph", "--format", fmt)
    assert run.code == 0, run.stderr


@pytest.mark.parametrize("fmt", ["json", "markdown"])
def test_lone_surrogate_gives_an_outcome_not_a_crash(fmt: str) -> None:
    run = glr("recommend", str(HOSTILE / "lone-surrogate.ttl"), "--engine", "oxigraph", "--format", fmt)
    assert run.code in (0, 1, 2), run.stderr
    if run.code:
        assert run.stderr.startswith("glr:")


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("bad-iri.ttl", "glr: error:"),
        ("not-utf8.ttl", "UTF-8"),
        ("empty.ttl", "no RDF triples"),
        ("binary.ttl", "glr: error:"),
        ("case.txt", "extension"),
    ],
)
def test_unreadable_input_exits_2_with_one_paragraph(name: str, needle: str) -> None:
    run = glr("recommend", str(HOSTILE / name))
    assert run.code == 2
    assert needle in run.stderr
    assert str(HOSTILE / name) in run.stderr  # the message names the file


def test_byte_order_mark_is_read_or_refused_clearly() -> None:
    run = glr("recommend", str(HOSTILE / "bom.ttl"), "--engine", "oxigraph")
    assert run.code in (0, 2), run.stderr
    if run.code == 2:
        assert "bom.ttl" in run.stderr


def test_duplicate_facts_give_a_result_or_a_clear_verdict() -> None:
    run = glr("recommend", str(HOSTILE / "duplicate-facts.ttl"), "--engine", "oxigraph", "--format", "json")
    assert run.code in (0, 1), run.stderr
    if run.code == 1:
        assert "does not conform" in run.stderr


def test_a_finding_both_present_and_absent_does_not_conform() -> None:
    run = glr("recommend", str(HOSTILE / "present-and-absent.ttl"), "--engine", "oxigraph")
    assert run.code == 1
    assert "new-motor-weakness" in run.stderr
    assert "status" in run.stderr
    assert run.stdout == ""  # no recommendations for a case that failed validation
