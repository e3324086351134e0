"""Check that the knowledge base keeps its word: what its texts promise, its rules do.

Why: an information need says which results it "affects", a catalogue text
says "four months or more" - a clinician reads those words and trusts them.
When a rule changes and the words do not, the plan misleads quietly. Both
are computed here from the rule queries themselves and compared:

* :func:`affects_problems` - an information need's ``glr:affects`` must equal
  the results of the rules that read what it asks about (``glr:asksAbout``:
  a finding class, with its sub- and superclasses, or a case property),
  followed through the assessments those rules produce;
* :func:`threshold_problems` - every number a rule compares must appear in
  its ``glr:criterion``, and every single time threshold a catalogue text
  states ("4 months", "four weeks") must be one its rules compare.

Both take plain graphs and query texts, so ``glr check`` (and a test) can
run either alone.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from .problems import Problem
from ..vocab import GLR, OWL, RDF, RDFS

__all__ = ["RuleText", "affects_problems", "threshold_problems"]

AFFECTS_CHECK = "texts match the rules"
THRESHOLD_CHECK = "texts match the rules"


@dataclass(frozen=True)
class RuleText:
    """A rule as this check needs it: its IRI, what it produces, its kind of result and its query."""

    iri: URIRef
    rule_id: str
    produces: Node
    result_type: Node
    query: str


def _short(node: Node) -> str:
    text = str(node)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


@functools.lru_cache(maxsize=1024)
def _where(query: str) -> tuple[frozenset[URIRef], tuple[Literal, ...]]:
    """The IRIs and numeric literals a rule's query reads (outside its CONSTRUCT template).

    Remembered by query text: :func:`affects_problems` asks it for every rule,
    for every information need, until its closure settles (over a thousand
    walks of the same few dozen algebras, 1.3 s of ``glr check``).
    """
    from .cache import prepare_query
    from .mentions import iris_mentioned, numbers_mentioned

    prepared = prepare_query(query)
    return iris_mentioned(prepared), numbers_mentioned(prepared)


def _related_classes(term: URIRef, schema: Graph) -> set[Node]:
    """A class with its sub- and superclasses (grouping classes left out); a property as itself."""
    if (term, RDF.type, OWL.Class) not in schema:
        return {term}
    related = set(schema.transitive_subjects(RDFS.subClassOf, term)) | set(schema.transitive_objects(term, RDFS.subClassOf))
    return {c for c in related if schema.value(c, GLR.groupingClass) is None or c == term}


def affects_problems(knowledge: Graph, schema: Graph, rules: Iterable[RuleText]) -> list[Problem]:
    """One problem per information need whose glr:affects differs from what its rules show.

    ``schema`` holds the class hierarchy (the ontology, plus any module classes).
    """
    rules = list(rules)
    readers = [r for r in rules if r.result_type != GLR.InformationNeed]
    problems: list[Problem] = []
    for need in sorted(set(knowledge.subjects(RDF.type, GLR.InformationNeedKind)), key=str):
        cid = str(knowledge.value(need, GLR.catalogueId) or _short(need))
        asked = [t for t in knowledge.objects(need, GLR.asksAbout) if isinstance(t, URIRef)]
        if not asked:
            problems.append(Problem(AFFECTS_CHECK, f"information need '{cid}' does not say what it asks about (glr:asksAbout a finding class or case property), so its affects list cannot be checked.", subject=str(need)))
            continue
        watched: set[Node] = set()
        for term in asked:
            watched |= _related_classes(term, schema)
        affected: set[Node] = set()
        while True:  # follow assessments to the rules that read them
            before = len(affected)
            for rule in readers:
                if rule.produces in affected:
                    continue
                iris, _ = _where(rule.query)
                if iris & watched:
                    affected.add(rule.produces)
                    if rule.result_type == GLR.Assessment:
                        watched.add(rule.produces)
            if len(affected) == before:
                break
        declared = set(knowledge.objects(need, GLR.affects))
        for kind in sorted(affected - declared, key=str):
            problems.append(Problem(AFFECTS_CHECK, f"information need '{cid}' asks about {', '.join(_short(t) for t in asked)}, which a rule producing '{_catalogue_id(knowledge, kind)}' reads, but its glr:affects does not list it.", subject=str(need)))
        for kind in sorted(declared - affected, key=str):
            problems.append(Problem(AFFECTS_CHECK, f"information need '{cid}' lists '{_catalogue_id(knowledge, kind)}' in glr:affects, but no rule producing it reads {', '.join(_short(t) for t in asked)}.", subject=str(need)))
    return problems


def _catalogue_id(knowledge: Graph, kind: Node) -> str:
    return str(knowledge.value(kind, GLR.catalogueId) or _short(kind))


_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "twelve": 12}
#: a single time threshold in prose: "4 months", "four weeks", "28 days" - not a range such as
#: "2-4 months", nor an approximate source figure ("about four weeks")
_THRESHOLD = re.compile(r"(?<![\d\-–])(?<!about )(?<!around )\b(\d+|" + "|".join(_WORDS) + r")\s+(?:whole\s+)?(day|week|month)s?\b", re.I)


def _text_thresholds(text: str) -> list[tuple[int, str]]:
    found = []
    for number, unit in _THRESHOLD.findall(text):
        value = _WORDS.get(number.lower()) if not number.isdigit() else int(number)
        if value is not None:
            found.append((value, unit.lower()))
    return found


def _as_compared(value: int, unit: str) -> set[int]:
    """The integers a rule may compare for a threshold stated in prose."""
    if unit == "day":
        return {value}
    if unit == "week":
        return {value * 7}
    return {value, round(value * 30.5)}  # whole months, or the same span in days


def threshold_problems(knowledge: Graph, rules: Iterable[RuleText]) -> list[Problem]:
    """Numbers a rule compares that its criterion does not state, and catalogue thresholds no rule compares."""
    problems: list[Problem] = []
    compared_by_kind: dict[Node, set[int]] = {}
    for rule in rules:
        _, numbers = _where(rule.query)
        values = {int(n.toPython()) for n in numbers if float(n.toPython()).is_integer() and int(n.toPython()) > 0}
        compared_by_kind.setdefault(rule.produces, set()).update(values)
        criterion = str(knowledge.value(rule.iri, GLR.criterion) or "")
        if not criterion:
            problems.append(Problem(THRESHOLD_CHECK, f"rule '{rule.rule_id}' states no glr:criterion (its criterion in words, with its thresholds).", subject=rule.rule_id))
            continue
        stated = {int(d) for d in re.findall(r"\d+", criterion)} | {v for w, v in _WORDS.items() if re.search(rf"\b{w}\b", criterion, re.I)}
        for value in sorted(values - stated):
            problems.append(Problem(THRESHOLD_CHECK, f"rule '{rule.rule_id}' compares {value}, but its criterion does not state that threshold.", subject=rule.rule_id))
    for kind, compared in sorted(compared_by_kind.items(), key=lambda kv: str(kv[0])):
        text = str(knowledge.value(kind, GLR.text) or "")
        for value, unit in _text_thresholds(text):
            if not (_as_compared(value, unit) & compared):
                problems.append(Problem(THRESHOLD_CHECK, f"catalogue entry '{_catalogue_id(knowledge, kind)}' says {value} {unit}(s), but no rule producing it compares that threshold (it compares {sorted(compared) or 'none'}).", subject=str(kind)))
    return problems


def rule_texts(knowledge: Graph, queries: Mapping[URIRef, str]) -> list[RuleText]:
    """The rules of a knowledge graph, given each rule's query text by rule IRI."""
    out = []
    for iri in sorted(set(knowledge.subjects(RDF.type, GLR.Rule)), key=str):
        if iri not in queries:
            continue
        out.append(
            RuleText(
                iri=iri,
                rule_id=str(knowledge.value(iri, GLR.ruleId) or _short(iri)),
                produces=knowledge.value(iri, GLR.produces),
                result_type=knowledge.value(iri, GLR.resultType),
                query=queries[iri],
            )
        )
    return out
