"""The pipeline every entry point shares: load → time → validate → rules → explain.

Why one place: the CLI, the Python API, batch and the server must give
the same answer for the same case, and an invalid case must never reach
the rules.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

from rdflib import Graph, URIRef

from .engines import RuleEngine, get_engine
from ..errors import InputError
from .inference import run_rules
from ..kb.knowledge import KnowledgeBase, load_knowledge_base
from .loading import check_case_content, load_case
from .pendingcase import PendingCaseGraph
from .results import RecommendationResult, explain
from .._runtime.safety import DEFAULT_MAX_BYTES
from .timeline import AsOf, normalise, parse_as_of_option, resolve_as_of
from .validation import ValidationReport, validate_graph
from ..vocab import GLR, RDF

__all__ = ["validate", "recommend", "prepare_case", "PreparedCase", "default_knowledge_base", "explain_prepared"]

_DEFAULT_KB: KnowledgeBase | None = None
#: engine name -> (the knowledge base it was built for, the engine); one per name, so a
#: process that switches knowledge bases keeps no stale engines (an id() key could be reused)
_ENGINES: dict[str, tuple[KnowledgeBase, RuleEngine]] = {}


def default_knowledge_base() -> KnowledgeBase:
    """The bundled knowledge base, loaded once per process."""
    global _DEFAULT_KB
    if _DEFAULT_KB is None:
        _DEFAULT_KB = load_knowledge_base()
    return _DEFAULT_KB


def _engine(kb: KnowledgeBase, name: str) -> RuleEngine:
    held = _ENGINES.get(name)
    if held is None or held[0] is not kb:
        # rdflib parses every rule anyway, so it can afford to work out the footprint;
        # Oxigraph uses it when it is already known (batch workers compute it up front).
        held = _ENGINES[name] = (kb, get_engine(name, ontology=kb.rule_inputs(compute=name == "rdflib")))
    return held[1]


class PreparedCase:
    """A case read, time-normalised and validated: what the rules may see."""

    def __init__(self, graph: Graph, source: str | None, as_of: AsOf, report: ValidationReport, timings: dict[str, float]) -> None:
        self.graph = graph
        self.source = source
        self.as_of = as_of
        self.report = report
        self.timings = timings

    @property
    def case_iri(self) -> URIRef | None:
        graph = self.graph
        # a case graph not built yet answers without being built (reasoner/pipeline/pendingcase.py)
        cases = graph.subjects_of(RDF.type, GLR.Case) if type(graph) is PendingCaseGraph else list(graph.subjects(RDF.type, GLR.Case))
        return cases[0] if len(cases) == 1 and isinstance(cases[0], URIRef) else None


def _as_date(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return parse_as_of_option(value)


def prepare_case(
    case: str | Path | Graph,
    *,
    kb: KnowledgeBase,
    as_of: dt.date | str | None = None,
    source: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    today: dt.date | None = None,
    validator: Callable[..., ValidationReport] | None = None,
) -> PreparedCase:
    """Load (if a path), resolve the as-of date, normalise time, validate.

    ``validator`` replaces :func:`reasoner.pipeline.validation.validate_graph` (same
    signature); batch uses it for the pyrudof first pass (reasoner/batch/rudof.py).
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if isinstance(case, Graph):
        graph = case
        check_case_content(graph, source=source or "the case graph given in memory")
    else:
        # a plain Turtle case may come back as a read-only view: normalise builds the only graph
        loaded = load_case(case, max_bytes=max_bytes, view_ok=True)
        graph, source = loaded.graph, loaded.source
    t1 = time.perf_counter()
    timings["parse"] = t1 - t0
    resolved = resolve_as_of(graph, override=_as_date(as_of), today=today)
    normalised = normalise(graph, resolved, kb.elapsed_properties())
    t2 = time.perf_counter()
    timings["normalise"] = t2 - t1
    report = (validator or validate_graph)(normalised, shapes=kb.shapes, ontology=kb.ontology, source=source)
    timings["validate"] = time.perf_counter() - t2
    return PreparedCase(normalised, source, resolved, report, timings)


def validate(
    case: str | Path | Graph,
    *,
    kb: KnowledgeBase | None = None,
    as_of: dt.date | str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ValidationReport:
    """Check a case graph against the case shapes (after time normalisation)."""
    kb = kb or default_knowledge_base()
    return prepare_case(case, kb=kb, as_of=as_of, max_bytes=max_bytes).report


def recommend(
    case: str | Path | Graph,
    *,
    kb: KnowledgeBase | None = None,
    as_of: dt.date | str | None = None,
    engine: str | RuleEngine = "rdflib",
    max_bytes: int = DEFAULT_MAX_BYTES,
    today: dt.date | None = None,
    source: str | None = None,
    validator: Callable[..., ValidationReport] | None = None,
) -> RecommendationResult:
    """Validate a case and, if it conforms, derive and explain what to do next.

    A non-conforming case returns a result whose validation says why and
    whose result lists are empty: the rules never see invalid input.
    ``engine`` is an engine name or any object with the RuleEngine
    interface (e.g. the remote-store engine); ``source`` names a graph
    given in memory; ``validator`` as in :func:`prepare_case`.
    """
    kb = kb or default_knowledge_base()
    rule_engine = _engine(kb, engine) if isinstance(engine, str) else engine
    prepared = prepare_case(
        case, kb=kb, as_of=as_of, max_bytes=max_bytes, today=today, source=source, validator=validator
    )
    return reason_prepared(prepared, kb=kb, engine=rule_engine)


def reason_prepared(
    prepared: PreparedCase, *, kb: KnowledgeBase, engine: str | RuleEngine = "rdflib"
) -> RecommendationResult:
    """What :func:`recommend` does once the case is prepared: rules (if it conforms), then explanation.

    Why separate: a prepared case does not depend on the engine, so a caller
    comparing engines (the rule-fixture tests) prepares once and reasons twice.
    """
    rule_engine = _engine(kb, engine) if isinstance(engine, str) else engine
    engine = rule_engine.name
    case_iri = prepared.case_iri
    if not prepared.report.conforms:
        return RecommendationResult(
            case=str(case_iri) if case_iri else "",
            source=prepared.source,
            as_of=prepared.as_of,
            knowledge_base_version=kb.version,
            engine=engine,
            validation=prepared.report,
            case_graph=prepared.graph,
            timings=prepared.timings,
        )
    if case_iri is None:
        raise InputError(
            "the glr:Case node is a blank node; give the case an IRI (in JSON-LD an \"@id\") so its results can be named.",
            source=prepared.source,
        )
    t0 = time.perf_counter()
    derived = run_rules(kb, rule_engine, prepared.graph, case_iri)
    return explain_prepared(prepared, kb=kb, engine=engine, derived=derived, rules_seconds=time.perf_counter() - t0)


def explain_prepared(
    prepared: PreparedCase, *, kb: KnowledgeBase, engine: str, derived: Graph, rules_seconds: float
) -> RecommendationResult:
    """The result for a conforming case whose rules have run (by :func:`recommend`, or many
    cases at once by reasoner/batch/multicase.py)."""
    t1 = time.perf_counter()
    result = explain(
        kb,
        case=str(prepared.case_iri),
        source=prepared.source,
        as_of=prepared.as_of,
        engine=engine,
        validation=prepared.report,
        case_graph=prepared.graph,
        derived=derived,
    )
    result.timings = {**prepared.timings, "rules": rules_seconds, "explain": time.perf_counter() - t1}
    return result
