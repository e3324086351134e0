"""Every rule fixture in tests/rules/cases/<rule-id>/ runs on every engine.

A fixture is a valid case graph plus glrt:Expectation nodes stating what
the reasoner must (or must not) report and which premises and evidence
its explanation must name (see tests/rules/README.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace
from rdflib.term import Node

from reasoner import KnowledgeBase, RecommendationResult, default_knowledge_base, load_knowledge_base
from reasoner.pipeline.run import prepare_case, reason_prepared
from reasoner.kb.knowledge import discover_modules
from reasoner.pipeline.engines import ENGINES
from reasoner.vocab import RDF

GLRT = Namespace("https://w3id.org/glr/test#")
CASES = Path(__file__).parent / "cases"
LISTS = {
    "recommendation": "recommendations",
    "not-recommended": "not_recommended",
    "caution": "cautions",
    "information-need": "information_needs",
    "assessment": "assessments",
    "interaction": "interactions",
}
ROOT = Path(__file__).parents[2]


@dataclass(frozen=True)
class Expectation:
    result: str
    id: str
    present: bool
    priority: str | None
    premises: tuple[tuple[str, str], ...]
    evidence: tuple[str, ...]
    reasons: tuple[str, ...]
    affects: tuple[str, ...]
    conditional_on: tuple[str, ...] = ()
    case_facts: tuple[str, ...] = ()  # interaction: case nodes that must be case-fact sides (glrt:caseFact)
    conditional: bool | None = None  # interaction: its "conditional" flag (glrt:conditional)


def _closure(graph: Graph, node: Node, seen: set[Node]) -> None:
    if node in seen:
        return
    seen.add(node)
    for _, o in graph.predicate_objects(node):
        if isinstance(o, BNode):
            _closure(graph, o, seen)


def split_fixture(path: Path) -> tuple[Graph, list[Expectation], str | None]:
    """Separate the case graph from its expectations."""
    full = Graph().parse(path, format="turtle")
    test_nodes: set[Node] = set()
    directives = set(full.subjects(GLRT.runAsOf, None)) | set(full.subjects(GLRT.withModule, None))
    for node in set(full.subjects(RDF.type, GLRT.Expectation)) | directives:
        _closure(full, node, test_nodes)
    case = Graph()
    for t in full:
        if t[0] not in test_nodes:
            case.add(t)
    expectations = []
    for node in full.subjects(RDF.type, GLRT.Expectation):
        premises = []
        for p in full.objects(node, GLRT.premise):
            premises.append((str(full.value(p, GLRT.subject)), str(full.value(p, GLRT.property))))
        present = full.value(node, GLRT.present)
        priority = full.value(node, GLRT.priority)
        expectations.append(
            Expectation(
                result=str(full.value(node, GLRT.result)),
                id=str(full.value(node, GLRT.id)),
                present=bool(present.toPython()) if isinstance(present, Literal) else True,
                priority=str(priority) if priority is not None else None,
                premises=tuple(sorted(premises)),
                evidence=tuple(sorted(str(e) for e in full.objects(node, GLRT.evidence))),
                reasons=tuple(sorted(str(r) for r in full.objects(node, GLRT.reason))),
                affects=tuple(sorted(str(a) for a in full.objects(node, GLRT.affects))),
                conditional_on=tuple(sorted(str(c) for c in full.objects(node, GLRT.conditionalOn))),
                case_facts=tuple(sorted(str(c) for c in full.objects(node, GLRT.caseFact))),
                conditional=conditional.toPython() if isinstance(conditional := full.value(node, GLRT.conditional), Literal) else None,
            )
        )
    as_of = next((str(o) for o in full.objects(None, GLRT.runAsOf)), None)
    return case, expectations, as_of


FIXTURES = sorted(CASES.glob("*/*.ttl"))


def extra_modules(path: Path) -> tuple[str, ...]:
    """Test-only module directories (relative to the repository) a fixture runs with, beside the bundled ones."""
    full = Graph().parse(path, format="turtle")
    return tuple(sorted(str(o) for o in full.objects(None, GLRT.withModule)))


@lru_cache(maxsize=4)
def _kb_with(extra: tuple[str, ...]) -> KnowledgeBase:
    return load_knowledge_base(modules=[*discover_modules(), *(ROOT / d for d in extra)])


def _evidence_iri(item: dict) -> str:
    return item["id"]


def check(result: RecommendationResult, exp: Expectation, where: str) -> None:
    data = result.to_json()
    assert exp.result in LISTS, f"{where}: unknown glrt:result '{exp.result}'"
    items = [i for i in data[LISTS[exp.result]] if i["id"] == exp.id]
    if not exp.present:
        assert not items, f"{where}: '{exp.id}' must not be among {LISTS[exp.result]}, got {items}"
        return
    assert items, f"{where}: expected '{exp.id}' among {LISTS[exp.result]}; got {[i['id'] for i in data[LISTS[exp.result]]]}"
    item = items[0]
    if exp.priority:
        assert item.get("priority") == exp.priority, f"{where}: priority {item.get('priority')} != {exp.priority}"
    premises = {(p["subject"], p["property"]) for p in item.get("premises", [])}
    for premise in exp.premises:
        assert premise in premises, f"{where}: premise {premise} not among {sorted(premises)}"
    if exp.result in ("recommendation", "caution", "interaction"):
        assert item["premises"], f"{where}: premises must never be empty"
        assert item["evidence"], f"{where}: evidence must never be empty"
    evidence = {e["id"] for e in item.get("evidence", [])}
    for ev in exp.evidence:
        local = ev.rsplit("#", 1)[-1].removeprefix("ev-")
        assert local in evidence, f"{where}: evidence {local} not among {sorted(evidence)}"
    reasons = {r["condition"] for r in item.get("reasons", [])}
    for reason in exp.reasons:
        assert reason in reasons, f"{where}: reason {reason} not among {sorted(reasons)}"
    affects = set(item.get("affects", []))
    for a in exp.affects:
        assert a in affects, f"{where}: affects {a} not among {sorted(affects)}"
    conditional = set(item.get("conditional_on", []))
    for c in exp.conditional_on:
        assert c in conditional, f"{where}: conditional on {c} not among {sorted(conditional)}"
    facts = {s["case_fact"] for s in item.get("sides", []) if "case_fact" in s}
    for f in exp.case_facts:
        assert f in facts, f"{where}: case fact {f} not among the sides' {sorted(facts)}"
    if exp.conditional is not None:
        assert item["conditional"] is exp.conditional, f"{where}: conditional {item['conditional']} != {exp.conditional}"


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_rule_fixture(fixture: Path) -> None:
    """Each engine's result meets every expectation.

    The case is loaded, normalised and validated once (prepare_case does not
    depend on the engine); each engine then runs the rules and the result is
    explained (reason_prepared: what :func:`reasoner.recommend` does after
    preparing). tests/test_engines_agree.py runs recommend() whole on both.
    """
    case, expectations, as_of = split_fixture(fixture)
    assert expectations, f"{fixture}: a fixture must state at least one glrt:Expectation"
    extra = extra_modules(fixture)
    kb = _kb_with(extra) if extra else default_knowledge_base()
    prepared = prepare_case(case, kb=kb, as_of=as_of)
    assert prepared.report.conforms, f"{fixture} must be a valid case:\n{prepared.report.to_text()}"
    for engine in ENGINES:
        result = reason_prepared(prepared, kb=kb, engine=engine)
        assert result.engine == engine
        for exp in expectations:
            check(result, exp, f"{fixture.parent.name}/{fixture.name} [{engine}]")


def test_every_rule_has_fixtures_that_fire_and_that_do_not() -> None:
    """The catalogue is only trustworthy if each rule is shown both ways."""
    from reasoner import default_knowledge_base

    kb = default_knowledge_base()
    missing = []
    for rule in kb.rules:
        directory = CASES / rule.rule_id
        files = list(directory.glob("*.ttl"))
        fires = not_fires = False
        for f in files:
            _, exps, _ = split_fixture(f)
            fires |= any(e.present for e in exps)
            not_fires |= any(not e.present for e in exps)
        if not (fires and not_fires):
            missing.append(rule.rule_id)
    assert not missing, f"rules lacking a firing and a non-firing fixture: {missing}"


def test_every_rule_has_a_fixture_checking_its_explanation() -> None:
    """Firing is not enough: some fixture must check what the result says about why.

    Results with premises and evidence (recommendations, not-recommended,
    cautions, assessments) need a firing fixture that names an expected
    premise and an expected evidence statement; information needs one that
    names what they affect.
    """
    from reasoner import default_knowledge_base
    from reasoner.vocab import GLR

    kb = default_knowledge_base()
    missing = []
    for rule in kb.rules:
        exps = [e for f in (CASES / rule.rule_id).glob("*.ttl") for e in split_fixture(f)[1] if e.present]
        if rule.result_type == GLR.InformationNeed:
            ok = any(e.affects for e in exps)
        else:
            ok = any(e.premises for e in exps) and any(e.evidence for e in exps)
        if not ok:
            missing.append(rule.rule_id)
    assert not missing, f"rules with no fixture checking their explanation: {missing}"
