"""Nothing the reasoner reads may make it touch the network.

The whole suite runs with the network denied (tests/conftest_netguard.py):
any non-loopback connection or name lookup fails the test that made it,
even when the code swallowed the error. The first tests prove that guard
works; the rest feed network-reaching inputs and rules and check both that
they are refused and that no connection was attempted — including from
native code (pyoxigraph's HTTP client), which the Python guard cannot see,
by pointing the rules at a loopback listener that counts connections.
"""

from __future__ import annotations

import socket
import urllib.request
from pathlib import Path

import pytest

from _hostile_helpers import HOSTILE, SEED, Listener, glr, hostile_kb
from reasoner._runtime import netguard
from reasoner.errors import KnowledgeBaseError, UnsafeInputError


def test_guard_blocks_remote_connections_and_lookups() -> None:
    with netguard.expect_denial() as seen:
        with pytest.raises(OSError):
            urllib.request.urlopen("http://example.org/", timeout=2)
        with pytest.raises(OSError):
            socket.create_connection(("192.0.2.1", 80), timeout=1)
        with pytest.raises(OSError):
            socket.getaddrinfo("example.org", 443)
    assert len(seen) == 3


def test_guard_allows_loopback() -> None:
    listener = Listener()
    try:
        for host in ("127.0.0.1", "localhost"):
            socket.create_connection((host, listener.port), timeout=2).close()
    finally:
        listener.close()


def test_remote_jsonld_context_is_refused_in_process() -> None:
    from reasoner.pipeline.loading import load_case

    for name in ("remote-context.jsonld", "remote-context-nested.jsonld"):
        with pytest.raises(UnsafeInputError, match="fetched from the network"):
            load_case(HOSTILE / name)


def test_owl_imports_are_not_fetched_in_process() -> None:
    from reasoner import recommend

    result = recommend(HOSTILE / "owl-imports.ttl", engine="oxigraph")
    assert result.validation.conforms
    assert result.recommendations


@pytest.mark.parametrize("rule", ["service", "from", "load"])
def test_rules_reaching_the_network_are_refused_when_loaded(rule: str, tmp_path: Path) -> None:
    from reasoner import load_knowledge_base

    listener = Listener()
    try:
        module = hostile_kb(tmp_path, rule, port=listener.port)
        with pytest.raises(KnowledgeBaseError, match=rule.upper()):
            load_knowledge_base(modules=[module])
    finally:
        listener.close()
    assert listener.connections == 0


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
@pytest.mark.parametrize("rule", ["service", "from", "load"])
def test_cli_never_connects_for_network_rules(rule: str, engine: str, tmp_path: Path) -> None:
    listener = Listener()
    try:
        module = hostile_kb(tmp_path, rule, port=listener.port)
        run = glr("recommend", str(SEED), "--kb", str(module), "--engine", engine)
    finally:
        listener.close()
    assert listener.connections == 0, "a rule reached the network"
    assert run.code == 2
    assert rule.upper() in run.stderr


def test_safety_refuses_network_keywords_but_not_lookalikes() -> None:
    from reasoner._runtime.safety import reject_network_query

    for query in (
        "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://x/> { ?s ?p ?o } }",
        "construct { ?s ?p ?o } where { service silent <http://x/> { ?s ?p ?o } }",
        "CONSTRUCT { ?s ?p ?o } FROM NAMED <http://x/> WHERE { ?s ?p ?o }",
        "LOAD <http://x/>",
        "INSERT DATA { <a> <b> <c> }",
    ):
        with pytest.raises(KnowledgeBaseError):
            reject_network_query(query, source="q")
    for query in (
        "CONSTRUCT { ?s ?p ?o } WHERE { ?service <http://x/SERVICE> ?from . # SERVICE in a comment\n"
        "  FILTER(?o != 'LOAD' && ?o != \"FROM\") ?s pf:service ?load }",
        "PREFIX from: <http://x#> CONSTRUCT { ?s ?p ?o } WHERE { ?s from:x ?o }",
    ):
        reject_network_query(query, source="q")


def test_bundled_rules_pass_the_network_check() -> None:
    from reasoner import load_knowledge_base
    from reasoner._runtime.safety import reject_network_query

    for rule in load_knowledge_base().rules:
        reject_network_query(rule.query_text, source=str(rule.query_path))
