"""Present findings no loaded rule considers, so the plan can say it did not weigh them.

Why: a plan that stays silent about a present finding (fever with wound
drainage, in a module that knows nothing of infection) reads as if the
finding had been weighed. A finding is *considered* when one of its classes,
or a superclass of one (rdfs:subClassOf* over the ontology, the knowledge
base and the case), is an IRI some rule's query mentions. Classes marked
``glr:groupingClass true`` (clinical finding, symptom, sign, ...) do not
count: a rule that names them only to reach a subclass reads no finding
in particular.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdflib import Graph, Literal
from rdflib.term import Node

from ..kb.knowledge import KnowledgeBase
from ..vocab import GLR, RDF, RDFS

__all__ = ["UnconsideredFinding", "unconsidered_findings"]


@dataclass(frozen=True)
class UnconsideredFinding:
    subject: str
    label: str

    def to_json(self) -> dict[str, Any]:
        return {"subject": self.subject, "label": self.label}


def _superclasses(cls: Node, graphs: tuple[Graph, ...]) -> set[Node]:
    """``cls`` and everything above it (rdfs:subClassOf*), across all ``graphs``."""
    seen: set[Node] = set()
    todo = [cls]
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for graph in graphs:
            todo.extend(graph.objects(node, RDFS.subClassOf))
    return seen


def _grouping(ontology: Graph) -> set[Node]:
    return {s for s, o in ontology.subject_objects(GLR.groupingClass) if isinstance(o, Literal) and o.toPython() is True}


def unconsidered_findings(kb: KnowledgeBase, case_graph: Graph) -> tuple[UnconsideredFinding, ...]:
    """Present findings of the case that no rule of ``kb`` reads, ordered by label then IRI."""
    from .results.kbfacts import kb_facts

    facts = kb_facts(kb)
    mentioned = facts.memo("unconsidered-mentioned", lambda: kb.iris_rules_mention() - _grouping(kb.ontology))
    graphs = (kb.ontology, kb.knowledge, case_graph)
    # a case stating no rdfs:subClassOf adds nothing to a walk up the classes: the walk over the
    # knowledge base alone is the same set, and is kept per knowledge base
    case_classes = (None, RDFS.subClassOf, None) in case_graph
    findings = {o for p in (GLR.hasFinding, GLR.hasImagingFinding) for o in case_graph.objects(None, p)}
    found = []
    for finding in findings:
        if (finding, GLR.status, GLR.Present) not in case_graph:
            continue
        classes = set().union(
            *(
                _superclasses(t, graphs) if case_classes else facts.superclasses(t, lambda t=t: frozenset(_superclasses(t, graphs[:2])))
                for t in case_graph.objects(finding, RDF.type)
            )
        )
        if classes & mentioned:
            continue
        label = case_graph.value(finding, RDFS.label)
        name = str(label) if label is not None else str(finding).rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        found.append(UnconsideredFinding(subject=str(finding), label=name))
    return tuple(sorted(found, key=lambda f: (f.label, f.subject)))
