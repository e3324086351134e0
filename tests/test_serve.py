"""`glr serve`: the SPARQL 1.1 Protocol, its safety limits, and clients no one here wrote.

One endpoint (two worker processes, a 1.5 s limit, a 500-result cap) is
started on 127.0.0.1 and a free port for the whole module; it is queried
with SPARQLWrapper, rdflib's SPARQLStore and plain urllib, which must all
get the same answers.
"""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

import starlette  # noqa: F401,E402  (a test dependency: fail loudly, never skip)
import uvicorn  # noqa: F401,E402  (a test dependency: fail loudly, never skip)

from reasoner.server import (  # noqa: E402
    KB_GRAPH,
    ONTOLOGY_GRAPH,
    EndpointThread,
    ServerSettings,
    build_dataset,
    case_data_graph,
    case_results_graph,
    create_app,
)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SEED_CASE = "https://w3id.org/glr/examples/seed-case/case"
GLR = "https://w3id.org/glr/ontology#"
TIMEOUT = 1.5
MAX_RESULTS = 500

# The seed case's results (other examples are served too).
RESULTS_QUERY = f"""
PREFIX glr: <{GLR}>
SELECT ?result ?kind WHERE {{ ?result glr:forCase <{SEED_CASE}> ; glr:ofKind ?kind . }}
"""
CONSTRUCT_QUERY = f"""
PREFIX glr: <{GLR}>
CONSTRUCT {{ ?result glr:ofKind ?kind ; glr:forCase <{SEED_CASE}> }} WHERE {{ ?result glr:forCase <{SEED_CASE}> ; glr:ofKind ?kind . }}
"""
# Three-way cross join over ~2000 triples: ~8e9 rows, far beyond the limit.
RUNAWAY_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def dataset(kb):
    # oxigraph derives the same results as rdflib (tests/test_engines_agree.py), ten times faster
    return build_dataset([EXAMPLES], kb=kb, engine="oxigraph")


@pytest.fixture(scope="module")
def seed(kb):
    from reasoner import recommend

    return recommend(EXAMPLES / "seed-case.ttl", kb=kb, engine="oxigraph")


@pytest.fixture(scope="module")
def expected(seed) -> set[tuple[str, str]]:
    """(result IRI, kind IRI) of the seed case, straight from the Python API."""
    g = seed.derivation_graph
    return {(str(s), str(o)) for s, o in g.subject_objects(URIRef(GLR + "ofKind"))}


@pytest.fixture(scope="module")
def endpoint(dataset):
    settings = ServerSettings(timeout=TIMEOUT, max_results=MAX_RESULTS, workers=2)
    with EndpointThread(dataset=dataset, settings=settings) as running:
        yield running


