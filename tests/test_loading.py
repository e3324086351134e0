"""Case files are read safely; JSON-LD uses the bundled context, never the network."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib.compare import isomorphic

from reasoner.errors import InputError, UnsafeInputError
from reasoner.pipeline.loading import load_case

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


def test_case_may_not_redefine_the_vocabulary(tmp_path: Path) -> None:
    """A case stating ontology axioms would silently change what every rule means."""
    text = (EXAMPLES / "seed-case.ttl").read_text(encoding="utf-8")
    text += "\nglr:Seroma rdfs:subClassOf glr:NewMotorWeakness .\n"
    path = tmp_path / "sneaky.ttl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="vocabulary axiom"):
        load_case(path)


def test_lone_surrogate_is_refused_with_a_message(tmp_path: Path) -> None:
    doc = json.loads((EXAMPLES / "seed-case.jsonld").read_text())
    doc["@graph"][0]["label"] = "bad \ud800 text"
    path = tmp_path / "surrogate.jsonld"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputError, match="lone surrogate"):
        load_case(path)
