"""Issue 17: case graphs of the multi-case store leave out type declarations no rule can read.

The records of the whole path are compared with the per-case path by
tests/test_batch_multicase.py (every example, fixture and 210 synthetic
cases); these tests pin what is left out, what keeps the whole footprint,
and that a store whose case (or derived) triples name a left-out class
copies the whole footprint in and gives the same derivations.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import OWL, RDFS, URIRef

from _synthetic_helpers import prepared_cases  # noqa: E402
from reasoner.batch.multicase import MultiCaseRules
from reasoner.batch.slim import NODE, slim_copy, slim_footprint, zero_length_nodes
from reasoner.kb.cache import prepare_query
from reasoner.vocab import GLR, RDF

ROOT = Path(__file__).resolve().parent.parent
PROLOGUE = (
    "PREFIX glr: <https://w3id.org/glr/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "CONSTRUCT { ?x glr:seen glr:It } WHERE {\n"
)
N = ox.NamedNode
TYPE, SUB = N(str(RDF.type)), N(str(RDFS.subClassOf))
CLASS = N(str(OWL.Class))
FOOTPRINT = [
    (N(str(GLR.Symptom)), TYPE, CLASS),
    (N(str(GLR.NewMotorWeakness)), TYPE, CLASS),
    (N(str(GLR.NewMotorWeakness)), SUB, N(str(GLR.Symptom))),
    (N(str(GLR.Present)), TYPE, N(str(GLR.FindingStatus))),
]


def _slim(body: str):  # type: ignore[no-untyped-def]
    return slim_footprint(FOOTPRINT, [prepare_query(PROLOGUE + body + "\n}").algebra])


def test_declarations_no_rule_names_are_left_out_and_every_node_is_kept() -> None:
    slim = _slim("?x a ?t . ?t rdfs:subClassOf* glr:Symptom .")
    assert slim is not None
    status = N(str(GLR.FindingStatus))
    assert slim.classes == {CLASS, status}  # objects of type triples only, subjects of none, named by no rule
    assert set(slim.dropped) == {t for t in FOOTPRINT if t[2] in (CLASS, status)}
    kept = [t for t in slim.kept if t[1] != N(NODE)]
    assert set(kept) | set(slim.dropped) == set(FOOTPRINT)
    nodes = {n for s, _, o in FOOTPRINT for n in (s, o)}
    assert {n for s, _, o in slim.kept for n in (s, o)} == nodes  # owl:Class keeps a node triple
    # a class a rule names stays: glr:FindingStatus is named here
    named = _slim("?x a ?t . ?t rdfs:subClassOf* glr:Symptom . ?x glr:status glr:FindingStatus .")
    assert named is not None and named.classes == {CLASS}
    # glr:Symptom is a subject (of its declaration) and an object of rdfs:subClassOf: never a dropped class
    assert N(str(GLR.Symptom)) not in slim.classes


@pytest.mark.parametrize(
    "body",
    [
        "?x a ?t .",  # the class of anything: would see owl:Class
        "?x a ?t . OPTIONAL { ?t rdfs:subClassOf glr:Symptom }",  # an optional part guards nothing
        "{ ?x a ?t } UNION { ?t rdfs:subClassOf glr:Symptom }",  # nor does another branch
        "?x a ?t . ?t rdfs:subClassOf* ?u .",  # both ends free: ?u may be owl:Class itself
        "?x ?p ?t .",  # a variable predicate
        "?x a/rdfs:subClassOf* ?t .",  # a type path to anything
        "?t ^a ?x . ?t rdfs:subClassOf glr:Symptom .",  # rdf:type in an inverse path
        "?x (a|rdfs:subClassOf) glr:Symptom .",  # ... or in an alternative
        "?x a ?t . FILTER NOT EXISTS { ?y a ?u }",  # under NOT EXISTS too
        "GRAPH ?g { ?x a glr:Symptom }",  # names a graph
        "{ SELECT ?x WHERE { ?x a ?t } } ?t rdfs:subClassOf glr:Symptom .",  # a sub-select may hide ?t
    ],
)
def test_what_the_check_cannot_show_keeps_the_whole_footprint(body: str) -> None:
    assert _slim(body) is None, body


@pytest.mark.parametrize(
    "body",
    [
        "?x a ?t . ?t rdfs:subClassOf* glr:Symptom .",
        "?x a ?t ; glr:status glr:Present . glr:NewMotorWeakness rdfs:subClassOf* ?t .",
        "?x a ?t . ?t rdfs:subClassOf* ?u . VALUES ?u { glr:Symptom glr:NewMotorWeakness }",
        "?x a ?t . { glr:NewMotorWeakness rdfs:subClassOf* ?t . ?t rdfs:subClassOf* glr:Symptom }",
        "?x a/rdfs:subClassOf* glr:Symptom . FILTER NOT EXISTS { ?x a ?t . ?t glr:impliedStrength glr:Should }",
        "{ ?x a ?t . ?t glr:impliedStrength glr:Should } UNION { ?x glr:strength glr:Should }",
    ],
)
def test_guarded_type_patterns_allow_the_slim_copy(body: str) -> None:
    assert _slim(body) is not None, body


def test_the_bundled_rules_get_the_slim_copy(kb) -> None:
    rules = MultiCaseRules(kb)
    assert rules._slim is not None
    assert CLASS in rules._slim.classes and len(rules._slim.dropped) > 300
    # every IRI a path of length zero of theirs may need is a node of the copy, and no other node triple is made
    nodes = {n for s, _, o in rules._slim.kept for n in (s, o)}
    assert N(str(GLR.UpperExtremityRadicularSymptom)) in nodes and N(str(GLR.LumbarFusion)) in nodes
    assert all(N(str(GLR[c])) in nodes for c in ("NewNeurologicalSymptom", "CaudaEquinaSign", "NeckPainRadiatingToShoulders"))
    assert len([t for t in rules._slim.kept if t[1] == N(NODE)]) < 20


def _nodes(body: str) -> frozenset[str] | None:
    return zero_length_nodes([prepare_query(PROLOGUE + body + "\n}").algebra])


@pytest.mark.parametrize(
    ("body", "needed"),
    [
        ("?x a ?t . ?t rdfs:subClassOf* glr:Symptom .", {GLR.Symptom}),
        ("?x a/rdfs:subClassOf* glr:Symptom .", set()),  # a real type step: every node of a match is an end of a triple
        ("?x glr:status ?a . ?a rdfs:subClassOf* ?b .", set()),  # ?a is tied to the graph by a real pattern
        ("glr:Symptom rdfs:subClassOf* ?m . ?m rdfs:subClassOf? ?n .", {GLR.Symptom}),  # ?m: glr:Symptom or a real node
        ("?x a ?t . FILTER NOT EXISTS { glr:Seroma ^rdfs:subClassOf* ?t }", {GLR.Seroma}),
    ],
)
def test_the_nodes_a_path_of_length_zero_may_need(body: str, needed: set[URIRef]) -> None:
    assert _nodes(body) == {str(n) for n in needed}, body


@pytest.mark.parametrize(
    "body",
    [
        "?a rdfs:subClassOf* ?b .",  # both ends free: every node of the graph
        "?x a ?t . OPTIONAL { ?u rdfs:subClassOf* ?w }",  # tied in another pattern does not count
        "?x ?p ?y . ?y rdfs:subClassOf* glr:Symptom .",  # a variable predicate
        "?x !rdfs:label ?y .",  # a negated property set
        '?x rdfs:subClassOf* "1" .',  # a literal end
        "?x (rdfs:subClassOf*|!rdfs:label) glr:Symptom .",  # a negated set in any part
    ],
)
def test_what_the_node_check_cannot_show_keeps_every_node(body: str) -> None:
    assert _nodes(body) is None, body
    assert zero_length_nodes([None]) is None  # a query that does not parse


def test_a_node_a_path_of_length_zero_needs_keeps_its_node_triple_and_no_other_does() -> None:
    """Without its node triple the answer changes: pyoxigraph matches length zero only at a node."""
    lonely, symptom = N(str(GLR.Lonely)), N(str(GLR.Symptom))
    footprint = [*FOOTPRINT, (lonely, TYPE, CLASS)]
    body = "?x a ?t . ?t rdfs:subClassOf* glr:Symptom . FILTER NOT EXISTS { glr:Lonely rdfs:subClassOf* ?x }"
    nodes = _nodes(body)
    assert nodes == {str(GLR.Symptom), str(GLR.Lonely)}
    slim = slim_footprint(footprint, [prepare_query(PROLOGUE + body + "\n}").algebra], nodes)
    assert slim is not None and CLASS in slim.classes
    node = N(NODE)
    assert [t for t in slim.kept if t[1] == node] == [(lonely, node, lonely)]  # not owl:Class: no path may need it
    ask = f"ASK {{ <{lonely.value}> <{SUB.value}>* ?c }}"
    store = ox.Store()
    store.extend(ox.Quad(*t, ox.DefaultGraph()) for t in slim.kept)
    assert store.query(ask)
    store.remove(ox.Quad(lonely, node, lonely, ox.DefaultGraph()))
    assert not store.query(ask)
    assert symptom in {o for _, _, o in slim.kept}  # a real node anyway (an rdfs:subClassOf object)


def test_the_copies_built_per_graph_position_are_what_adding_the_copy_graph_gave(kb) -> None:  # type: ignore[no-untyped-def]
    rules = MultiCaseRules(kb)
    names = [rules._name(i) for i in range(3)]
    for slim in (True, False):
        if not slim:
            rules._slim = None
        added = ox.Store()
        added.extend(rules._kb_quads)
        added.extend(rules._slim_quads if slim else [])
        graph = rules._slim_graph if slim else rules._kb_graph
        added.update(" ;\n".join(f"ADD <{graph.value}> TO <{n.value}>" for n in names))
        if slim:
            added.remove_graph(rules._slim_graph)
        built = ox.Store()
        built.extend(rules._kb_quads)
        for i in range(3):
            built.extend(rules._copy_at(i, slim))
        assert set(built) == set(added) and len(set(added)) > 3 * 100
    rules._slim_quads.append(ox.Quad(CLASS, SUB, CLASS, rules._slim_graph))  # a changed copy is built again
    assert rules._copy_at(1, True)[-1] == ox.Quad(CLASS, SUB, CLASS, names[1])


class _Spy(MultiCaseRules):
    unslimmed: list[bool]

    def _unslim(self, store, state, *, membership):  # type: ignore[no-untyped-def]
        self.unslimmed.append(membership)
        super()._unslim(store, state, membership=membership)


def _cases(kb, extra: tuple | None) -> list:  # type: ignore[type-arg]
    prepared = prepared_cases(kb, 6, seed=11)
    for case in prepared if extra is not None else ():
        patient = case.graph.value(case.case_iri, GLR.aboutPatient)
        for triple in extra:  # type: ignore[union-attr]
            case.graph.add(tuple(patient if t == "PATIENT" else t for t in triple))  # type: ignore[arg-type]
    return [(case.case_iri, case.graph) for case in prepared]


#: Cases under which the left-out declarations matter: glr:Seroma (an owl:Class) becomes a
#: present upper-extremity symptom of the patient only through ``glr:Seroma a owl:Class``,
#: so upper-extremity-symptoms no longer asks for one.
SEROMA_AS_SYMPTOM = (
    (OWL.Class, RDFS.subClassOf, GLR.UpperExtremityRadicularSymptom),
    ("PATIENT", GLR.hasFinding, GLR.Seroma),
    (GLR.Seroma, GLR.status, GLR.Present),
)


@pytest.mark.parametrize(
    "extra",
    [
        None,
        # cases that name a left-out class
        ((OWL.Class, RDFS.subClassOf, GLR.NewNeurologicalSymptom),),
        ((URIRef("urn:x-test:finding"), RDF.type, OWL.Class),),
        SEROMA_AS_SYMPTOM,
    ],
)
def test_a_case_naming_a_left_out_class_gets_the_whole_footprint_and_the_same_answers(kb, extra) -> None:  # type: ignore[no-untyped-def]
    spy = _Spy(kb)
    spy.unslimmed = []
    whole = MultiCaseRules(kb)
    whole._slim = None
    cases = _cases(kb, extra)
    got = spy.run(cases)
    assert spy.unslimmed == ([] if extra is None else [False])
    assert [sorted(g) for g in got] == [sorted(g) for g in whole.run(cases)]  # type: ignore[arg-type]


def test_a_derived_triple_naming_a_left_out_class_copies_the_whole_footprint_before_the_next_stage(kb) -> None:  # type: ignore[no-untyped-def]
    injected = ox.Quad(CLASS, SUB, N(str(GLR.NewNeurologicalSymptom)), ox.NamedNode("urn:x-glr:batch:case-graph:1"))

    last_of_first_stage = kb.rules_in_stage(kb.stages()[0])[-1].rule_id

    class Injecting(_Spy):
        def _answer(self, store, rule, state, live, used):  # type: ignore[no-untyped-def]
            answers = super()._answer(store, rule, state, live, used)
            if rule.rule_id == last_of_first_stage:
                store.add(injected)  # as a derived triple of the first stage would be, before the next membership update
            return answers

    spy = Injecting(kb)
    spy.unslimmed = []
    whole = Injecting(kb)
    whole.unslimmed = []
    whole._slim = None
    cases = _cases(kb, None)
    got = spy.run(cases)
    assert spy.unslimmed == [True]
    assert [sorted(g) for g in got] == [sorted(g) for g in whole.run(cases)]  # type: ignore[arg-type]


def test_without_the_fallback_that_case_would_get_other_answers(kb) -> None:  # type: ignore[no-untyped-def]
    """The fallback is what keeps the answers: the slim copy alone answers differently."""

    class NoFallback(MultiCaseRules):
        def _unslim(self, store, state, *, membership):  # type: ignore[no-untyped-def]
            pass

    whole = MultiCaseRules(kb)
    whole._slim = None
    cases = _cases(kb, SEROMA_AS_SYMPTOM)
    assert [sorted(g) for g in NoFallback(kb).run(cases)] != [sorted(g) for g in whole.run(cases)]  # type: ignore[arg-type]


# -- the second pass: the case graphs' copy, against the forms the store asks ------------------

SELECT = (
    "PREFIX glr: <https://w3id.org/glr/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?g ?x ?c WHERE { GRAPH ?g {\n"
)
KB = "urn:x-glr:batch:knowledge-base-graph"
#: what the first pass and kbonly leave of a footprint: enumeration members' type triples
COPY = [
    (N(str(GLR.Present)), TYPE, N(str(GLR.FindingStatus))),
    (N(str(GLR.HardwareLoosening)), TYPE, N(str(GLR.HardwareComplication))),
]


def _copy(*bodies: str):  # type: ignore[no-untyped-def]
    return slim_copy(COPY, [prepare_query(SELECT + body + "\n} }").algebra for body in bodies])


def test_the_second_pass_leaves_out_what_no_asked_form_can_match() -> None:
    """surgical-review asks ``?hardware a glr:HardwareComplication``: that class stays; a class
    variable bound by a VALUES block (a knowledge-base block answered at load) is guarded."""
    deep = _copy("?x glr:hardwareStatus ?h . ?h a glr:HardwareComplication .", "?x a ?c . VALUES ?c { glr:Symptom glr:Sign }")
    assert deep is not None
    assert deep.classes == {N(str(GLR.FindingStatus))} and deep.dropped == (COPY[0],)
    assert COPY[1] in deep.kept
    # an empty VALUES block (rdflib: a list of rows) is read, not refused
    assert _copy("?x a ?c . VALUES ?c { glr:Symptom } OPTIONAL { VALUES (?c ?d) { } }") is not None


@pytest.mark.parametrize(
    "body",
    [
        "?x glr:status ?s . ?s a ?c .",  # the class of a status: would see glr:FindingStatus
        # a pattern of the shared graph guards nothing: there the class is described
        f"?x glr:status ?s . ?s a ?c . GRAPH <{KB}> {{ ?c rdfs:label ?l }}",
        "?x a ?c . GRAPH <urn:x-other> { ?c glr:label ?l }",  # a graph the check does not know
    ],
)
def test_what_the_second_pass_cannot_show_keeps_the_copy(body: str) -> None:
    assert _copy(body) is None, body


def test_a_shared_graph_pattern_is_no_guard_on_a_store() -> None:
    """Why a ``GRAPH <kb>`` pattern guards nothing: in the shared graph glr:FindingStatus is
    described, so leaving ``glr:Present a glr:FindingStatus`` out of the case graph loses an answer."""
    body = f"?x glr:status ?s . ?s a ?c . GRAPH <{KB}> {{ ?c rdfs:label ?l }}"
    query = SELECT + body + "\n} }"
    label = (N(str(GLR.FindingStatus)), N(str(RDFS.label)), ox.Literal("finding status"))
    case = (N("urn:x-case:f"), N(str(GLR.status)), N(str(GLR.Present)))
    answers = []
    for copy in (COPY, COPY[1:]):
        store = ox.Store()
        store.extend([ox.Quad(*t, N("urn:x-case:g")) for t in [*copy, case]] + [ox.Quad(*t, N(KB)) for t in [*COPY, label]])
        answers.append({str(s["c"]) for s in store.query(query, named_graphs=[N("urn:x-case:g"), N(KB)]) if s["g"] != N(KB)})
    assert answers == [{f"<{GLR.FindingStatus}>"}, set()]


def test_the_bundled_rules_get_the_second_pass(kb) -> None:  # type: ignore[no-untyped-def]
    rules = MultiCaseRules(kb)
    assert rules._deep is not None
    assert N(str(GLR.FindingStatus)) in rules._deep.classes and N(str(GLR.HardwareComplication)) not in rules._deep.classes
    copy = {(q.subject, q.predicate, q.object) for q in rules._slim_quads}
    assert not copy & set(rules._deep.dropped) and len(copy) < 40  # 721 footprint triples, ~20 copied per case


class _Restores(MultiCaseRules):
    restored: int

    def _restore_kb_only(self, store, state):  # type: ignore[no-untyped-def]
        self.restored += 1
        super()._restore_kb_only(store, state)


@pytest.mark.parametrize(
    "extra",
    [
        None,
        ((URIRef("urn:x-test:thing"), RDF.type, GLR.FindingStatus),),  # names a class the second pass left out
        ((GLR.Present, GLR.status, GLR.Present), ("PATIENT", GLR.hasFinding, GLR.Present)),  # an enumeration member as a finding
    ],
)
def test_a_case_naming_a_class_of_the_second_pass_gets_its_triples_back(kb, extra) -> None:  # type: ignore[no-untyped-def]
    spy = _Restores(kb)
    spy.restored = 0
    whole = MultiCaseRules(kb)
    whole._slim = None
    cases = _cases(kb, extra)
    got = spy.run(cases)
    names_class = extra is not None and extra[0][2] == GLR.FindingStatus
    assert (spy.restored > 0) is names_class  # otherwise the store runs on the second pass's copy throughout
    assert [sorted(g) for g in got] == [sorted(g) for g in whole.run(cases)]  # type: ignore[arg-type]
