"""The knowledge base keeps its word: affects lists and thresholds match the rules.

Each test plants one mismatch in a copy of the bundled knowledge graph and
checks that exactly that mismatch is named; the unmodified knowledge base
must pass. The checks run alone here (no ontology reasoner, no SHACL), as
``glr check`` runs them among its other checks.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, Namespace

from reasoner import default_knowledge_base
from reasoner.kb.promises import RuleText, affects_problems, rule_texts, threshold_problems
from reasoner.vocab import GLR

PF = Namespace("https://w3id.org/glr/kb/postfusion#")


@pytest.fixture(scope="module")
def bundled() -> tuple[Graph, Graph, list[RuleText]]:
    kb = default_knowledge_base()
    rules = rule_texts(kb.knowledge, {rule.iri: rule.query_text for rule in kb.rules})
    return kb.knowledge, kb.ontology, rules


def _copy(graph: Graph) -> Graph:
    out = Graph()
    out += graph
    return out


def test_the_bundled_knowledge_base_keeps_its_word(bundled: tuple[Graph, Graph, list[RuleText]]) -> None:
    knowledge, ontology, rules = bundled
    assert affects_problems(knowledge, ontology + knowledge, rules) == []
    assert threshold_problems(knowledge, rules) == []


def test_an_affects_entry_no_rule_backs_is_named(bundled: tuple[Graph, Graph, list[RuleText]]) -> None:
    """The issue's own example: gait disturbance does not change the urgent spine evaluation."""
    knowledge, ontology, rules = bundled
    planted = _copy(knowledge)
    planted.add((PF["gait-disturbance"], GLR.affects, PF["urgent-spine-evaluation"]))
    problems = affects_problems(planted, ontology + planted, rules)
    assert [p.subject for p in problems] == [str(PF["gait-disturbance"])]
    assert "'urgent-spine-evaluation'" in problems[0].message and "no rule producing it reads MyelopathicSign" in problems[0].message


def test_a_result_left_out_of_affects_is_named(bundled: tuple[Graph, Graph, list[RuleText]]) -> None:
    knowledge, ontology, rules = bundled
    planted = _copy(knowledge)
    planted.remove((PF["hardware-status"], GLR.affects, PF["surgical-review"]))
    problems = affects_problems(planted, ontology + planted, rules)
    assert len(problems) == 1
    assert "'hardware-status'" in problems[0].message and "'surgical-review' reads" in problems[0].message


def test_a_need_that_does_not_say_what_it_asks_is_named(bundled: tuple[Graph, Graph, list[RuleText]]) -> None:
    knowledge, ontology, rules = bundled
    planted = _copy(knowledge)
    planted.remove((PF["paraspinal-spasm"], GLR.asksAbout, None))
    problems = affects_problems(planted, ontology + planted, rules)
    assert len(problems) == 1 and "glr:asksAbout" in problems[0].message


def test_a_catalogue_threshold_no_rule_compares_is_named(bundled: tuple[Graph, Graph, list[RuleText]]) -> None:
    knowledge, _, rules = bundled
    planted = _copy(knowledge)
    text = str(planted.value(PF["caution-reassess"], GLR.text))
    assert "four months old" in text
    planted.set((PF["caution-reassess"], GLR.text, Literal(text.replace("four months old", "three months old"), lang="en")))
    problems = threshold_problems(planted, rules)
    assert len(problems) == 1
    assert "'caution-reassess' says 3 month(s)" in problems[0].message and "[4]" in problems[0].message


def test_a_criterion_missing_its_threshold_is_named(bundled: tuple[Graph, Graph, list[RuleText]]) -> None:
    knowledge, _, rules = bundled
    planted = _copy(knowledge)
    rule = PF["rule-opioid-reassessment"]
    planted.set((rule, GLR.criterion, Literal("Fires when a current opioid gives no meaningful relief.", lang="en")))
    problems = threshold_problems(planted, rules)
    assert [p.subject for p in problems] == ["opioid-reassessment"]
    assert "compares 28" in problems[0].message
