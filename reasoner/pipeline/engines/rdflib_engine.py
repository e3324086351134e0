"""The reference engine: rdflib's SPARQL 1.1 implementation."""

from __future__ import annotations

from typing import Iterable

from rdflib import Graph
from rdflib.plugins.sparql.sparql import Query

from ...errors import RuleExecutionError
from ...kb.cache import copy_prepared_query, prepare_query
from ..._runtime.limits import query_time_limit, run_with_time_limit
from ...kb.knowledge import Rule
from ..._runtime.graph_pool import GraphPool
from .base import Triple
from .rdflib_plan import values_first

__all__ = ["RdflibEngine", "RdflibSession"]


class RdflibSession:
    """One case on a graph borrowed from the engine's pool (the ontology already in it)."""

    def __init__(self, engine: "RdflibEngine", data: Graph) -> None:
        self._engine = engine
        self._graph = engine.pool.borrow()
        self._added: list[Triple] | None = engine.pool.add(self._graph, data)

    def construct(self, rule: Rule) -> list[Triple]:
        query = self._engine.prepared(rule)
        try:
            return run_with_time_limit(
                lambda: list(self._graph.query(query)), query_time_limit(), what=f"rule '{rule.rule_id}'"
            )
        except RuleExecutionError:  # the time limit (QueryTimeout): its thread may still be reading the graph
            self._added = None  # so the graph is not given back
            raise
        except Exception as exc:  # a failing rule must name itself, never crash the run
            raise RuleExecutionError(f"rule '{rule.rule_id}' failed on rdflib: {exc}", source=str(rule.query_path)) from None

    def add(self, triples: Iterable[Triple]) -> None:
        if self._added is None:
            self._graph.addN((s, p, o, self._graph) for s, p, o in triples)
        else:
            self._added += self._engine.pool.add(self._graph, triples)

    def close(self) -> None:
        """Give the graph back to the pool, emptied of this case (not if a query may still be reading it)."""
        if self._added is not None:
            self._engine.pool.give_back(self._graph, self._added)
            self._added = None


class RdflibEngine:
    name = "rdflib"

    def __init__(self, ontology: Graph) -> None:
        self.ontology = ontology
        self.pool = GraphPool(ontology)  # graphs already holding the ontology (graph_pool.py)
        self._planned: dict[str, Query] = {}  # rule text -> its prepared query with the VALUES-first plan

    def prepared(self, rule: Rule) -> Query:
        """The rule's prepared query. Preparing costs ~45 ms a rule; kbcache.prepare_query
        keeps each one in memory and on disk, keyed by the query text."""
        planned = self._planned.get(rule.query_text)
        if planned is None:
            try:
                shared = prepare_query(rule.query_text)
            except Exception as exc:
                raise RuleExecutionError(f"rule '{rule.rule_id}' does not parse: {exc}", source=str(rule.query_path)) from None
            planned = shared
            if "VALUES" in rule.query_text.upper():  # only a VALUES block makes a join to reorder (rdflib_plan.py)
                planned = copy_prepared_query(shared)  # the shared one stays as written (batch compares its algebra)
                values_first(planned.algebra)
            self._planned[rule.query_text] = planned
        return planned

    def open(self, data: Graph) -> RdflibSession:
        return RdflibSession(self, data)
