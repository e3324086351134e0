"""Case files are read safely; JSON-LD uses the bundled context, never the network."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib.compare import isomorphic

from reasoner.errors import InputError, UnsafeInputError
from reasoner.loading import load_case

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_jsonld_with_bundled_context_equals_turtle() -> None:
    ttl = load_case(EXAMPLES / "seed-case.ttl").graph
    jsonld = load_case(EXAMPLES / "seed-case.jsonld").graph
    assert isomorphic(ttl, jsonld)


def test_jsonld_and_turtle_give_the_same_plan(kb) -> None:
    from reasoner import recommend

    a = recommend(EXAMPLES / "seed-case.ttl", kb=kb).to_json()
    b = recommend(EXAMPLES / "seed-case.jsonld", kb=kb).to_json()
    a.pop("source"), b.pop("source")
    assert a == b


def test_remote_jsonld_context_is_refused(tmp_path: Path) -> None:
    doc = json.loads((EXAMPLES / "seed-case.jsonld").read_text())
    doc["@context"] = "https://example.org/remote-context.jsonld"
    path = tmp_path / "remote.jsonld"
    path.write_text(json.dumps(doc))
    with pytest.raises(UnsafeInputError, match="network"):
        load_case(path)


def test_size_cap_refuses_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.ttl"
    path.write_text("# " + "x" * 5000)
    with pytest.raises(UnsafeInputError, match="input limit"):
        load_case(path, max_bytes=1000)


def test_empty_graph_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.ttl"
    path.write_text("# nothing here\n")
    with pytest.raises(InputError, match="no RDF triples"):
        load_case(path)


def test_turtle_error_reports_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.ttl"
    path.write_text("@prefix g: <https://w3id.org/glr/ontology#> .\n\n\ng:x g:y \"unterminated .\n")
    with pytest.raises(InputError) as info:
        load_case(path)
    assert "bad.ttl" in str(info.value)
