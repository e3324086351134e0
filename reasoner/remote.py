"""Remote store mode: reason over a case held in an external SPARQL 1.1 store.

Why: hospitals keep clinical data in triple stores (GraphDB, Virtuoso,
Fuseki, Oxigraph). This module fetches one case's named graph with a
SPARQL CONSTRUCT (through SPARQLWrapper), runs exactly the pipeline of
``glr recommend`` on it (parse under the size cap, time normalisation,
SHACL validation, rules, explanation), and — when an update endpoint is
given — writes the derived results and their PROV-O derivation back into
a named graph with SPARQL 1.1 Update.

    >>> from reasoner.remote import recommend_remote             # doctest: +SKIP
    >>> result = recommend_remote("http://127.0.0.1:7878/query",  # doctest: +SKIP
    ...     graph_iri="https://hospital.example/graph/case-17",
    ...     update_endpoint="http://127.0.0.1:7878/update")

Graphs: the case is read from ``graph_iri`` (or from the one named graph
that types ``case_iri`` as a ``glr:Case``); results go to
``<case-iri>/graph/results`` unless ``results_graph`` says otherwise, the
same name `glr serve` uses. Writing replaces that graph (``DROP SILENT``
then ``INSERT DATA``), so running twice leaves one copy.

Rules in the store (``rules_in_store=True``, needs the update endpoint):
validation and time normalisation stay local (SHACL needs the whole graph),
but every rule's CONSTRUCT is evaluated *by the store*, over a dataset given
with the protocol's ``default-graph-uri``: the case's own graph, plus three
scratch graphs this run writes and drops again — the ontology, the time
normalisation triples, and the results of earlier stages. Python still adds
priorities, PROV-O and deterministic names (``reasoner.pipeline.inference.run_rules``
with a store-backed engine), so the results are the same as the embedded
engines'. Cases with blank nodes are refused in this mode: a blank node
cannot be named across requests.

Errors: :class:`RemoteStoreError` (an :class:`~reasoner.errors.InputError`,
exit code 2) when the store cannot be reached, refuses the query or the
update, or the case cannot be located.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

from .errors import InputError, UsageError
from ._runtime.safety import DEFAULT_MAX_BYTES

if TYPE_CHECKING:
    from rdflib import Graph

    from .kb.knowledge import KnowledgeBase
    from .pipeline.results import RecommendationResult

__all__ = [
    "RemoteStoreError",
    "fetch_case_graph",
    "locate_case_graph",
    "write_results",
    "recommend_remote",
    "results_graph_for",
    "StoreRuleEngine",
]

GLR_CASE = "https://w3id.org/glr/ontology#Case"
DEFAULT_TIMEOUT = 60


class RemoteStoreError(InputError):
    """The external SPARQL store could not give the case, or would not take the results."""


def results_graph_for(case_iri: str) -> str:
    """Where results are written by default: the graph `glr serve` uses too."""
    return f"{case_iri}/graph/results"


def _iri(value: str, what: str) -> str:
    """Refuse anything that cannot be written between < and > in SPARQL."""
    from rdflib import URIRef

    bad = set('<>"{}|^`\\ \n\t')
    if not value or any(c in bad for c in value) or ":" not in value:
        raise UsageError(f"the {what} '{value}' is not an absolute IRI.")
    return str(URIRef(value))


def _wrapper(endpoint: str, timeout: int) -> Any:
    from SPARQLWrapper import SPARQLWrapper

    wrapper = SPARQLWrapper(endpoint, agent="glr (knowledge-graph guideline reasoner)")
    wrapper.setTimeout(timeout)
    return wrapper


def _set_query(wrapper: Any, text: str, form: str) -> None:
    """setQuery, then state the query form: SPARQLWrapper guesses it with a regex that also reads
    comments, so a rule whose header says "add" was sent as an update (``update=``) and refused."""
    wrapper.setQuery(text)
    wrapper.queryType = form


def _fail(action: str, endpoint: str, exc: BaseException) -> RemoteStoreError:
    detail = " ".join(str(exc).split())
    if len(detail) > 400:
        detail = detail[:400] + "…"
    return RemoteStoreError(f"{action} failed: {type(exc).__name__}: {detail}", source=endpoint)


def locate_case_graph(endpoint: str, case_iri: str, *, timeout: int = DEFAULT_TIMEOUT) -> str:
    """The one named graph of the store that says ``<case_iri> a glr:Case``."""
    from SPARQLWrapper import JSON

    case = _iri(case_iri, "case IRI")
    wrapper = _wrapper(endpoint, timeout)
    _set_query(wrapper, f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{case}> a <{GLR_CASE}> }} }} LIMIT 2", "SELECT")
    wrapper.setReturnFormat(JSON)
    try:
        bindings = wrapper.query().convert()["results"]["bindings"]
    except Exception as exc:  # SPARQLWrapper raises urllib, socket and its own errors
        raise _fail("looking up the case's graph", endpoint, exc) from None
    graphs = [b["g"]["value"] for b in bindings if b.get("g", {}).get("type") == "uri"]
    if not graphs:
        raise RemoteStoreError(
            f"no named graph of the store types <{case}> as a glr:Case; load each case into a named graph "
            "of its own, or name the graph with --graph.",
            source=endpoint,
        )
    if len(graphs) > 1:
        raise RemoteStoreError(
            f"<{case}> is a glr:Case in several named graphs ({', '.join(graphs)}); name the one to use with --graph.",
            source=endpoint,
        )
    return graphs[0]


def fetch_case_graph(
    endpoint: str, graph_iri: str, *, timeout: int = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES
) -> "Graph":
    """CONSTRUCT every triple of one named graph; parsed as safely as a case file."""
    from SPARQLWrapper import TURTLE

    from .pipeline.loading import parse_case_bytes

    graph_iri = _iri(graph_iri, "graph IRI")
    wrapper = _wrapper(endpoint, timeout)
    _set_query(wrapper, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}", "CONSTRUCT")
    wrapper.setReturnFormat(TURTLE)
    try:
        response = wrapper.query().response
        data = response.read(max_bytes + 1)
    except Exception as exc:
        raise _fail("fetching the case graph", endpoint, exc) from None
    source = f"{endpoint} graph <{graph_iri}>"
    if len(data) > max_bytes:
        raise RemoteStoreError(f"the case graph is larger than the {max_bytes}-byte input limit.", source=source)
    if not data.strip():
        raise RemoteStoreError("the graph is empty or does not exist in the store.", source=source)
    return parse_case_bytes(data, source=source, rdf_format="turtle")


def _ntriples(graph: "Graph") -> str:
    return graph.serialize(format="nt", encoding="utf-8").decode("utf-8")


def write_results(update_endpoint: str, graph: "Graph", results_graph: str, *, timeout: int = DEFAULT_TIMEOUT) -> None:
    """Replace ``results_graph`` in the store with ``graph`` (one request: DROP SILENT; INSERT DATA)."""
    target = _iri(results_graph, "results graph IRI")
    update = f"DROP SILENT GRAPH <{target}> ;\nINSERT DATA {{ GRAPH <{target}> {{\n{_ntriples(graph)}}} }}"
    _update(update_endpoint, update, timeout, "writing the results")


def _update(update_endpoint: str, text: str, timeout: int, action: str) -> None:
    from SPARQLWrapper import POST

    wrapper = _wrapper(update_endpoint, timeout)
    wrapper.setMethod(POST)
    _set_query(wrapper, text, "INSERT")  # any update form: sent as `update=`
    try:
        wrapper.query().response.read()
    except Exception as exc:
        raise _fail(action, update_endpoint, exc) from None


class _StoreSession:
    """One case's rule run inside the store (the EngineSession interface of reasoner.pipeline.engines)."""

    def __init__(self, engine: "StoreRuleEngine", data: "Graph") -> None:
        import uuid

        self.engine = engine
        base = f"urn:glr:scratch:{uuid.uuid4()}"
        self.ontology_graph = f"{base}:ontology"
        self.normalised_graph = f"{base}:normalised"
        self.derived_graph = f"{base}:derived"
        self.scratch = (self.ontology_graph, self.normalised_graph, self.derived_graph)
        self.dataset = [self.ontology_graph, self.normalised_graph, self.derived_graph]
        added = data - engine.fetched
        if len(engine.fetched - data) == 0:
            # The store's copy of the case is part of the rules' dataset; only the additions are written.
            self.dataset.insert(0, engine.case_graph)
        else:
            added = data  # normalisation changed the case: the store sees the normalised copy alone
        self._insert(self.ontology_graph, engine.ontology, "loading the ontology into a scratch graph")
        self._insert(self.normalised_graph, added, "writing the time normalisation into a scratch graph")

    def _insert(self, graph_iri: str, triples: "Graph", action: str) -> None:
        if len(triples):
            _update(self.engine.update_endpoint, f"INSERT DATA {{ GRAPH <{graph_iri}> {{\n{_ntriples(triples)}}} }}", self.engine.timeout, action)

    def construct(self, rule: Any) -> list[Any]:
        from rdflib import Graph
        from SPARQLWrapper import POST, TURTLE

        from .errors import RuleExecutionError

        wrapper = _wrapper(self.engine.query_endpoint, self.engine.timeout)
        wrapper.setMethod(POST)
        for graph_iri in self.dataset:
            wrapper.addDefaultGraph(graph_iri)
        _set_query(wrapper, rule.query_text, "CONSTRUCT")
        wrapper.setReturnFormat(TURTLE)
        try:
            data = wrapper.query().response.read()
            return list(Graph().parse(data=data, format="turtle"))
        except Exception as exc:
            detail = " ".join(str(exc).split())[:400]
            raise RuleExecutionError(
                f"rule '{rule.rule_id}' failed in the store {self.engine.query_endpoint}: {type(exc).__name__}: {detail}",
                source=str(rule.query_path),
            ) from None

    def add(self, triples: Any) -> None:
        from rdflib import Graph

        graph = Graph()
        for triple in triples:
            graph.add(triple)
        self._insert(self.derived_graph, graph, "writing stage results into a scratch graph")

    def close(self) -> None:
        """Drop the scratch graphs (once: the rule run and the engine may both close a session)."""
        if getattr(self, "_closed", False):
            return
        self._closed = True
        drops = " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in self.scratch)
        _update(self.engine.update_endpoint, drops, self.engine.timeout, "dropping the scratch graphs")