def http(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None, method: str | None = None):
    """(status, headers, body) — error statuses are returned, not raised."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.headers, err.read()


def get(endpoint, query: str, accept: str | None = None, **extra: list[str] | str):
    params: list[tuple[str, str]] = [("query", query)]
    for key, value in extra.items():
        for v in [value] if isinstance(value, str) else value:
            params.append((key.replace("_", "-"), v))
    headers = {"Accept": accept} if accept else {}
    return http(endpoint.sparql_url + "?" + urllib.parse.urlencode(params), headers=headers)


def post_form(endpoint, fields: dict[str, str], accept: str | None = None):
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if accept:
        headers["Accept"] = accept
    return http(endpoint.sparql_url, data=urllib.parse.urlencode(fields).encode(), headers=headers)


def post_query(endpoint, query: str, accept: str | None = None):
    headers = {"Content-Type": "application/sparql-query"}
    if accept:
        headers["Accept"] = accept
    return http(endpoint.sparql_url, data=query.encode(), headers=headers)


def rows_from_json(body: bytes) -> set[tuple[str, ...]]:
    doc = json.loads(body)
    names = doc["head"]["vars"]
    return {tuple(b[v]["value"] for v in names) for b in doc["results"]["bindings"]}


# --------------------------------------------------------------------------- what is served


def test_dataset_names_a_graph_per_part(dataset) -> None:
    assert ONTOLOGY_GRAPH in dataset.graph_sizes and KB_GRAPH in dataset.graph_sizes
    served = {c.case_iri for c in dataset.cases}
    assert SEED_CASE in served
    assert dataset.graph_sizes[case_data_graph(SEED_CASE)] > 0
    assert dataset.graph_sizes[case_results_graph(SEED_CASE)] > 0
    # seed-case.ttl and seed-case.jsonld are the same case: served once, the other listed as skipped
    assert len(dataset.cases) == len(served)


def test_results_graph_holds_what_recommend_derives(endpoint, expected) -> None:
    status, _, body = get(endpoint, RESULTS_QUERY, "application/sparql-results+json", named_graph_uri=[])
    assert status == 200
    assert rows_from_json(body) == expected
    assert expected, "the seed case derives results"


# --------------------------------------------------------------------------- three clients, one answer


def test_sparqlwrapper_rdflib_and_urllib_agree(endpoint, expected) -> None:
    from rdflib.plugins.stores.sparqlstore import SPARQLStore
    from SPARQLWrapper import JSON, POST, POSTDIRECTLY, SPARQLWrapper


    wrapper = SPARQLWrapper(endpoint.sparql_url)
    wrapper.setQuery(RESULTS_QUERY)
    wrapper.setReturnFormat(JSON)
    via_get = wrapper.query().convert()
    wrapper.setMethod(POST)  # form-encoded
    via_form = wrapper.query().convert()
    wrapper.setRequestMethod(POSTDIRECTLY)  # application/sparql-query
    via_direct = wrapper.query().convert()
    for doc in (via_get, via_form, via_direct):
        assert {(b["result"]["value"], b["kind"]["value"]) for b in doc["results"]["bindings"]} == expected

    store = SPARQLStore(endpoint.sparql_url, returnFormat="xml")
    rows = Graph(store=store).query(RESULTS_QUERY)
    assert {(str(r[0]), str(r[1])) for r in rows} == expected
    store.close()

    status, _, body = get(endpoint, RESULTS_QUERY, "text/csv")
    assert status == 200
    table = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert table[0] == ["result", "kind"]
    assert {tuple(r) for r in table[1:]} == expected


def test_construct_same_graph_from_every_client(endpoint, expected) -> None:
    from rdflib.plugins.stores.sparqlstore import SPARQLStore
    from SPARQLWrapper import TURTLE, SPARQLWrapper

    status, _, body = post_query(endpoint, CONSTRUCT_QUERY, "text/turtle")
    assert status == 200
    reference = Graph().parse(data=body, format="turtle")
    assert len(reference) == 2 * len(expected)

    wrapper = SPARQLWrapper(endpoint.sparql_url)
    wrapper.setQuery(CONSTRUCT_QUERY)
    wrapper.setReturnFormat(TURTLE)
    assert isomorphic(Graph().parse(data=wrapper.query().convert(), format="turtle"), reference)

    store = SPARQLStore(endpoint.sparql_url)
    via_rdflib = Graph()
    for triple in Graph(store=store).query(CONSTRUCT_QUERY):
        via_rdflib.add(triple)
    store.close()
    assert isomorphic(via_rdflib, reference)


# --------------------------------------------------------------------------- protocol


@pytest.mark.parametrize(
    "accept, media",
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "application/sparql-results+json"),
        (None, "application/sparql-results+json"),
    ],
)
def test_select_content_negotiation(endpoint, accept, media) -> None:
    status, headers, body = get(endpoint, RESULTS_QUERY, accept)
    assert status == 200
    assert headers["Content-Type"].split(";")[0] == media
    if media.endswith("json"):
        assert rows_from_json(body)
    elif media.endswith("xml"):
        root = ET.fromstring(body)
        assert root.tag == "{http://www.w3.org/2005/sparql-results#}sparql"
    elif media == "text/tab-separated-values":
        assert body.decode().splitlines()[0] == "?result\t?kind"
    else:
        assert body.decode().splitlines()[0] == "result,kind"


def test_ask_json_and_xml(endpoint) -> None:
    status, _, body = get(endpoint, f"ASK {{ <{SEED_CASE}> a <{GLR}Case> }}", "application/sparql-results+json")
    assert status == 200 and json.loads(body)["boolean"] is True
    status, _, body = get(endpoint, f"ASK {{ <{SEED_CASE}> a <{GLR}Patient> }}", "application/sparql-results+xml")
    assert status == 200 and b"false" in body


@pytest.mark.parametrize(
    "accept, rdflib_format",
    [("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")],
)
def test_construct_content_negotiation(endpoint, accept, rdflib_format) -> None:
    status, headers, body = post_form(endpoint, {"query": CONSTRUCT_QUERY}, accept)
    assert status == 200
    assert headers["Content-Type"].split(";")[0] == accept
    graph = Graph().parse(data=body, format=rdflib_format)
    assert (URIRef(SEED_CASE + "/recommendation/physical-therapy"), URIRef(GLR + "forCase"), URIRef(SEED_CASE)) in graph


def test_describe_returns_the_case_node(endpoint) -> None:
    status, _, body = get(endpoint, f"DESCRIBE <{SEED_CASE}>", "text/turtle")
    assert status == 200
    graph = Graph().parse(data=body, format="turtle")
    assert (URIRef(SEED_CASE), URIRef(GLR + "asOf"), None) in graph


def test_unacceptable_accept_is_406(endpoint) -> None:
    status, _, body = get(endpoint, RESULTS_QUERY, "image/png")
    assert status == 406 and b"sparql-results+json" in body


def test_default_and_named_graph_parameters(endpoint) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    # default graph = union of every graph
    _, _, union = get(endpoint, count, "application/sparql-results+json")
    # default-graph-uri narrows it to the ontology
    _, _, onto = get(endpoint, count, "application/sparql-results+json", default_graph_uri=ONTOLOGY_GRAPH)
    n_union = int(next(iter(rows_from_json(union)))[0])
    n_onto = int(next(iter(rows_from_json(onto)))[0])
    assert 0 < n_onto < n_union
    # named-graph-uri limits what GRAPH ?g can see
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    status, _, body = post_query(endpoint, graphs, "application/sparql-results+json")
    assert status == 200 and (KB_GRAPH,) in rows_from_json(body)
    status, _, body = get(endpoint, graphs, "application/sparql-results+json", named_graph_uri=KB_GRAPH)
    assert rows_from_json(body) == {(KB_GRAPH,)}
    # the protocol's graphs make the whole dataset: with named graphs only, the default graph is empty
    _, _, body = get(endpoint, count, "application/sparql-results+json", named_graph_uri=KB_GRAPH)
    assert int(next(iter(rows_from_json(body)))[0]) == 0
    # and they override the query's own FROM
    _, _, body = get(endpoint, f"SELECT (COUNT(*) AS ?n) FROM <{KB_GRAPH}> WHERE {{ ?s ?p ?o }}", "application/sparql-results+json", default_graph_uri=ONTOLOGY_GRAPH)
    assert int(next(iter(rows_from_json(body)))[0]) == n_onto
    # the same through a form
    status, _, body = post_form(endpoint, {"query": graphs, "named-graph-uri": ONTOLOGY_GRAPH}, "application/sparql-results+json")
    assert rows_from_json(body) == {(ONTOLOGY_GRAPH,)}


def test_service_description(endpoint, dataset) -> None:
    status, headers, body = http(endpoint.sparql_url)
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    g = Graph().parse(data=body, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert (None, URIRef(sd + "endpoint"), URIRef(endpoint.sparql_url)) in g
    assert (None, URIRef(sd + "feature"), URIRef(sd + "UnionDefaultGraph")) in g
    assert {str(o) for o in g.objects(None, URIRef(sd + "name"))} == set(dataset.graph_sizes)


def test_unsupported_post_content_type_is_415(endpoint) -> None:
    status, _, _ = http(endpoint.sparql_url, data=b"{}", headers={"Content-Type": "application/json"})
    assert status == 415


def test_oversized_body_is_413(endpoint) -> None:
    import http.client

    # Declared length over the 1 MB default: answered before the body is read.
    conn = http.client.HTTPConnection(endpoint.host, endpoint.port, timeout=10)
    conn.putrequest("POST", "/sparql")
    conn.putheader("Content-Type", "application/sparql-query")
    conn.putheader("Content-Length", str(2_000_000))
    conn.endheaders()
    response = conn.getresponse()
    assert response.status == 413
    conn.close()


# --------------------------------------------------------------------------- refusals


def test_malformed_query_is_400_with_the_parser_message(endpoint) -> None:
    status, _, body = get(endpoint, "SELECT * WHERE { ?s ?p }")
    assert status == 400
    assert body.startswith(b"malformed query:") and b"1:" in body  # line:column from the parser


@pytest.mark.parametrize(
    "text",
    [
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "LOAD <http://127.0.0.1:9/data.ttl>",
        "CLEAR ALL",
        "DROP GRAPH <https://w3id.org/glr/graph/kb>",
    ],
)
def test_updates_are_refused_however_sent(endpoint, text) -> None:
    for status, _, body in (
        get(endpoint, text),
        post_form(endpoint, {"query": text}),
        post_form(endpoint, {"update": text}),
        http(endpoint.sparql_url, data=text.encode(), headers={"Content-Type": "application/sparql-update"}),
    ):
        assert status == 403, body
        assert b"read-only" in body
    status, _, _ = http(endpoint.base_url + "/update", data=text.encode(), headers={"Content-Type": "application/sparql-update"})
    assert status == 404
    # nothing changed
    _, _, body = get(endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "application/sparql-results+json")
    assert int(next(iter(rows_from_json(body)))[0]) == sum(endpoint.dataset.graph_sizes.values())


@pytest.fixture
def listener():
    """A loopback socket that records whether anything connects to it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(5)
    sock.settimeout(0.3)
    yield sock
    sock.close()


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "select * where {{ ?x ?y ?z . service silent <{url}> {{ ?s ?p ?o }} }}",
        # rdflib's parser rejects this valid query; the lexical fallback still refuses it
        f"PREFIX glr: <{GLR}> SELECT * WHERE {{{{ ?s a glr:Case . OPTIONAL {{{{ SERVICE <{{url}}> {{{{ ?s ?p ?o }}}} }}}} }}}}",
    ],
)
def test_service_is_refused_and_never_contacted(endpoint, listener, template) -> None:
    host, port = listener.getsockname()
    query = template.format(url=f"http://{host}:{port}/sparql")
    status, _, body = post_query(endpoint, query)
    assert status == 403 and b"SERVICE" in body
    with pytest.raises(socket.timeout):
        listener.accept()


