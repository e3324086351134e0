"""Issue 17: class membership triples of the multi-case store computed in Python (reasoner/batch/membership.py).

Each stage the Python path keeps, the SPARQL update it replaces is run right
after it and must add nothing: the store already holds exactly its triples.
A case or derived rdfs:subClassOf triple must take the update instead.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

from _synthetic_helpers import prepared_cases  # noqa: E402
from reasoner.batch.membership import MEMBER_NODE, SUBCLASS, TYPE, Membership
from reasoner.batch.multicase import MultiCaseRules
from reasoner.vocab import GLR, RDF, RDFS

ROOT = Path(__file__).resolve().parent.parent
N = ox.NamedNode


def _members(store: ox.Store) -> set[ox.Quad]:
    return set(store.quads_for_pattern(None, MEMBER_NODE, None))


class _Checking(MultiCaseRules):
    """Runs the SPARQL update after every stage start the Python path keeps, and records
    (python kept it, membership triples before, after)."""

    checks: list[tuple[bool, int, int]]

    def _membership_current(self, store, used):  # type: ignore[no-untyped-def]
        current = super()._membership_current(store, used)
        before = _members(store)
        if current:
            store.update(self._membership)  # type: ignore[arg-type]
        self.checks.append((current, len(before), len(_members(store))))
        return current


def _checking(kb) -> _Checking:  # type: ignore[no-untyped-def]
    rules = _Checking(kb)
    rules.checks = []
    return rules


def _sparql_only(kb) -> MultiCaseRules:  # type: ignore[no-untyped-def]
    rules = MultiCaseRules(kb)
    rules._member = None
    return rules


def _examples(kb) -> list[tuple[URIRef, object]]:  # type: ignore[no-untyped-def]
    from reasoner.batch.many import defer_validation
    from reasoner.pipeline.loading import parse_case_bytes
    from reasoner.pipeline.run import prepare_case

    cases = []
    for path in sorted((ROOT / "examples").glob("*.ttl")):
        graph = parse_case_bytes(path.read_bytes(), source=path.name, rdf_format="turtle")
        case = prepare_case(graph, kb=kb, validator=defer_validation, source=path.name)
        cases.append((case.case_iri, case.graph))
    return cases


def _synthetic(kb, extra=()) -> list[tuple[URIRef, object]]:  # type: ignore[no-untyped-def]
    prepared = prepared_cases(kb, 6, seed=5)
    for case in prepared:
        for triple in extra:
            case.graph.add(triple)
    return [(case.case_iri, case.graph) for case in prepared]


def test_the_python_membership_is_the_updates_on_the_examples_and_synthetic_cases(kb) -> None:  # type: ignore[no-untyped-def]
    rules = _checking(kb)
    assert rules._member is not None  # the bundled rules take the Python path
    cases = _examples(kb) + _synthetic(kb)
    got = rules.run(cases)
    stages = len(kb.stages())
    assert len(rules.checks) == stages and all(current for current, _, _ in rules.checks)
    assert all(before == after for _, before, after in rules.checks)  # the update added nothing
    assert [sorted(g) for g in got] == [sorted(g) for g in _sparql_only(kb).run(cases)]  # type: ignore[arg-type]


def test_the_check_sees_a_missing_triple(kb) -> None:  # type: ignore[no-untyped-def]
    rules = _checking(kb)
    rules._member = Membership({})  # a closure that knows no class: no Python triple at all
    rules.run(_synthetic(kb))
    assert rules.checks[0][0] and rules.checks[0][1] < rules.checks[0][2]


def test_a_derived_type_triple_gets_its_membership(kb) -> None:  # type: ignore[no-untyped-def]
    first = kb.rules_in_stage(kb.stages()[0])[-1].rule_id
    rules = _checking(kb)
    member_class = sorted(rules.member_classes)[0]
    sub = next(t for t, up in rules._member.up.items() if t.value != str(member_class) and N(str(member_class)) in up)  # type: ignore[union-attr]
    derived = [(URIRef("urn:x-test:derived"), RDF.type, URIRef(sub.value)), (BNode("derived"), RDF.type, member_class), (URIRef("urn:x-test:d"), RDF.type, Literal("x"))]

    class Deriving(_Checking):
        def _answer(self, store, rule, state, live, used):  # type: ignore[no-untyped-def]
            answers = super()._answer(store, rule, state, live, used)
            if rule.rule_id == first:  # as if the first stage derived these type triples for case 0
                answers.setdefault(0, []).extend(derived)
            return answers

    rules = Deriving(kb)
    rules.checks = []
    rules.run(_synthetic(kb))
    assert all(current and before == after for current, before, after in rules.checks)  # the update added nothing
    up = rules._member.up  # type: ignore[union-attr]
    assert rules.checks[1][1] == rules.checks[0][1] + len(up[sub]) + len(up[N(str(member_class))])  # the literal type: none


def test_footprint_type_triples_give_membership_in_every_graph_through_the_copy(kb) -> None:  # type: ignore[no-untyped-def]
    """The bundled footprint types nothing under a member class; one that does gets its triples
    into the shared graph and, through the copy, into every case graph."""
    from dataclasses import replace

    rules = _checking(kb)
    sub = next(t for t, up in rules._member.up.items() if len(up) > 1)  # type: ignore[union-attr]
    extra = (N("urn:x-test:individual"), TYPE, sub)
    rules._ontology.append(extra)
    rules._kb_quads.append(ox.Quad(*extra, rules._kb_graph))
    assert rules._slim is not None
    rules._slim = replace(rules._slim, kept=(*rules._slim.kept, extra))
    rules._slim_quads.append(ox.Quad(*extra, rules._slim_graph))
    rules._member = rules._python_membership()
    cases = _synthetic(kb)
    rules.run(cases)
    assert all(current and before == after for current, before, after in rules.checks)  # the update added nothing
    assert rules.checks[0][1] >= (len(cases) + 1) * len(rules._member.up[sub])  # type: ignore[union-attr]


def test_a_case_subclass_triple_takes_the_update(kb, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """(Input checks refuse such a case; a rule could derive one.) The update reads the footprint's
    subclass triples in the case graphs: when they were left out (kbonly.py: no case-graph query
    names rdfs:subClassOf) the store copies them back first, so the answers are those of a store
    that never left anything out."""
    from reasoner.batch import multicase

    extra = (
        (URIRef("urn:x-test:Odd"), RDFS.subClassOf, GLR.CaudaEquinaSign),
        (URIRef("urn:x-test:odd-finding"), RDF.type, URIRef("urn:x-test:Odd")),
        (URIRef("urn:x-test:odd-finding"), GLR.status, GLR.Present),
    )
    rules = _checking(kb)
    cases = _synthetic(kb, extra)
    for _, graph in cases:  # the odd finding is the patient's
        patient = next(graph.objects(None, GLR.aboutPatient))
        graph.add((patient, GLR.hasFinding, URIRef("urn:x-test:odd-finding")))
    got = rules.run(cases)
    assert rules.checks and not any(current for current, _, _ in rules.checks)
    assert [sorted(g) for g in got] == [sorted(g) for g in _sparql_only(kb).run(cases)]  # type: ignore[arg-type]
    monkeypatch.setattr(multicase, "kb_graph_form", lambda *args: None)
    monkeypatch.setenv("GLR_NO_KB_CACHE", "1")
    everything = MultiCaseRules(kb)  # no knowledge-base form: every footprint triple in every case graph
    assert not everything._kb_only
    assert [sorted(g) for g in got] == [sorted(g) for g in everything.run(cases)]  # type: ignore[arg-type]
    assert any("urn:x-test:odd-finding" in str(t) for g in got for t in g)  # a red flag through the chain


def test_a_derived_subclass_triple_takes_the_update_from_the_next_stage(kb) -> None:  # type: ignore[no-untyped-def]
    first = kb.rules_in_stage(kb.stages()[0])[-1].rule_id

    class Deriving(_Checking):
        def _answer(self, store, rule, state, live, used):  # type: ignore[no-untyped-def]
            answers = super()._answer(store, rule, state, live, used)
            if rule.rule_id == first:  # as a derived rdfs:subClassOf triple of the first stage is kept
                used.add(str(RDFS.subClassOf))
            return answers

    rules = Deriving(kb)
    rules.checks = []
    rules.run(_synthetic(kb))
    assert [current for current, _, _ in rules.checks] == [True] + [False] * (len(kb.stages()) - 1)


def test_the_closure_counts_zero_steps_survives_cycles_and_reads_only_iri_classes() -> None:
    a, b, c, d = (N(f"urn:x-test:{x}") for x in "abcd")
    blank, literal = ox.BlankNode("b1"), ox.Literal("a")
    member = Membership.of_closure([(a, SUBCLASS, b), (b, SUBCLASS, a), (b, SUBCLASS, c), (blank, SUBCLASS, c)], [a, c])
    assert member.up[a] == member.up[b] == (a, c) and member.up[c] == (c,) and member.up[blank] == (c,)
    x = N("urn:x-test:x")
    got = member.of([(x, TYPE, b), (blank, TYPE, c), (x, TYPE, literal), (x, TYPE, d), (x, SUBCLASS, a)])
    assert got == [(x, MEMBER_NODE, a), (x, MEMBER_NODE, c), (blank, MEMBER_NODE, c)]


def test_the_update_agrees_on_odd_terms() -> None:
    """Blank-node subjects and literal or blank-node types, against the SPARQL update itself."""
    from reasoner.batch.rewrite import membership_update

    a, c = N("urn:x-test:a"), N("urn:x-test:c")
    blank, node = ox.BlankNode("t1"), ox.BlankNode("s1")
    footprint = [(a, SUBCLASS, c), (blank, SUBCLASS, c)]
    case = [(node, TYPE, a), (N("urn:x-test:y"), TYPE, ox.Literal("urn:x-test:c")), (N("urn:x-test:z"), TYPE, blank), (node, TYPE, ox.BlankNode("t2"))]
    graph = N("urn:x-test:g")
    store = ox.Store()
    store.extend([ox.Quad(s, p, o, graph) for s, p, o in footprint + case])
    store.update(membership_update(frozenset({URIRef(c.value), URIRef(a.value)})))
    python = Membership.of_closure(footprint, [a, c]).of(footprint + case)
    assert {ox.Quad(s, p, o, graph) for s, p, o in python} == _members(store)