class StoreRuleEngine:
    """A rule engine (reasoner.pipeline.engines.RuleEngine) whose CONSTRUCTs the SPARQL store evaluates."""

    name = "store"

    def __init__(
        self, query_endpoint: str, update_endpoint: str, *, ontology: "Graph", case_graph: str, fetched: "Graph", timeout: int = DEFAULT_TIMEOUT
    ) -> None:
        self.name = f"store ({query_endpoint})"
        self.query_endpoint = query_endpoint
        self.update_endpoint = update_endpoint
        self.ontology = ontology
        self.case_graph = case_graph
        self.fetched = fetched
        self.timeout = timeout
        self.sessions: list[_StoreSession] = []

    def open(self, data: "Graph") -> _StoreSession:
        session = _StoreSession(self, data)
        self.sessions.append(session)
        return session

    def close(self) -> None:
        while self.sessions:
            self.sessions.pop().close()


def _recommend_in_store(
    endpoint_url: str,
    update_endpoint: str,
    graph_name: str,
    fetched: "Graph",
    *,
    kb: "KnowledgeBase",
    as_of: dt.date | str | None,
    engine: str,
    source: str,
    timeout: int,
) -> "RecommendationResult":
    """recommend() with the rules evaluated by the store."""
    from rdflib import BNode

    from .pipeline.run import recommend

    if any(isinstance(term, BNode) for triple in fetched for term in triple):
        raise UsageError(
            f"the case graph <{graph_name}> has blank nodes; running the rules in the store needs an IRI for every "
            "node (a blank node cannot be named across requests). Give the nodes IRIs, or run the rules locally.",
        )
    store_engine = StoreRuleEngine(endpoint_url, update_endpoint, ontology=kb.ontology + kb.rule_readable_knowledge(), case_graph=graph_name, fetched=fetched, timeout=timeout)
    try:
        return recommend(fetched, kb=kb, as_of=as_of, engine=store_engine, source=source)
    finally:
        store_engine.close()


