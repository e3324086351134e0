"""Run the rules stage by stage and record how every result was derived.

Why stages: rules that read other rules' results (cautions reading
recommendations, priority raises, anything using an assessment) must see
them complete, and rules within one stage must not depend on each other,
so the outcome never depends on file order or engine.

What Python adds to each rule's output (the rules stay short):
* glr:priority from the rule's metadata, for every result it touched;
* a glr:RuleRun activity (PROV-O): prov:qualifiedAssociation/prov:hadPlan
  the rule, prov:used each premise subject; results prov:wasGeneratedBy it
  and prov:wasDerivedFrom the premise subjects;
* deterministic IRIs for the blank nodes of premises and reasons, so that
  every engine yields the same graph.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

from .derivation import canonical
from .engines import RuleEngine, Triple
from ..kb.knowledge import KnowledgeBase, Rule
from .._runtime.limits import query_time_limit, run_steps_with_time_limit
from ..vocab import GLR, PROV, RDF

__all__ = ["run_rules"]

# Namespace attribute look-ups cost a method call each; these run per result triple.
_OF_KIND = canonical(GLR.ofKind)
_PREMISE = canonical(GLR.premise)
_PREMISE_SUBJECT = canonical(GLR.premiseSubject)
_PRIORITY = canonical(GLR.priority)
_RECOMMENDATION = canonical(GLR.Recommendation)
_RULE_RUN = canonical(GLR.RuleRun)
_TYPE = canonical(RDF.type)
_ACTIVITY = canonical(PROV.Activity)
_ASSOCIATION = canonical(PROV.Association)
_QUALIFIED_ASSOCIATION = canonical(PROV.qualifiedAssociation)
_HAD_PLAN = canonical(PROV.hadPlan)
_GENERATED_BY = canonical(PROV.wasGeneratedBy)
_USED = canonical(PROV.used)
_DERIVED_FROM = canonical(PROV.wasDerivedFrom)


def _signature(node: BNode, by_subject: dict[Node, list[tuple[Node, Node]]], depth: int = 0) -> str:
    parts = []
    for p, o in by_subject.get(node, []):
        if isinstance(o, BNode) and depth < 8:
            o_sig = "[" + _signature(o, by_subject, depth + 1) + "]"
        else:
            o_sig = _n3(o)
        parts.append(_n3(p) + " " + o_sig)
    return ";".join(sorted(parts))


#: ``iri.n3()`` by IRI, shared by every call: the same predicates and case nodes are written for
#: every blank node of every case (forgotten all at once past 20,000 IRIs, so it stays small)
_IRI_N3: dict[Node, str] = {}


def _n3(term: Node) -> str:
    """``term.n3()``, remembered for IRIs (an IRI's form depends on its text alone; one that
    cannot be written raises, every time, as before). Other terms are written each time."""
    if type(term) is not URIRef:
        return term.n3()
    found = _IRI_N3.get(term)
    if found is None:
        if len(_IRI_N3) >= 20_000:
            _IRI_N3.clear()
        found = _IRI_N3[term] = term.n3()
    return found


def _skolemise(triples: list[Triple], case: URIRef) -> list[Triple]:
    """Name each template blank node by a hash of what it says."""
    by_subject: dict[Node, list[tuple[Node, Node]]] = defaultdict(list)
    for s, p, o in triples:
        if isinstance(s, BNode):  # only blank nodes' statements are read (_signature)
            by_subject[s].append((p, o))
    names: dict[BNode, URIRef] = {}

    def name(b: BNode) -> URIRef:
        found = names.get(b)
        if found is None:
            digest = hashlib.sha1(_signature(b, by_subject).encode("utf-8")).hexdigest()[:16]
            found = names[b] = URIRef(f"{case}/derivation/{digest}")
        return found

    if not by_subject and not any(isinstance(o, BNode) for _, _, o in triples):
        return list(triples)  # no blank node: nothing to name
    out: list[Triple] = []
    for s, p, o in triples:
        out.append((name(s) if isinstance(s, BNode) else s, p, name(o) if isinstance(o, BNode) else o))
    return out


#: the predicates _annotate reads, each to its role: one dictionary look-up per triple (an rdflib
#: IRI's ``==`` is a Python call; a look-up compares hashes first, then the text)
_READS = {_OF_KIND: 0, _PREMISE: 1, _PREMISE_SUBJECT: 2}


def _annotate(rule: Rule, triples: list[Triple], case: URIRef) -> list[Triple]:
    kinded: set[Node] = set()
    premise_nodes: dict[Node, list[Node]] = defaultdict(list)
    subjects_of: dict[Node, Node] = {}
    reads = _READS
    for s, p, o in triples:
        role = reads.get(p)
        if role is None:
            continue
        if role == 0:
            kinded.add(s)
        elif role == 1:
            premise_nodes[s].append(o)
        else:
            subjects_of[s] = o  # the last one, as a dict comprehension keeps
    results = sorted(kinded, key=str)
    if not results:
        return triples
    activity = URIRef(f"{case}/rule-run/{rule.rule_id}")
    association = URIRef(f"{case}/rule-run/{rule.rule_id}/association")
    out = list(triples)
    out += [
        (activity, _TYPE, _RULE_RUN),
        (activity, _TYPE, _ACTIVITY),
        (activity, _QUALIFIED_ASSOCIATION, association),
        (association, _TYPE, _ASSOCIATION),
        (association, _HAD_PLAN, rule.iri),
    ]
    for result in results:
        out.append((result, _GENERATED_BY, activity))
        if rule.priority is not None and rule.result_type == _RECOMMENDATION:
            out.append((result, _PRIORITY, rule.priority))
        for premise in premise_nodes.get(result, []):
            subject = subjects_of.get(premise)
            if isinstance(subject, URIRef | BNode):
                out.append((activity, _USED, subject))
                out.append((result, _DERIVED_FROM, subject))
    return out


def run_rules(kb: KnowledgeBase, engine: RuleEngine, case_graph: Graph, case: URIRef) -> Graph:
    """Evaluate every rule of the knowledge base on one normalised case.

    For a native engine (one that runs queries outside the interpreter), the
    whole case runs on the time-limit helper thread in one hand-off; every
    query still has its own wall-clock limit (reasoner/_runtime/limits.py).
    """
    if getattr(engine, "native", False) and query_time_limit() is not None:
        return run_steps_with_time_limit(lambda: _run_rules(kb, engine, case_graph, case))
    return _run_rules(kb, engine, case_graph, case)


def _run_rules(kb: KnowledgeBase, engine: RuleEngine, case_graph: Graph, case: URIRef) -> Graph:
    derived = Graph()
    derived.bind("glr", GLR)
    derived.bind("prov", PROV)
    session = engine.open(case_graph)
    try:
        for stage in kb.stages():
            stage_output: list[Triple] = []
            for rule in kb.rules_in_stage(stage):
                raw = session.construct(rule)
                if raw:
                    stage_output.extend(_annotate(rule, _skolemise(raw, case), case))
            if stage_output:
                session.add(stage_output)
                derived += stage_output  # Graph.__iadd__ → addN: one store call, same triples
    finally:
        session.close()
    return derived
