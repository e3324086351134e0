"""Issue 17: knowledge-base patterns of the multi-case rules read from one shared graph, only where exact.

The records of the whole path are compared with the per-case path by
tests/test_batch_multicase.py (every example, fixture and 210 synthetic
cases); these tests pin what moves, what never moves, and that a store
whose cases use a moved predicate asks the unmoved form.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Literal, URIRef

from _synthetic_helpers import prepared_cases  # noqa: E402
from reasoner.batch.kbgraph import KB_GRAPH, kb_graph_form
from reasoner.batch import multicase
from reasoner.batch.multicase import MultiCaseRules
from reasoner.vocab import GLR

ROOT = Path(__file__).resolve().parent.parent
PROLOGUE = "PREFIX glr: <https://w3id.org/glr/ontology#>\nSELECT ?g ?r WHERE { GRAPH ?g {\n"
FOOTPRINT = {GLR.catalogueId, GLR.subActionOf, GLR.causingAction}


def test_a_knowledge_base_pattern_moves_and_a_case_pattern_stays() -> None:
    form = kb_graph_form(PROLOGUE + "  ?r glr:forCase ?c ; glr:ofKind ?k .\n  ?k glr:catalogueId ?id ; glr:label ?l .\n} }", FOOTPRINT)
    assert form is not None
    assert f"GRAPH <{KB_GRAPH}> {{ ?k glr:catalogueId ?id }}" in form.query
    assert "?r glr:forCase ?c ; glr:ofKind ?k ." in form.query and "?k glr:label ?l ." in form.query
    assert form.predicates == {str(GLR.catalogueId)}
    assert form.applies({str(GLR.forCase)}) and not form.applies({str(GLR.catalogueId)})


def test_zero_length_paths_blank_nodes_and_variable_predicates_stay_in_the_case_graph() -> None:
    for body in (
        "?r glr:subActionOf* ?a .",  # length zero: would range over the shared graph's nodes
        "?r glr:causingAction [ glr:subActionOf ?a ] .",  # a blank node belongs to its block
        "?r ?p ?a . ?r glr:forCase ?c .",  # nothing of the footprint
    ):
        assert kb_graph_form(PROLOGUE + f"  {body}\n}} }}", FOOTPRINT) is None, body
    moved = kb_graph_form(PROLOGUE + "  ?b glr:causingAction/^glr:subActionOf* ?a .\n} }", FOOTPRINT)
    assert moved is not None and "GRAPH" in moved.query.split("GRAPH ?g", 1)[1]  # at least one edge: it moves


def test_a_statement_right_after_a_filter_or_bind_moves_but_not_after_a_path_group() -> None:
    """compounding-harm reads ``?b1 glr:causingAction/... ; ...`` right after a FILTER(...): it
    was read from every case graph's copy (~0.5 ms per case, issue 17)."""
    for before in ("FILTER(?r != ?a)", "FILTER(STR(?r) < STR(?a))", "BIND(STR(?r) AS ?s)"):
        form = kb_graph_form(PROLOGUE + f"  ?r glr:forCase ?c .\n  {before}\n  ?b glr:causingAction ?a ; glr:catalogueId ?id .\n}} }}", FOOTPRINT)
        assert form is not None, before
        assert f"GRAPH <{KB_GRAPH}> {{ ?b glr:causingAction ?a . ?b glr:catalogueId ?id }}" in form.query, before
    # the object after a path group's ")" is no statement's subject; a call that is not FILTER or BIND neither
    assert _closes_call_after("?r (glr:forCase|glr:ofKind) ?b glr:causingAction ?a .") is False
    assert _closes_call_after("?r glr:forCase ?c . FILTER regex(?c, \"x\") ?b glr:causingAction ?a .") is False


def _closes_call_after(body: str) -> bool:
    """Whether the ``)`` right before ``?b`` in ``body`` lets a statement start."""
    from reasoner.batch.kbgraph import _closes_call
    from reasoner.batch.rewrite import _tokens

    tokens = _tokens(body)
    sig = [i for i, t in enumerate(tokens) if t.kind not in ("ws", "comment")]
    n = next(n for n, i in enumerate(sig) if tokens[i].text == "?b")
    return _closes_call(tokens, sig, n - 1)


class _Spy(MultiCaseRules):
    asked: dict[str, str]

    def _bisect(self, store, rule, rewrite, query, state, live, *, shared):  # type: ignore[no-untyped-def]
        self.asked[rule.rule_id] = query
        return super()._bisect(store, rule, rewrite, query, state, live, shared=shared)


def _cases(kb, extra: bool) -> list:
    prepared = prepared_cases(kb, 4, seed=5)
    if extra:  # one case states a fact with a predicate the shared graph would answer for it
        prepared[1].graph.add((URIRef("urn:x-test:node"), GLR.catalogueId, Literal("x")))
    return [(case.case_iri, case.graph) for case in prepared]


