"""Run the rules for many cases in one Oxigraph store: one named graph per case.

Why: over one case, planning the 34 rule queries costs pyoxigraph more than
answering them (docs/performance.md); asked once per batch of K cases the
planning is shared. The answers are the per-case path's, exactly:

* each case's named graph holds what the per-case store would hold — the
  rules' ontology footprint, the normalised case, and, stage by stage, that
  case's own derived triples;
* each rule runs in the form :mod:`reasoner.batch.rewrite` made of it
  (``GRAPH ?g`` around every group, membership pre-computed), with its
  knowledge-base patterns read from one shared graph where no case or
  derived triple of the store could match them (:mod:`reasoner.batch.kbgraph`), and its
  solutions are turned into triples and skolemised per case with the same
  code as the per-case path (reasoner/inference.py);
* a rule with no verified rewrite runs as written, once per case, with that
  case's graph as the default graph (``default_graph=``): the per-case
  query on the same data.

Time limit: every query keeps the per-query limit (reasoner/limits.py). A
batch query that hits it is asked again on each half of the batch
(``named_graphs=``), and so on down to one case, which is then asked its
rule as written; a case whose query still hits the limit gets the same
QueryTimeout the per-case path gives it, its graph leaves the store, and
every other case is answered.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.term import Node

from ..pipeline.derivation import Derivation
from ..pipeline.engines.oxigraph_engine import from_ox, to_ox
from ..errors import RuleExecutionError
from ..pipeline.inference import _annotate, _skolemise
from ..kb.knowledge import KnowledgeBase, Rule
from .._runtime.limits import QueryTimeout, query_time_limit, run_with_time_limit
from .anchors import Anchors
from .kbgraph import KB_GRAPH, KbGraphForm, kb_graph_form
from .kbonly import kb_only_predicates, leave_out
from .kbvalues import values_form
from .membership import SUBCLASS, TYPE, Membership
from .ntrows import case_triples
from .plannable import plannable_form
from .slim import SLIM_GRAPH, SlimFootprint, slim_copy, slim_footprint, zero_length_nodes
from .unread import ReadFilter
from .rewrite import Rewrite, membership_update, rewrite_rule

__all__ = ["MultiCaseRules"]

_LOG = logging.getLogger(__name__)
Triple = tuple[Node, Node, Node]
_RDF_TYPE = URIRef(TYPE.value)
_SUBCLASS_IRI = SUBCLASS.value
#: What MultiCaseRules._compile derives from the rule texts and the footprint alone (cached).
_COMPILED = ("_ontology", "rewrites", "member_classes", "_membership", "kb_forms", "_kb_graph", "_kb_quads", "_slim", "_slim_graph", "_kb_only", "_slim_quads", "_member", "_deep", "_read", "_anchors", "_asked")


@dataclass
class _Case:
    iri: URIRef
    graph_name: ox.NamedNode
    derived: list[Triple]  #: the case's derived triples, stage by stage (a stage's repeats dropped)
    error: BaseException | None = None


class MultiCaseRules:
    """The knowledge base's rules, rewritten once, run over batches of cases."""

    def __init__(self, kb: KnowledgeBase) -> None:
        """Rewrite and check every rule for ``kb``, or load that work from the cache.

        Why the cache: rewriting and checking the rules is a pure function of the rule texts
        and the footprint, and costs ~0.5 s of CPU in every batch worker and every ``glr serve``;
        loading it costs a few milliseconds (reasoner/kb/cache.py: keyed by the rule ids and
        texts, the footprint's triples, the versions and the package's source)."""
        from ..kb.cache import derived_key, load_derived, store_derived

        self.kb = kb
        # in one order whatever order the graph iterates in (it varies from process to process)
        lines = sorted((f"{s} {p} {o}", (s, p, o)) for s, p, o in ((to_ox(s), to_ox(p), to_ox(o)) for s, p, o in kb.rule_inputs()))
        ontology = [triple for _, triple in lines]
        key = derived_key("multicase", [*(f"{r.rule_id}\0{r.query_text}" for r in kb.rules), "\0footprint", *(line for line, _ in lines)])
        state = load_derived("mc", key)
        if state is None:
            self._compile(kb, ontology)
            state = {name: self.__dict__[name] for name in _COMPILED}
            store_derived("mc", key, state)
        else:
            self.__dict__.update(state)
        for rule_id, rw in self.rewrites.items():
            if rw.query is None:
                _LOG.warning("rule '%s' is answered case by case in batches (slower, same answers): %s", rule_id, rw.reason)
        self._kb_only_store: ox.Store | None = None  # the store whose case graphs lack the knowledge-base-only triples
        self._slim_store: ox.Store | None = None  # the store whose case graphs hold the slim copy
        self._member_store: ox.Store | None = None
        self._slim_stage: int | None = None  # the stage whose derived triples were checked
        self._copies: list[list[ox.Quad]] = []  # the footprint copy per case graph position (_copy_at)
        self._copy_source: list[ox.Quad] | None = None  # the quads they were built from, and how many
        self._copy_count = 0
        self._terms = _Terms()  # rdflib IRIs as Oxigraph terms, kept from store to store
        self._converted_store: ox.Store | None = None  # the store _converted_for's table belongs to
        self._converted: dict[Any, Node] = {}
        # Case graph names depend only on the position in a store.
        self._names = [ox.NamedNode(f"urn:x-glr:batch:case-graph:{index}") for index in range(1024)]

    def _compile(self, kb: KnowledgeBase, ontology: list[tuple[Any, Any, Any]]) -> None:
        """Set every attribute named in :data:`_COMPILED`: the rules' many-case forms and what
        the store copies, derived from the rule texts and the footprint alone."""
        from ..kb.cache import prepare_query
        from ..kb.footprint import rules_predicates

        self._ontology = ontology
        # Membership triples are safe only if no rule can read a triple of any predicate.
        queries = []
        for rule in kb.rules:
            try:
                queries.append(prepare_query(rule.query_text))
            except Exception:  # noqa: BLE001 - the per-case run reports it
                queries.append(None)
        read = rules_predicates(queries)
        membership = read is not None
        self.rewrites: dict[str, Rewrite] = {r.rule_id: rewrite_rule(r.query_text, membership=membership) for r in kb.rules}
        self.member_classes = frozenset().union(*(rw.member_classes for rw in self.rewrites.values()))
        self._membership = membership_update(self.member_classes) if self.member_classes else None
        # Knowledge-base patterns read from one shared graph where no case triple can match them
        # (reasoner/batch/kbgraph.py); the store checks the condition before every query.
        footprint = {URIRef(p.value) for _, p, _ in ontology}
        footprint_nodes = frozenset(n.value for t in self._ontology for n in (t[0], t[2]) if isinstance(n, ox.NamedNode))
        self.kb_forms: dict[str, KbGraphForm] = {}
        for rule_id, rw in self.rewrites.items():
            form = kb_graph_form(rw.query, footprint, footprint_nodes) if rw.query is not None else None
            if form is not None:
                self.kb_forms[rule_id] = form
        self._kb_graph = ox.NamedNode(KB_GRAPH)
        self._kb_quads = [ox.Quad(s, p, o, self._kb_graph) for s, p, o in self._ontology]
        # The footprint without the type declarations no rule can read (reasoner/batch/slim.py),
        # copied into case graphs while no case or derived triple names a dropped class.
        # Node triples only for the nodes a path of length zero may need, in any query a store asks
        # of a case graph: a rule as written, its many-case form, its knowledge-base form.
        as_written = [q.algebra if q is not None else None for q in queries]
        nodes = zero_length_nodes(
            [*as_written, *(_prepared(rw.query) for rw in self.rewrites.values() if rw.query is not None), *(_prepared(f.query) for f in self.kb_forms.values())]
        )
        self._slim = slim_footprint(self._ontology, as_written, nodes)
        # the case and derived triples a store must hold: those some rule may read (reasoner/batch/unread.py)
        self._read = ReadFilter.of(read | {URIRef(TYPE.value), URIRef(SUBCLASS.value)} if read is not None else None, nodes)
        self._slim_graph = ox.NamedNode(SLIM_GRAPH)
        # ... and without the triples whose predicate only the shared graph is asked for
        # (reasoner/batch/kbonly.py), copied back in before a query that would read them there.
        self._kb_only: tuple[tuple[Any, Any, Any], ...] = ()
        if self._slim is not None and membership:
            asked = [
                prepare_query(self.kb_forms[rid].query) if rid in self.kb_forms else prepare_query(rw.query) if rw.query is not None else None
                for rid, rw in self.rewrites.items()
            ]
            only = kb_only_predicates(footprint, asked)
            if only:
                kept, self._kb_only = leave_out(self._slim.kept, only, nodes)
                self._slim = replace(self._slim, kept=kept)
        self._slim_quads = [ox.Quad(s, p, o, self._slim_graph) for s, p, o in self._slim.kept] if self._slim else []
        self._member = self._python_membership()
        # Each knowledge-base block answered once, now, as a VALUES block (reasoner/batch/kbvalues.py):
        # after the shared graph's membership triples, so the answers are on the graph the store holds.
        shared = ox.Store()
        shared.extend(self._kb_quads)
        self.kb_forms = {rid: values_form(form, shared) for rid, form in self.kb_forms.items()}
        # ... and then, from that copy, the type triples of the classes it no longer describes,
        # checked against the forms the store asks of the case graphs (slim.py, slim_copy)
        self._deep = self._slim_copy(nodes)
        # what each query the store may ask needs to have an answer (reasoner/batch/anchors.py): read from
        # the many-case form (already parsed above); its knowledge-base form is asked only where it has
        # the same solutions, so it needs the same (parsing every form with rdflib cost seconds)
        queries_of = {rid: [rw.query, *([self.kb_forms[rid].query] if rid in self.kb_forms else [])] for rid, rw in self.rewrites.items() if rw.query is not None}
        self._anchors = Anchors({text: _prepared(self.rewrites[rid].query) for rid, texts in queries_of.items() for text in texts})
        asked = [text for texts in queries_of.values() for text in texts]
        # ... and the text the store is given: the same answers, in forms pyoxigraph 0.5 plans well
        # (reasoner/batch/plannable.py)
        self._asked = {text: fast for text in asked if (fast := plannable_form(text)) != text}

    def _slim_copy(self, nodes: frozenset[str] | None) -> SlimFootprint | None:
        """The second slim pass (reasoner/batch/slim.py, :func:`slim_copy`) over the case graphs'
        copy, membership triples included (they were computed with the left-out type triples, so
        copying those back adds none); None when it leaves nothing out or cannot tell."""
        if self._slim is None or not self._kb_only:
            return None  # its triples go back with the knowledge-base-only ones: none, no restore
        # a rule with no many-case form is asked as written, after a restore: not read here
        forms = (self.kb_forms[rid].query if rid in self.kb_forms else rw.query for rid, rw in self.rewrites.items())
        asked = [text for text in forms if text is not None]
        copy = [(q.subject, q.predicate, q.object) for q in self._slim_quads]
        deep = slim_copy(copy, [_prepared(text) for text in asked], nodes)  # type: ignore[arg-type]
        if deep is not None:
            self._slim_quads = [ox.Quad(s, p, o, self._slim_graph) for s, p, o in deep.kept]
        return deep

    def _python_membership(self) -> Membership | None:
        """The membership closure of the case graphs' footprint copy (reasoner/batch/membership.py),
        with the copy's and the shared graph's own membership triples added to them; None when the
        store keeps the SPARQL update (no member class, or a copied-back triple that could add some)."""
        if self._membership is None or any(p == TYPE for _, p, _ in self._kb_only):
            return None
        classes = [ox.NamedNode(str(c)) for c in self.member_classes]
        copy = self._slim.kept if self._slim is not None else self._ontology
        # the closure of the whole copy: subclass triples only the shared graph is asked for (kbonly.py) included
        member = Membership.of_closure([*copy, *self._kb_only], classes)
        # what the update inserts in the shared graph (the whole footprint) and in each case graph's copy
        shared = member if self._slim is None else Membership.of_closure(self._ontology, classes)
        self._kb_quads.extend(ox.Quad(s, p, o, self._kb_graph) for s, p, o in shared.of(self._ontology))
        if self._slim is not None:
            self._slim_quads.extend(ox.Quad(s, p, o, self._slim_graph) for s, p, o in member.of(copy))
        return member

    def fallbacks(self) -> dict[str, str]:
        """Rules answered case by case, and why."""
        return {rid: rw.reason or "" for rid, rw in self.rewrites.items() if rw.query is None}

    def run(self, cases: list[tuple[URIRef, Graph]]) -> list[Graph | BaseException]:
        """Every case's derivation graph (as ``run_rules`` gives it), or the error its rules raised.

        Each graph is a :class:`~reasoner.pipeline.derivation.Derivation`: it holds its triples
        until a graph method is used, and then is the graph this method used to build."""
        store = ox.Store()
        state: list[_Case] = []
        term = self._terms
        used: set[str] = set()  # predicates of the cases' and derived triples (reasoner/batch/kbgraph.py)
        # The footprint once in the shared graph, and each case graph's copy from quads built once
        # per graph position (_copy_at): what a SPARQL ADD of the copy's graph would insert, without
        # parsing the update or dropping that graph (worker.py freezes them out of the collector's view).
        store.extend(self._kb_quads)
        names = [self._name(index) for index in range(len(cases))]
        slim = self._slim is not None
        self._slim_store, self._slim_stage = (store if slim else None), None
        self._kb_only_store = store if slim and self._kb_only else None  # also restores self._deep
        member = self._member  # membership in Python while the closure is the footprint copy's
        read = self._read  # the case and derived triples no rule reads stay out of the store
        self._member_store = store if member is not None else None
        for index in range(len(cases)):
            store.extend(self._copy_at(index, slim))
        for index, (iri, graph) in enumerate(cases):
            name = names[index]
            triples = case_triples(graph)
            used.update(str(p) for _, p, _ in triples)
            if read is not None:
                triples = read.kept(triples)
            quads = [ox.Quad(term(s), term(p), term(o), name) for s, p, o in triples]  # type: ignore[arg-type]
            store.extend(quads)
            if member is not None:
                store.extend(member.quads(quads, name))
            state.append(_Case(iri, name, []))
        if slim and not self._slim.clean_in(store, KB_GRAPH):  # type: ignore[union-attr]
            self._unslim(store, state, membership=False)  # a case names a dropped class: the declarations back
        self._check_deep(store, state)
        stages = self.kb.stages()
        for stage in stages:
            if self._membership is not None and not self._membership_current(store, used):
                if self._kb_only_store is store:
                    self._restore_kb_only(store, state)  # the update reads rdfs:subClassOf in the case graphs
                store.update(self._membership)
            outputs: dict[int, list[Triple]] = defaultdict(list)
            for rule in self.kb.rules_in_stage(stage):
                live = [i for i, c in enumerate(state) if c.error is None]
                if not live:
                    break
                for index, raw in self._answer(store, rule, state, live, used).items():
                    if raw:
                        outputs[index].extend(_annotate(rule, _skolemise(raw, state[index].iri), state[index].iri))
            for index, triples in outputs.items():
                case = state[index]
                if case.error is None and triples:
                    # a fifth of a stage's triples repeat (types, shared premises): drop them here, in
                    # first-seen order, so the graph receives the same triples in the same order
                    unique = list(dict.fromkeys(triples))
                    case.derived.extend(unique)
                    if stage != stages[-1]:  # after the last stage no rule reads the store, which is dropped
                        used.update(str(p) for _, p, _ in unique)
                        stored = read.kept(unique) if read is not None else unique
                        store.extend([ox.Quad(term(s), term(p), term(o), case.graph_name) for s, p, o in stored])  # type: ignore[arg-type]
                        if member is not None and self._member_store is store:  # only new type triples add membership
                            types = [(term(s), TYPE, term(o)) for s, p, o in unique if p == _RDF_TYPE]
                            if types:
                                store.extend([ox.Quad(s, p, o, case.graph_name) for s, p, o in member.of(types)])  # type: ignore[arg-type]
        return [c.error if c.error is not None else Derivation(c.derived) for c in state]

    def _copy_at(self, index: int, slim: bool) -> list[ox.Quad]:
        """The footprint copy of the case graph at ``index``: the slim copy's triples (or, with no
        slim copy, the shared graph's) in that graph. Built on first use and kept; built again
        if the copy's quads are no longer the ones it was built from."""
        source = self._slim_quads if slim else self._kb_quads
        if self._copy_source is not source or self._copy_count != len(source):
            self._copy_source, self._copy_count, self._copies = source, len(source), []
        copies = self._copies
        while len(copies) <= index:
            name = self._name(len(copies))
            copies.append([ox.Quad(q.subject, q.predicate, q.object, name) for q in source])
        return copies[index]

    def _membership_current(self, store: ox.Store, used: set[str]) -> bool:
        """True when the Python membership triples of ``store`` are all the update would add: no case
        or derived rdfs:subClassOf triple, no declarations copied back. Once false, false for the store."""
        if self._member_store is store and _SUBCLASS_IRI not in used:
            return True
        self._member_store = None
        return False

    def _name(self, index: int) -> ox.NamedNode:
        """The name of the case graph at ``index`` in a store."""
        return self._names[index] if index < len(self._names) else ox.NamedNode(f"urn:x-glr:batch:case-graph:{index}")

    # -- one rule over some cases ---------------------------------------------------------

    def _answer(self, store: ox.Store, rule: Rule, state: list[_Case], live: list[int], used: set[str]) -> dict[int, list[Triple]]:
        """Raw CONSTRUCT triples per case index; cases whose query failed get their error set."""
        if self._slim_store is store and self._slim_stage != rule.stage:
            # derived triples arrive between stages: check once per stage
            self._slim_stage = rule.stage
            if not self._slim.clean_in(store, KB_GRAPH):  # type: ignore[union-attr]
                self._unslim(store, state, membership=True)
            self._check_deep(store, state)
        rewrite = self.rewrites[rule.rule_id]
        if rewrite.query is None:
            return {i: self._one_as_written(store, rule, state, i) for i in live}
        form = self.kb_forms.get(rule.rule_id)
        if form is not None and form.applies(used):
            query, shared = form.query, form.reads_shared
        else:
            if form is not None and self._kb_only_store is store:
                self._restore_kb_only(store, state)  # the many-case form reads them from the case graphs
            query, shared = rewrite.query, False
        if len(live) > 1 and self._anchors.unanswerable(query, store):
            return {}  # a pattern every answer needs matches nothing in the store: no case has one
        return self._bisect(store, rule, rewrite, query, state, live, shared=shared)

    def _restore_kb_only(self, store: ox.Store, state: list[_Case]) -> None:
        """Copy the triples only the shared graph was asked for back into every case graph
        (reasoner/batch/kbonly.py), with the type triples the second slim pass left out (its
        argument holds only while they are out): the next query reads them from the case graphs."""
        back = [*self._kb_only, *(self._deep.dropped if self._deep is not None else ())]
        store.extend([ox.Quad(s, p, o, c.graph_name) for c in state if c.error is None for s, p, o in back])
        self._kb_only_store = None

    def _check_deep(self, store: ox.Store, state: list[_Case]) -> None:
        """Copy the left-out triples back when a case or derived triple names a class the second
        slim pass left out (or the first pass's declarations came back: they describe such classes)."""
        if self._kb_only_store is store and self._deep is not None and not self._deep.clean_in(store, KB_GRAPH):
            self._restore_kb_only(store, state)

    def _unslim(self, store: ox.Store, state: list[_Case], *, membership: bool) -> None:
        """Give every case graph the class declarations the slim copy left out (reasoner/batch/slim.py),
        and the membership triples they imply: a case or derived triple names such a class. The
        knowledge-base-only triples are a separate argument with their own restore (_restore_kb_only)."""
        _LOG.info("a case or derived triple names a class left out of the case graphs: copying the declarations back")
        dropped = self._slim.dropped  # type: ignore[union-attr]
        store.extend([ox.Quad(s, p, o, c.graph_name) for c in state if c.error is None for s, p, o in dropped])
        if self._kb_only_store is store and (self._deep is not None or (membership and self._membership is not None)):
            # the declarations describe the classes the second pass left out; the update reads
            # rdfs:subClassOf in the case graphs
            self._restore_kb_only(store, state)
        if membership and self._membership is not None:
            store.update(self._membership)
        self._slim_store = None
        self._member_store = None  # the declarations' type triples: the update from now on

    def _bisect(self, store: ox.Store, rule: Rule, rewrite: Rewrite, query: str, state: list[_Case], live: list[int], *, shared: bool) -> dict[int, list[Triple]]:
        """``query`` over the case graphs of ``live`` (and the shared graph when ``shared``: the query
        has a ``GRAPH <kb>`` block), halved on a timeout down to one case, asked as written."""
        if len(live) == 1:
            return {live[0]: self._one_as_written(store, rule, state, live[0])}
        by_name = {state[i].graph_name.value: i for i in live}
        names = [state[i].graph_name for i in live]
        try:
            graphs = [*names, self._kb_graph] if shared else names
            # read inside: the solutions iterator must be created, consumed and dropped on one thread
            expected = (rewrite.graph_variable, *rewrite.variables)
            text = self._asked.get(query, query)
            rows = _limited(lambda: _answer_rows(store.query(text, named_graphs=graphs), expected), rule)  # type: ignore[arg-type]
            if shared:  # GRAPH ?g also ranges over the shared graph, which is no case: never an answer
                rows = [row for row in rows if row[0] is None or row[0] != self._kb_graph]
        except QueryTimeout:
            half = len(live) // 2
            return {
                **self._bisect(store, rule, rewrite, query, state, live[:half], shared=shared),
                **self._bisect(store, rule, rewrite, query, state, live[half:], shared=shared),
            }
        except (SyntaxError, OSError, ValueError) as exc:  # the rewrite does not run here: ask case by case
            _LOG.warning("rule '%s' is answered case by case: its batch form failed (%s)", rule.rule_id, exc)
            return {i: self._one_as_written(store, rule, state, i) for i in live}
        grouped: dict[int, list[dict[str, Node]]] = {i: [] for i in live}
        converted = self._converted_for(store)
        variables = rewrite.variables
        for row in rows:
            name = row[0]
            if name is None or name.value not in by_name:
                raise RuleExecutionError(f"rule '{rule.rule_id}': a batch answer named no case graph.", source=str(rule.query_path))
            values: dict[str, Node] = {}
            for v, t in zip(variables, row[1:]):
                if t is not None:
                    value = converted.get(t)
                    if value is None:
                        value = converted[t] = from_ox(t)
                    values[v] = value
            grouped[by_name[name.value]].append(values)
        return {i: rewrite.instantiate(rows_i) for i, rows_i in grouped.items()}

    def _converted_for(self, store: ox.Store) -> dict[Any, Node]:
        """Answer values already converted to rdflib terms (``from_ox``), one table per store.

        Why: answers repeat a case's IRIs across rows, rules and stages; converted once, each is
        one object, which the derived triples share (fewer objects for the garbage collector,
        equal keys found by identity). ``from_ox`` depends on the term alone; the table is only
        renewed with the store to keep it small."""
        if self._converted_store is not store:
            self._converted_store, self._converted = store, {}
        return self._converted

    def _one_as_written(self, store: ox.Store, rule: Rule, state: list[_Case], index: int) -> list[Triple]:
        """The rule as written over one case's graph: the per-case query, exactly."""
        case = state[index]
        if self._kb_only_store is store:
            self._restore_kb_only(store, state)  # the rule as written reads the case graph alone
        try:
            result = _limited(lambda: list(store.query(rule.query_text, default_graph=case.graph_name)), rule)  # type: ignore[arg-type]
            return [(from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)) for t in result]  # type: ignore[union-attr]
        except (SyntaxError, OSError, ValueError) as exc:
            case.error = RuleExecutionError(f"rule '{rule.rule_id}' failed on oxigraph: {exc}", source=str(rule.query_path))
        except RuleExecutionError as exc:  # the time limit
            case.error = exc
        store.remove_graph(case.graph_name)
        return []


