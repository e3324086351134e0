"""Remote store mode against a real Oxigraph server process (no mocks).

The module starts `oxigraph serve` (PyPI package `oxigraph`) on 127.0.0.1
and a free port with a temporary directory, loads every examples/*.ttl
case into a named graph of its own over the Graph Store Protocol, and
requires recommend_remote to give exactly what the embedded engines give
for the same file.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from reasoner.cli.remote import add_remote_arguments, run_remote
from reasoner.remote import (
    RemoteStoreError,
    fetch_case_graph,
    locate_case_graph,
    recommend_remote,
    results_graph_for,
)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.ttl"))
INVALID = ROOT / "examples" / "invalid" / "finding-without-status.ttl"
GRAPH_PREFIX = "https://hospital.example/graph/"
ENGINES = ("rdflib", "oxigraph")


def _oxigraph_binary() -> str | None:
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.exists() else shutil.which("oxigraph")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class OxigraphServer:
    def __init__(self, location: Path) -> None:
        binary = _oxigraph_binary()
        if binary is None:
            pytest.fail("the `oxigraph` server binary is not installed; it comes with the test extras (pip install -e '.[test]')")
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{self.port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/query?query=ASK%7B%7D", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    err = self.process.stderr.read().decode() if self.process.stderr else ""
                    self.stop()
                    raise RuntimeError(f"oxigraph serve did not start: {err}")
                time.sleep(0.05)

    @property
    def query_url(self) -> str:
        return f"{self.base}/query"

    @property
    def update_url(self) -> str:
        return f"{self.base}/update"

    def put_graph(self, graph_iri: str, turtle: bytes) -> None:
        url = f"{self.base}/store?graph={urllib.parse.quote(graph_iri, safe='')}"
        request = urllib.request.Request(url, data=turtle, method="PUT", headers={"Content-Type": "text/turtle"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status in (200, 201, 204)

    def graph(self, graph_iri: str) -> Graph:
        url = f"{self.base}/store?graph={urllib.parse.quote(graph_iri, safe='')}"
        request = urllib.request.Request(url, headers={"Accept": "application/n-triples"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Graph().parse(data=response.read(), format="nt")
        except urllib.error.HTTPError as err:
            if err.code == 404:
                err.close()
                return Graph()
            raise

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph"))
    try:
        for path in EXAMPLES:
            server.put_graph(GRAPH_PREFIX + path.stem, path.read_bytes())
        server.put_graph(GRAPH_PREFIX + "invalid", INVALID.read_bytes())
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def embedded(kb):
    """recommend() on each example file with each engine, computed once."""
    from reasoner import recommend

    return {(path.stem, engine): recommend(path, kb=kb, engine=engine) for path in EXAMPLES for engine in ENGINES}


def _comparable(result) -> dict:
    doc = result.to_json()
    doc.pop("source")  # a file path vs the endpoint and graph
    doc.pop("engine")
    return doc


def test_examples_exist() -> None:
    assert EXAMPLES, "examples/*.ttl must hold at least one case"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_fetched_graph_is_the_file(store, path) -> None:
    fetched = fetch_case_graph(store.query_url, GRAPH_PREFIX + path.stem)
    assert isomorphic(fetched, Graph().parse(path, format="turtle"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_remote_results_identical_to_embedded_engines(store, embedded, kb, path) -> None:
    # The fetched graph is the file (test above), so the local engine choice cannot matter here;
    # oxigraph keeps the module fast, and the result must equal BOTH embedded engines' results.
    engine = "oxigraph"
    remote = recommend_remote(store.query_url, graph_iri=GRAPH_PREFIX + path.stem, kb=kb, engine=engine)
    assert remote.source == f"{store.query_url} graph <{GRAPH_PREFIX + path.stem}>"
    for other in ENGINES:
        local = embedded[(path.stem, other)]
        assert _comparable(remote) == _comparable(local), f"remote {engine} vs embedded {other}"
        assert isomorphic(remote.derivation_graph, local.derivation_graph)


def test_case_iri_finds_its_graph(store, embedded, kb) -> None:
    path = EXAMPLES[0]
    case_iri = embedded[(path.stem, "oxigraph")].case
    assert locate_case_graph(store.query_url, case_iri) == GRAPH_PREFIX + path.stem
    result = recommend_remote(store.query_url, case_iri=case_iri, kb=kb, engine="oxigraph")
    assert result.case == case_iri


def test_results_written_back_into_a_named_graph(store, embedded, kb) -> None:
    path = EXAMPLES[0]
    local = embedded[(path.stem, "oxigraph")]
    target = results_graph_for(local.case)
    for _ in range(2):  # the graph is replaced, not appended to
        recommend_remote(store.query_url, graph_iri=GRAPH_PREFIX + path.stem, kb=kb, engine="oxigraph", update_endpoint=store.update_url)
        written = store.graph(target)
        assert isomorphic(written, local.derivation_graph)
    # the case graph itself is untouched
    assert isomorphic(store.graph(GRAPH_PREFIX + path.stem), Graph().parse(path, format="turtle"))
    # and a custom results graph
    custom = "https://hospital.example/graph/glr-results"
    recommend_remote(store.query_url, graph_iri=GRAPH_PREFIX + path.stem, kb=kb, engine="oxigraph", update_endpoint=store.update_url, results_graph=custom)
    assert isomorphic(store.graph(custom), local.derivation_graph)


def test_nonconforming_case_is_reported_and_not_written(store, kb) -> None:
    result = recommend_remote(store.query_url, graph_iri=GRAPH_PREFIX + "invalid", kb=kb, engine="oxigraph", update_endpoint=store.update_url)
    assert not result.validation.conforms
    assert not result.recommendations
    if result.case:
        assert len(store.graph(results_graph_for(result.case))) == 0


def test_missing_case_and_graph_are_clear_errors(store, kb) -> None:
    with pytest.raises(RemoteStoreError, match="no named graph"):
        recommend_remote(store.query_url, case_iri="https://hospital.example/no-such-case", kb=kb)
    with pytest.raises(RemoteStoreError, match="empty or does not exist"):
        recommend_remote(store.query_url, graph_iri="https://hospital.example/graph/none", kb=kb)


def test_unreachable_store_is_a_clear_error(kb) -> None:
    url = f"http://127.0.0.1:{_free_port()}/query"
    with pytest.raises(RemoteStoreError, match="failed") as info:
        recommend_remote(url, graph_iri=GRAPH_PREFIX + "x", kb=kb)
    assert info.value.exit_code == 2


def test_cli_glue_prints_json_and_writes(store, embedded, capsys) -> None:
    path = EXAMPLES[0]
    parser = argparse.ArgumentParser()
    add_remote_arguments(parser)
    parser.add_argument("--format", default="json")
    parser.add_argument("--engine", default="oxigraph")
    parser.add_argument("--as-of")
    parser.add_argument("--kb", action="append", type=Path)
    args = parser.parse_args(["--endpoint", store.query_url, "--graph", GRAPH_PREFIX + path.stem, "--update-endpoint", store.update_url, "--results-graph", "https://hospital.example/graph/cli"])
    assert run_remote(args) == 0
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert doc["recommendations"] == embedded[(path.stem, "oxigraph")].to_json()["recommendations"]
    assert "https://hospital.example/graph/cli" in err
    assert len(store.graph("https://hospital.example/graph/cli")) > 0

    args = parser.parse_args(["--endpoint", store.query_url, "--graph", GRAPH_PREFIX + "invalid"])
    assert run_remote(args) == 1
    capsys.readouterr()

    args = parser.parse_args(["--endpoint", store.query_url, "--graph", GRAPH_PREFIX + path.stem, "--update-endpoint", store.update_url, "--rules-in-store"])
    assert run_remote(args) == 0
    assert json.loads(capsys.readouterr().out)["recommendations"] == embedded[(path.stem, "oxigraph")].to_json()["recommendations"]


def test_glr_recommend_endpoint(store, embedded, capsys) -> None:
    from reasoner.cli import main

    path = EXAMPLES[0]
    code = main(["recommend", "--endpoint", store.query_url, "--graph", GRAPH_PREFIX + path.stem, "--format", "json", "--engine", "oxigraph"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert json.loads(out)["recommendations"] == embedded[(path.stem, "oxigraph")].to_json()["recommendations"]


# --------------------------------------------------------------------------- rules evaluated by the store


def _graph_names(store) -> set[str]:
    url = f"{store.query_url}?" + urllib.parse.urlencode({"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return {b["g"]["value"] for b in json.loads(response.read())["results"]["bindings"]}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_rules_in_store_identical_to_embedded_engines(store, embedded, kb, path) -> None:
    remote = recommend_remote(
        store.query_url, graph_iri=GRAPH_PREFIX + path.stem, kb=kb, update_endpoint=store.update_url, rules_in_store=True
    )
    assert remote.engine.startswith("store")
    for engine in ENGINES:
        local = embedded[(path.stem, engine)]
        assert _comparable(remote) == _comparable(local), f"rules in the store vs embedded {engine}"
        assert isomorphic(remote.derivation_graph, local.derivation_graph)
    # the scratch graphs (ontology, normalisation, stage results) are dropped again
    assert not {g for g in _graph_names(store) if g.startswith("urn:glr:scratch:")}
    assert isomorphic(store.graph(results_graph_for(remote.case)), remote.derivation_graph)


def test_rules_in_store_needs_update_endpoint_and_iris(store, kb) -> None:
    from rdflib import BNode

    from reasoner.errors import UsageError

    with pytest.raises(UsageError, match="update endpoint"):
        recommend_remote(store.query_url, graph_iri=GRAPH_PREFIX + EXAMPLES[0].stem, kb=kb, rules_in_store=True)
    # a case whose seroma is a blank node cannot be reasoned over across requests
    seed = Graph().parse(ROOT / "examples" / "seed-case.ttl", format="turtle")
    seroma = URIRef("https://w3id.org/glr/examples/seed-case/seroma")
    assert (seroma, None, None) in seed
    blank = BNode()
    with_blank = Graph()
    for s, p, o in seed:
        with_blank.add((blank if s == seroma else s, p, blank if o == seroma else o))
    store.put_graph(GRAPH_PREFIX + "blank-node", with_blank.serialize(format="turtle").encode())
    with pytest.raises(UsageError, match="blank nodes"):
        recommend_remote(store.query_url, graph_iri=GRAPH_PREFIX + "blank-node", kb=kb, update_endpoint=store.update_url, rules_in_store=True)


def test_rules_in_store_nonconforming_case_is_reported(store, kb) -> None:
    result = recommend_remote(store.query_url, graph_iri=GRAPH_PREFIX + "invalid", kb=kb, update_endpoint=store.update_url, rules_in_store=True)
    assert not result.validation.conforms and not result.recommendations