def recommend_remote(
    endpoint_url: str,
    *,
    case_iri: str | None = None,
    graph_iri: str | None = None,
    kb: "KnowledgeBase | None" = None,
    update_endpoint: str | None = None,
    results_graph: str | None = None,
    as_of: dt.date | str | None = None,
    engine: str = "rdflib",
    rules_in_store: bool = False,
    timeout: int = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> "RecommendationResult":
    """Fetch a case from a SPARQL store, derive its results as `glr recommend` does, optionally write them back.

    Give ``graph_iri`` (the named graph holding the case) or ``case_iri``
    (its glr:Case node; the graph is looked up). Results are written only
    when ``update_endpoint`` is given and the case conforms. With
    ``rules_in_store`` the store evaluates the rules (``engine`` is then
    used only for a case that does not conform).
    """
    from .pipeline.run import default_knowledge_base, recommend

    if not graph_iri and not case_iri:
        raise UsageError("give the case's named graph (graph_iri / --graph) or its case IRI (case_iri / --case-iri).")
    if rules_in_store and not update_endpoint:
        raise UsageError("running the rules in the store needs an update endpoint (for its scratch graphs).")
    kb = kb or default_knowledge_base()
    graph_name = graph_iri or locate_case_graph(endpoint_url, case_iri or "", timeout=timeout)
    graph = fetch_case_graph(endpoint_url, graph_name, timeout=timeout, max_bytes=max_bytes)
    source = f"{endpoint_url} graph <{graph_name}>"
    if rules_in_store:
        assert update_endpoint is not None
        result = _recommend_in_store(endpoint_url, update_endpoint, graph_name, graph, kb=kb, as_of=as_of, engine=engine, source=source, timeout=timeout)
    else:
        result = recommend(graph, kb=kb, as_of=as_of, engine=engine)
    if case_iri and result.case and result.case != case_iri:
        raise RemoteStoreError(f"the graph <{graph_name}> describes the case <{result.case}>, not <{case_iri}>.", source=endpoint_url)
    result = dataclasses.replace(result, source=source)
    if update_endpoint and result.validation.conforms:
        write_results(update_endpoint, result.derivation_graph, results_graph or results_graph_for(result.case), timeout=timeout)
    return result