def _prepared(text: str) -> Any | None:
    """rdflib's algebra of a rewritten query, or None when it does not parse (then nothing is shown)."""
    from ..kb.cache import prepare_query

    try:
        return prepare_query(text).algebra
    except Exception:  # noqa: BLE001 - a form that does not parse: every node keeps its triple
        return None


class _Terms:
    """:func:`to_ox` that converts each IRI once: a case names its predicates, classes and
    nodes many times, derived triples name them again, and every store names the vocabulary.
    Only IRIs are remembered (an rdflib IRI equals exactly the IRIs with the same text; the
    table is emptied past ``limit`` of them, so it stays small); other terms are converted
    every time, as before."""

    def __init__(self, limit: int = 20_000) -> None:
        self._iris: dict[URIRef, ox.NamedNode] = {}
        self._limit = limit

    def __call__(self, term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        if type(term) is URIRef:
            known = self._iris.get(term)
            if known is None:
                if len(self._iris) >= self._limit:
                    self._iris.clear()
                known = self._iris[term] = ox.NamedNode(str(term))
            return known
        return to_ox(term)


def _answer_rows(solutions: Any, expected: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """Each solution's values of the ``expected`` variables, in that order (None where unbound).

    A solution read whole (``tuple(s)``) gives its values in the order of ``solutions.variables``:
    when that is ``expected`` (the SELECT projects exactly these, as the rewrite writes it), the
    rows are read so, without a look-up by name per value (~10 µs a row); otherwise by name.
    The solutions iterator may only be dropped on the thread that made it (this one): it is read
    by C code alone (no Python frame of a traceback keeps it) and let go here, even on an error."""
    try:
        names = [v.value for v in solutions.variables]
        found = list(solutions)
    finally:
        del solutions
    if names == list(expected):
        return list(map(tuple, found))
    return [tuple(s[v] for v in expected) for s in found]


def _limited(fn: Callable[[], list], rule: Rule) -> list:  # type: ignore[type-arg]
    return run_with_time_limit(fn, query_time_limit(), what=f"rule '{rule.rule_id}'", native=True)
