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

from .engines import RuleEngine, Triple
from .knowledge import KnowledgeBase, Rule
from .vocab import GLR, PROV, RDF

__all__ = ["run_rules"]


def _signature(node: BNode, by_subject: dict[Node, list[tuple[Node, Node]]], depth: int = 0) -> str:
    parts = []
    for p, o in by_subject.get(node, []):
        if isinstance(o, BNode) and depth < 8:
            o_sig = "[" + _signature(o, by_subject, depth + 1) + "]"
        else:
            o_sig = o.n3()
        parts.append(p.n3() + " " + o_sig)
    return ";".join(sorted(parts))


def _skolemise(triples: list[Triple], case: URIRef) -> list[Triple]:
    """Name each template blank node by a hash of what it says."""
    by_subject: dict[Node, list[tuple[Node, Node]]] = defaultdict(list)
    for s, p, o in triples:
        by_subject[s].append((p, o))
    names: dict[BNode, URIRef] = {}

    def name(b: BNode) -> URIRef:
        if b not in names:
            digest = hashlib.sha1(_signature(b, by_subject).encode("utf-8")).hexdigest()[:16]
            names[b] = URIRef(f"{case}/derivation/{digest}")
        return names[b]

    out: list[Triple] = []
    for s, p, o in triples:
        out.append((name(s) if isinstance(s, BNode) else s, p, name(o) if isinstance(o, BNode) else o))
    return out


def _annotate(rule: Rule, triples: list[Triple], case: URIRef) -> list[Triple]:
    results = sorted({s for s, p, _ in triples if p == GLR.ofKind}, key=str)
    if not results:
        return triples
    activity = URIRef(f"{case}/rule-run/{rule.rule_id}")
    association = URIRef(f"{case}/rule-run/{rule.rule_id}/association")
    out = list(triples)
    out += [
        (activity, RDF.type, GLR.RuleRun),
        (activity, RDF.type, PROV.Activity),
        (activity, PROV.qualifiedAssociation, association),
        (association, RDF.type, PROV.Association),
        (association, PROV.hadPlan, rule.iri),
    ]
    premise_nodes = defaultdict(list)
    for s, p, o in triples:
        if p == GLR.premise:
            premise_nodes[s].append(o)
    subjects_of = {s: o for s, p, o in triples if p == GLR.premiseSubject}
    for result in results:
        out.append((result, PROV.wasGeneratedBy, activity))
        if rule.priority is not None and rule.result_type == GLR.Recommendation:
            out.append((result, GLR.priority, rule.priority))
        for premise in premise_nodes.get(result, []):
            subject = subjects_of.get(premise)
            if isinstance(subject, URIRef | BNode):
                out.append((activity, PROV.used, subject))
                out.append((result, PROV.wasDerivedFrom, subject))
    return out


def run_rules(kb: KnowledgeBase, engine: RuleEngine, case_graph: Graph, case: URIRef) -> Graph:
    """Evaluate every rule of the knowledge base on one normalised case."""
    derived = Graph()
    derived.bind("glr", GLR)
    derived.bind("prov", PROV)
    session = engine.open(case_graph)
    for stage in kb.stages():
        stage_output: list[Triple] = []
        for rule in kb.rules_in_stage(stage):
            raw = session.construct(rule)
            if raw:
                stage_output.extend(_annotate(rule, _skolemise(raw, case), case))
        if stage_output:
            session.add(stage_output)
            for t in stage_output:
                derived.add(t)
    return derived