def test_the_shared_graph_is_asked_only_when_no_case_uses_a_moved_predicate(kb, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    spy = _Spy(kb)
    assert {"compounding-harm", "alternative-actions"} <= set(spy.kb_forms)
    # the reference: compiled with no knowledge-base form, so the case graphs keep every triple
    # (leaving some out is only exact while the forms that read them elsewhere are asked)
    monkeypatch.setattr(multicase, "kb_graph_form", lambda *args: None)
    monkeypatch.setenv("GLR_NO_KB_CACHE", "1")
    unmoved = MultiCaseRules(kb)
    assert not unmoved.kb_forms and not unmoved._kb_only
    monkeypatch.undo()
    for extra in (False, True):
        spy.asked = {}
        cases = _cases(kb, extra)
        got = spy.run(cases)
        form, rewrite = spy.kb_forms["compounding-harm"], spy.rewrites["compounding-harm"]
        assert spy.asked["compounding-harm"] == (rewrite.query if extra else form.query)
        assert [sorted(g) for g in got] == [sorted(g) for g in unmoved.run(cases)]  # type: ignore[arg-type]


# -- a path between two variables, one bound by its group's VALUES block ----------------------

_X = "https://w3id.org/glr/ontology#"
_NODES = frozenset({f"{_X}Flag", f"{_X}SubFlag", f"{_X}Other"})
_PATH = "  ?f glr:kindOf ?c .\n  ?c glr:subActionOf* ?flag .\n"


def _moved(body: str) -> str | None:
    form = kb_graph_form(PROLOGUE + body + "} }", {GLR.subActionOf}, _NODES)
    return form.query if form is not None else None


def test_a_path_between_two_variables_moves_with_the_values_block_that_binds_one_end() -> None:
    """urgent-spine-evaluation's ``?flagClass rdfs:subClassOf* ?redFlag . VALUES ?redFlag { … }``:
    with the block copied into the shared graph's block, no case graph is asked rdfs:subClassOf
    (and the case graphs leave the 82 subclass triples out, reasoner/batch/kbonly.py)."""
    for values in ("VALUES ?flag { glr:Flag glr:Other }", "VALUES (?flag) { (glr:Flag) (glr:Other) }"):
        query = _moved(_PATH + f"  {values}\n")
        assert query is not None, values
        assert f"GRAPH <{KB_GRAPH}> {{ ?c glr:subActionOf* ?flag . {values} }}" in query
        assert query.count(values) == 2  # the group keeps its own block


def test_a_values_block_binds_a_path_end_only_when_it_is_certain() -> None:
    """A block elsewhere than directly in the path's group, naming a node that is not the
    footprint's, repeating a row, holding UNDEF or two variables: the path stays."""
    for values in (
        "OPTIONAL { VALUES ?flag { glr:Flag } }",  # not joined with the path
        "{ VALUES ?flag { glr:Flag } }",  # a nested group: read as not the path's
        "VALUES ?flag { glr:Flag <urn:x-case:finding> }",  # a case node: length zero differs
        "VALUES ?flag { glr:Flag glr:Flag }",  # a repeated row: the copy would double solutions
        "VALUES (?flag) { (glr:Flag) (UNDEF) }",
        "VALUES (?flag ?f) { (glr:Flag glr:Other) }",
        "VALUES ?other { glr:Flag }",  # binds neither end
    ):
        assert _moved(_PATH + f"  {values}\n") is None, values
    # a block in an enclosing group: the path's own group has none
    assert kb_graph_form(PROLOGUE + "  { ?f glr:kindOf ?c . ?c glr:subActionOf* ?flag . }\n  VALUES ?flag { glr:Flag }\n} }", {GLR.subActionOf}, _NODES) is None


def test_the_moved_path_has_the_per_case_answers_and_a_case_node_would_not() -> None:
    """On a store: the case graph holds the footprint (``SubFlag subActionOf Flag``) and the
    case; the shared graph the footprint alone. The moved form answers as the unmoved one,
    zero-length matches included; a block naming a case node (refused above) would not."""
    import pyoxigraph as ox

    def iri(local: str) -> ox.NamedNode:
        return ox.NamedNode(local if ":" in local else _X + local)

    footprint = [(iri("SubFlag"), iri("subActionOf"), iri("Flag")), (iri("Other"), iri("label"), ox.Literal("o"))]
    case = [
        (iri("urn:x-case:f1"), iri("kindOf"), iri("SubFlag")),
        (iri("urn:x-case:f2"), iri("kindOf"), iri("Other")),
        (iri("urn:x-case:f3"), iri("kindOf"), iri("urn:x-case:finding")),
    ]
    graph, kb_graph = ox.NamedNode("urn:x-case:graph"), ox.NamedNode(KB_GRAPH)
    store = ox.Store()
    store.extend([ox.Quad(*t, graph) for t in [*footprint, *case]] + [ox.Quad(*t, kb_graph) for t in footprint])
    query = PROLOGUE.replace("?g ?r", "?g ?f ?flag") + _PATH + "  VALUES ?flag { glr:Flag glr:Other }\n} }"
    moved = _moved(_PATH + "  VALUES ?flag { glr:Flag glr:Other }\n")
    assert moved is not None

    def answers(text: str, graphs: list[ox.NamedNode]) -> set[tuple[str, ...]]:
        return {tuple(str(s[v]) for v in ("f", "flag")) for s in store.query(text, named_graphs=graphs) if s["g"] == graph}

    moved = moved.replace("?g ?r", "?g ?f ?flag")
    expected = {("<urn:x-case:f1>", f"<{_X}Flag>"), ("<urn:x-case:f2>", f"<{_X}Other>")}
    assert answers(query, [graph]) == expected
    assert answers(moved, [graph, kb_graph]) == expected
    # the danger the footprint-node condition prevents: a case node matches itself (length zero)
    # in the case graph, and is no node of the shared graph
    with_case_node = query.replace("glr:Flag glr:Other", "glr:Flag <urn:x-case:finding>")
    by_hand = with_case_node.replace("?c glr:subActionOf* ?flag .", f"GRAPH <{KB_GRAPH}> {{ ?c glr:subActionOf* ?flag . VALUES ?flag {{ glr:Flag <urn:x-case:finding> }} }}")
    assert ("<urn:x-case:f3>", "<urn:x-case:finding>") in answers(with_case_node, [graph])
    assert ("<urn:x-case:f3>", "<urn:x-case:finding>") not in answers(by_hand, [graph, kb_graph])