def test_from_selects_served_graphs_and_fetches_nothing(endpoint, listener) -> None:
    """FROM / FROM NAMED pick graphs of the served dataset; pyoxigraph never dereferences them."""
    host, port = listener.getsockname()
    remote = f"http://{host}:{port}/data.ttl"
    status, _, body = get(endpoint, f"SELECT * FROM <{remote}> FROM NAMED <{remote}> WHERE {{ {{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} }} }}")
    assert status == 200 and rows_from_json(body) == set()
    with pytest.raises(socket.timeout):
        listener.accept()
    count = f"SELECT (COUNT(*) AS ?n) FROM <{ONTOLOGY_GRAPH}> WHERE {{ ?s ?p ?o }}"
    _, _, body = get(endpoint, count, "application/sparql-results+json")
    assert int(next(iter(rows_from_json(body)))[0]) == endpoint.dataset.graph_sizes[ONTOLOGY_GRAPH]


def test_result_cap(endpoint) -> None:
    status, _, body = get(endpoint, "SELECT * WHERE { ?s ?p ?o }")
    assert status == 422 and str(MAX_RESULTS).encode() in body
    status, _, body = get(endpoint, "CONSTRUCT WHERE { ?s ?p ?o }", "text/turtle")
    assert status == 422
    status, headers, _ = get(endpoint, f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {MAX_RESULTS}")
    assert status == 200 and headers["X-GLR-Result-Count"] == str(MAX_RESULTS)


def _busy_workers(endpoint) -> int:
    return endpoint.app.state.pool.busy


def test_runaway_query_is_stopped_at_the_limit_and_others_still_served(endpoint) -> None:
    """Behaviour, not timing: while the runaway holds one worker the other answers; the runaway gets the 503."""
    outcome: dict[str, object] = {}

    def runaway() -> None:
        outcome["status"], _, outcome["body"] = get(endpoint, RUNAWAY_QUERY)

    killed_before = endpoint.app.state.pool.killed
    thread = threading.Thread(target=runaway)
    thread.start()
    # wait (polling a condition, not a fixed sleep) until the runaway holds a worker
    taken = threading.Event()
    while not taken.wait(0.01):
        if _busy_workers(endpoint) >= 1 or not thread.is_alive():
            taken.set()
    # while the runaway occupies one worker, the other answers
    status, _, _ = get(endpoint, RESULTS_QUERY)
    assert status == 200
    thread.join(timeout=60)
    assert outcome["status"] == 503, outcome
    assert b"time limit" in outcome["body"]  # type: ignore[operator]
    assert endpoint.app.state.pool.killed == killed_before + 1
    # and right after, normal queries still succeed (the killed worker is replaced in the background)
    for _ in range(3):
        status, _, body = get(endpoint, RESULTS_QUERY, "application/sparql-results+json")
        assert status == 200 and rows_from_json(body)


# --------------------------------------------------------------------------- page, CORS, status


def test_query_page_is_self_contained(endpoint) -> None:
    status, headers, html = http(endpoint.base_url + "/")
    assert status == 200 and b"<textarea" in html
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    for asset in ("/static/query.js", "/static/query.css"):
        status, _, body = http(endpoint.base_url + asset)
        assert status == 200 and body
    page_text = html.decode()
    for attribute in ("src=", "href="):
        for chunk in page_text.split(attribute)[1:]:
            target = chunk[1:].split(chunk[0], 1)[0]
            assert not target.startswith(("http:", "https:", "//")), target
    status, _, body = http(endpoint.base_url + "/queries")
    names = {q["name"] for q in json.loads(body)}
    assert {"recommendations-by-reference", "pending-mri-with-cervical-pattern"} <= names
    assert http(endpoint.base_url + "/static/../app.py")[0] == 404


def test_status_reports_cases_and_limits(endpoint) -> None:
    status, _, body = http(endpoint.base_url + "/status")
    doc = json.loads(body)
    assert status == 200 and doc["limits"]["timeout_seconds"] == TIMEOUT
    assert SEED_CASE in {c["case_iri"] for c in doc["cases"]}


def test_cors_off_by_default(endpoint) -> None:
    status, headers, _ = get(endpoint, "ASK {}")
    assert status == 200 and "Access-Control-Allow-Origin" not in headers
    status, headers, _ = http(
        endpoint.sparql_url,
        method="OPTIONS",
        headers={"Origin": "http://example.org", "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in headers


def test_cors_on_for_listed_origins(dataset) -> None:
    import asyncio

    import httpx

    app = create_app(dataset, ServerSettings(cors_origins=("http://notebook.local",)))

    async def preflight(origin: str) -> httpx.Response:
        # ASGITransport runs no lifespan: the preflight is answered by the CORS middleware alone
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            return await client.options("/sparql", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})

    allowed = asyncio.run(preflight("http://notebook.local"))
    assert allowed.headers["access-control-allow-origin"] == "http://notebook.local"
    other = asyncio.run(preflight("http://evil.example"))
    assert other.headers.get("access-control-allow-origin") != "http://evil.example"


def test_many_cases_start_up_serves_what_one_by_one_serves(kb, dataset, monkeypatch) -> None:
    """From ``MANY_CASES`` cases on, start-up reasons as ``glr batch`` does (issue 17): same dataset."""
    import pyoxigraph as ox
    from rdflib.compare import isomorphic

    from reasoner.server import dataset as served

    assert len(dataset.cases) + len(dataset.skipped) < served.MANY_CASES  # the fixture took the one-by-one path
    monkeypatch.setattr(served, "MANY_CASES", 2)
    many = build_dataset([EXAMPLES], kb=kb, engine="oxigraph")
    assert many.cases == dataset.cases and many.skipped == dataset.skipped
    assert many.graph_sizes == dataset.graph_sizes
    stores = []
    for nquads in (dataset.nquads, many.nquads):
        store = ox.Store()
        store.load(nquads, format=ox.RdfFormat.N_QUADS)
        stores.append(store)

    def graph(store: ox.Store, name: str) -> Graph:
        return Graph().parse(data=store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(name)), format="nt")

    for name in dataset.graph_sizes:  # blank nodes (premises) get new labels: compare up to them
        assert isomorphic(graph(stores[0], name), graph(stores[1], name)), name
