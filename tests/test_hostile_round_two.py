"""Issue 11, hostile input round two: each attack of the issue, run as described, is refused.

The files are under tests/hostile/ (see its README). JSON-LD files name a
loopback port as ``PORT``; each test copies them with a live
:class:`~_hostile_helpers.Listener`'s port, which must see no connection,
and records every file the process opens, which must not include the
file a context points at. The endpoint attacks are in tests/test_serve_hostile.py.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import os
import sys
import threading
from pathlib import Path

import pytest
from rdflib import Literal

from _hostile_helpers import HOSTILE, ROOT, SEED, Listener, glr
import reasoner
from reasoner._runtime import netguard, safety
from reasoner.errors import InputError, UnsafeInputError
from reasoner.pipeline.loading import load_case, parse_case_bytes
from reasoner.paths import CONTEXT_DIR
from reasoner.pipeline.render.sanitize import MAX_VALUE_CHARS, clean_output, clean_value, clean_values
from reasoner.vocab import XSD

JSONLD_ATTACKS = {
    # file: the reference the refusal must name
    "jsonld-import.jsonld": "http://127.0.0.1:",
    "jsonld-property-scoped.jsonld": "http://127.0.0.1:",
    "jsonld-type-scoped.jsonld": "http://127.0.0.1:",
    "jsonld-scoped-file.jsonld": "file:///etc/passwd",
    "jsonld-file-context.jsonld": "file:///etc/passwd",
    "jsonld-relative-context.jsonld": "glr-case.jsonld",
    "remote-context-nested.jsonld": "http://attacker.invalid/",
}


def _with_port(name: str, port: int, tmp_path: Path) -> Path:
    path = tmp_path / name
    path.write_bytes((HOSTILE / name).read_bytes().replace(b"PORT", str(port).encode()))
    return path


# --------------------------------------------------------------------------- 1. JSON-LD


@pytest.mark.parametrize("name", sorted(JSONLD_ATTACKS))
def test_every_jsonld_context_reference_is_refused_unfetched_and_unread(name: str, tmp_path: Path) -> None:
    listener = Listener()
    try:
        path = _with_port(name, listener.port, tmp_path)
        with netguard.record_file_opens() as opened, pytest.raises(UnsafeInputError) as refused:
            load_case(path)
    finally:
        listener.close()
    assert listener.connections == 0
    assert JSONLD_ATTACKS[name] in str(refused.value)
    assert "only the bundled context" in str(refused.value)
    assert str(path) in str(refused.value)  # the message names the file
    assert "/etc/passwd" not in opened
    # the case file, the bundled context, and nothing but the interpreter's and the package's own modules
    # (a lazily imported part of reasoner, such as the FHIR reader, is code, not input)
    package = str(Path(reasoner.__file__).resolve().parent)
    assert netguard.outside(opened, [str(path), str(CONTEXT_DIR), sys.prefix, sys.base_prefix, package]) == [], opened


def test_local_references_are_not_called_network_fetches(tmp_path: Path) -> None:
    with pytest.raises(UnsafeInputError, match="names a local file") as refused:
        load_case(HOSTILE / "jsonld-file-context.jsonld")
    assert "network" not in str(refused.value)


def test_the_bundled_context_resolves_through_the_loader_wherever_it_is_referenced() -> None:
    iri = safety.CONTEXT_IRI
    docs = [
        {"@context": iri},
        {"@context": {"@version": 1.1, "@import": iri}},
        {"@context": {"@version": 1.1, "glr": "https://w3id.org/glr/ontology#",
                      "aboutPatient": {"@id": "glr:aboutPatient", "@type": "@id", "@context": iri}}},
    ]
    for doc in docs:
        doc |= {"@id": "https://w3id.org/glr/hostile/ok/case", "@type": "Case" if "@import" in json.dumps(doc) or doc["@context"] == iri else "glr:Case",
                "aboutPatient": {"@id": "https://w3id.org/glr/hostile/ok/patient", "@type": "glr:Patient"}}
        with netguard.record_file_opens() as opened:
            graph = parse_case_bytes(json.dumps(doc).encode(), source="inline", rdf_format="json-ld")
        assert len(graph) >= 2
        assert all("attacker" not in p for p in opened)


def test_rdflib_context_fetching_is_restored_after_a_parse() -> None:
    from rdflib.plugins.shared.jsonld import context as jsonld_context

    before = jsonld_context.source_to_json
    with pytest.raises(UnsafeInputError):
        load_case(HOSTILE / "jsonld-file-context.jsonld")
    assert jsonld_context.source_to_json is before


def test_cli_refuses_a_scoped_remote_context_with_exit_2_and_no_connection(tmp_path: Path) -> None:
    listener = Listener()
    try:
        path = _with_port("jsonld-property-scoped.jsonld", listener.port, tmp_path)
        run = glr("recommend", str(path))
    finally:
        listener.close()
    assert listener.connections == 0
    assert run.code == 2 and "http://127.0.0.1:" in run.stderr


def test_batch_refuses_scoped_remote_contexts_in_ndjson_with_no_connection(tmp_path: Path) -> None:
    listener = Listener()
    try:
        lines = [json.dumps(json.loads(_with_port(n, listener.port, tmp_path).read_text())) for n in ("jsonld-import.jsonld", "jsonld-type-scoped.jsonld")]
        batch = tmp_path / "cases.ndjson"
        batch.write_text("\n".join(lines) + "\n")
        out = tmp_path / "out.ndjson"
        run = glr("batch", str(batch), "--out", str(out), "--workers", "1")
    finally:
        listener.close()
    assert listener.connections == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["error_type"] for r in records] == ["UnsafeInputError", "UnsafeInputError"], run.stderr


# --------------------------------------------------------------------------- 2. RDF/XML

XML_ATTACKS = [
    "billion-laughs.rdf",
    "billion-laughs-utf16le.rdf",
    "billion-laughs-utf32.rdf",
    "xxe-local-file.rdf",
    "xxe-local-file-utf16be.rdf",
    "xxe-local-file-utf16-bom.rdf",
    "xxe-local-file-utf8-bom.rdf",
    "xxe-remote.rdf",
]


@pytest.mark.parametrize("name", XML_ATTACKS)
def test_xml_declarations_are_refused_in_any_encoding(name: str) -> None:
    with netguard.record_file_opens() as opened, pytest.raises(InputError) as refused:
        load_case(HOSTILE / name)
    assert "/etc/passwd" not in opened
    if "utf16" not in name or "bom" in name:
        return  # UTF-32 and BOM-marked UTF-16: refused as unreadable before any entity is seen
    assert isinstance(refused.value, UnsafeInputError) and "DOCTYPE or entities" in str(refused.value)


def test_utf16_billion_laughs_without_bom_is_refused_by_the_parser_not_the_byte_pattern() -> None:
    data = (HOSTILE / "billion-laughs-utf16le.rdf").read_bytes()
    safety.reject_xml_doctype(data, source="x")  # the byte pattern alone misses it (the bypass)
    with pytest.raises(UnsafeInputError, match="DOCTYPE or entities"):
        parse_case_bytes(data, source="x", rdf_format="xml")


@pytest.mark.parametrize("name", ["billion-laughs-utf16le.rdf", "xxe-local-file-utf16be.rdf"])
def test_cli_refuses_utf16_entity_attacks_with_exit_2(name: str) -> None:
    run = glr("recommend", str(HOSTILE / name), timeout=60)
    assert run.code == 2 and "DOCTYPE or entities" in run.stderr
    assert "root:" not in run.stdout + run.stderr


def test_plain_rdfxml_still_parses() -> None:
    data = (ROOT / "ontology" / "glr.owl").read_bytes()
    with pytest.raises(InputError, match="vocabulary axiom"):  # read, then refused as a case for defining terms
        parse_case_bytes(data, source="glr.owl", rdf_format="xml")


def test_parsing_runs_under_the_time_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [f"<urn:s{i}> <urn:p> \"{i}\" ." for i in range(200_000)]
    path = tmp_path / "many.nt"
    path.write_text("\n".join(lines) + "\n")
    monkeypatch.setenv("GLR_QUERY_TIMEOUT", "0.001")
    with pytest.raises(UnsafeInputError, match="time limit"):
        load_case(path, max_bytes=50_000_000)


# --------------------------------------------------------------------------- 3. size, file type, literals


def test_a_fifo_named_explicitly_is_read_up_to_the_cap(tmp_path: Path) -> None:
    fifo = tmp_path / "case.ttl"
    os.mkfifo(fifo)

    def writer() -> None:
        with open(fifo, "wb") as handle:
            try:
                handle.write(b"# " + b"x" * 200_000)
            except BrokenPipeError:
                pass  # the reader stopped at the cap, as it should

    thread = threading.Thread(target=writer)
    thread.start()
    with pytest.raises(UnsafeInputError, match="over the 100000-byte input limit"):
        safety.read_bounded(fifo, max_bytes=100_000)
    thread.join(timeout=10)


def test_a_fifo_in_an_input_directory_is_refused_unread(tmp_path: Path) -> None:
    fifo = tmp_path / "case.ttl"
    os.mkfifo(fifo)
    with pytest.raises(UnsafeInputError, match="not a regular file"):
        safety.read_bounded(fifo, regular_only=True)  # no writer: would block forever if it were opened for reading


def test_a_link_to_dev_zero_is_capped_not_read_to_exhaustion(tmp_path: Path) -> None:
    link = tmp_path / "zero.ttl"
    link.symlink_to("/dev/zero")
    run = glr("validate", str(link), "--max-bytes", "100000")
    assert run.code == 2 and "100000-byte input limit" in run.stderr


def test_batch_refuses_links_out_of_the_directory_and_pipes_without_reading_them(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.ttl").write_text("SECRET-CONTENT not turtle\n")
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "seed.ttl").write_bytes(SEED.read_bytes())
    (cases / "link.ttl").symlink_to(outside / "secret.ttl")
    (cases / "zero.ttl").symlink_to("/dev/zero")
    os.mkfifo(cases / "pipe.ttl")
    out = tmp_path / "out.ndjson"
    run = glr("batch", str(cases), "--out", str(out), "--workers", "1")
    text = out.read_text()
    assert "SECRET-CONTENT" not in text + run.stderr and str(outside) not in text
    records = {Path(r["case_source"]).name: r for r in map(json.loads, text.splitlines())}
    assert records["seed.ttl"]["status"] == "ok"
    assert "outside the input directory" in records["link.ttl"]["error"]
    assert "outside the input directory" in records["zero.ttl"]["error"]  # a link to /dev/zero leaves it too
    assert "not a regular file" in records["pipe.ttl"]["error"]


def test_literal_cap_names_the_node_and_property() -> None:
    text = SEED.read_text(encoding="utf-8").replace('rdfs:label "Seed patient"', 'rdfs:label "' + "x" * 5000 + '"')
    with pytest.raises(UnsafeInputError) as refused:
        parse_case_bytes(text.encode(), source="big.ttl", rdf_format="turtle", max_literal=1000)
    assert "seed-case/patient" in str(refused.value) and "rdf-schema#label" in str(refused.value)
    assert "5000 characters" in str(refused.value)


# --------------------------------------------------------------------------- 4. IRIs the libraries reject


def test_case_iri_with_a_space_validate_and_recommend_agree_on_exit_2() -> None:
    for command in ("validate", "recommend"):
        run = glr(command, str(HOSTILE / "iri-with-space.ttl"))
        assert run.code == 2, (command, run.stderr)
        assert "<https://w3id.org/glr/hostile/case with space>" in run.stderr
        assert "iri-with-space.ttl" in run.stderr


def test_iri_with_a_space_in_jsonld_is_refused_too() -> None:
    # rdflib's JSON-LD parser treats it as relative and resolves it against the base; the base is ours
    # (not the working directory's file: URL, which leaked a machine path), and the result is refused
    doc = {"@context": safety.CONTEXT_IRI, "@id": "https://w3id.org/glr/hostile/case", "@type": "Case",
           "aboutPatient": "https://w3id.org/glr/hostile/a patient"}
    with pytest.raises(InputError, match="not a valid absolute IRI.*aboutPatient|aboutPatient.*not a valid absolute IRI"):
        parse_case_bytes(json.dumps(doc).encode(), source="x.jsonld", rdf_format="json-ld")


# --------------------------------------------------------------------------- 5. output hygiene


def test_control_characters_in_labels_reach_the_plan_escaped() -> None:
    run = glr("recommend", str(HOSTILE / "control-characters.ttl"), "--engine", "oxigraph")
    assert run.code == 0, run.stderr
    for raw in ("\x00", "\x1b", "\x07", "\u202e"):
        assert raw not in run.stdout
    assert "\\x1b[2J" in run.stdout and "\\x00" in run.stdout and "\\u202e" in run.stdout
    assert not any(line.startswith("# Fake heading") for line in run.stdout.splitlines())


def test_clean_value_escapes_and_bounds() -> None:
    assert clean_value("a\x00b\x1b[31mc\nd\u202e") == "a\\x00b\\x1b[31mc\\x0ad\\u202e"
    assert clean_value("émoji 👩‍⚕️ ok") == "émoji 👩‍⚕️ ok"  # printable text, joiners included, is untouched
    long = clean_value("x" * (MAX_VALUE_CHARS + 500))
    assert long.startswith("x" * MAX_VALUE_CHARS) and long.endswith("[500 more characters not shown]")


def test_clean_output_keeps_layout() -> None:
    assert clean_output("# Title\n\n- a\tb\x1b[0m\r") == "# Title\n\n- a\tb\\x1b[0m\\x0d"


def test_turtle_output_escapes_control_characters_without_changing_the_data() -> None:
    from rdflib import Graph
    from rdflib.compare import isomorphic

    from reasoner.pipeline.render.sanitize import escape_in_rdf_text

    text = '<urn:a> <urn:b> "red\x1b[31m\x00 \u202eevil" , """two\nlines\ttab""" .\n'
    escaped = escape_in_rdf_text(text)
    assert "\x1b" not in escaped and "\x00" not in escaped and "\u202e" not in escaped
    assert "\\u001B[31m" in escaped and "\n" in escaped and "\t" in escaped
    assert isomorphic(Graph().parse(data=text, format="turtle"), Graph().parse(data=escaped, format="turtle"))


def test_clean_values_walks_dataclasses_but_leaves_enums() -> None:
    class Kind(str, enum.Enum):
        A = "a\x1b"

    @dataclasses.dataclass(frozen=True)
    class Inner:
        text: str
        kind: Kind

    @dataclasses.dataclass(frozen=True)
    class Outer:
        items: tuple[Inner, ...]
        notes: dict[str, str]
        count: int

    cleaned = clean_values(Outer((Inner("x\x00", Kind.A),), {"k": "v\x1b"}, 3))
    assert cleaned.items[0].text == "x\\x00" and cleaned.items[0].kind is Kind.A
    assert cleaned.notes == {"k": "v\\x1b"} and cleaned.count == 3
    same = Outer((Inner("fine", Kind.A),), {}, 1)
    assert clean_values(same) is same


# --------------------------------------------------------------------------- 6. dates


def test_dates_with_offsets_are_refused_by_both_commands() -> None:
    for command in ("validate", "recommend"):
        run = glr(command, str(HOSTILE / "date-offsets.ttl"))
        assert run.code == 2, (command, run.stderr)
        assert "time zone offset" in run.stderr and "date-offsets.ttl" in run.stderr


def test_rdflib_keeps_the_offset_of_an_xsd_date_so_it_can_be_refused() -> None:
    import reasoner.pipeline.timeline  # noqa: F401  (binds the stricter xsd:date constructor)

    assert str(Literal("2026-06-21+14:00", datatype=XSD.date)) == "2026-06-21+14:00"
    assert Literal("2026-06-21", datatype=XSD.date).toPython().isoformat() == "2026-06-21"


# --------------------------------------------------------------------------- 8. the guard itself


def test_file_open_recorder_sees_opens_and_outside_filters_them(tmp_path: Path) -> None:
    target = tmp_path / "x.txt"
    target.write_text("x")
    with netguard.record_file_opens() as opened:
        target.read_text()
    assert str(target) in opened
    assert netguard.outside([str(target), "/etc/passwd"], [str(tmp_path)]) == ["/etc/passwd"]
