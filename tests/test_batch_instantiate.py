"""Issue 17: a rule's template instantiated without a uuid4 per blank node gives CONSTRUCT's triples.

``Rewrite.instantiate`` (reasoner/batch/rewrite.py) is held here to the
straightforward form it replaced (``_construct`` below: ``BNode()`` per
template blank node per solution) on a hand-made template with the corner
cases: the same triples in the same order up to renaming the fresh blank
nodes. Every bundled rule's template is held to the per-case path's
CONSTRUCT, skolemised names included, by tests/test_batch_multicase.py
(byte-equal records and derivations); parsing every rule with rdflib here
would cost seconds.
"""

from __future__ import annotations

import itertools

from rdflib import BNode, Literal, URIRef, Variable
from rdflib.term import Node

from reasoner.batch.rewrite import Rewrite, _fresh_ids
from reasoner.pipeline.inference import _skolemise

EX = "https://example.org/"
CASE = URIRef(EX + "case")


def _construct(template: tuple, rows: list[dict[str, Node]]) -> list[tuple[Node, Node, Node]]:
    """CONSTRUCT's template, as instantiate was first written."""
    out: dict = {}
    for row in rows:
        fresh: dict = {}
        for triple in template:
            terms = []
            for term in triple:
                if isinstance(term, Variable):
                    value = row.get(str(term))
                    if value is None:
                        break
                    terms.append(value)
                elif isinstance(term, BNode):
                    terms.append(fresh.setdefault(term, BNode()))
                else:
                    terms.append(term)
            else:
                s, p, o = terms
                if isinstance(s, Literal) or not isinstance(p, URIRef):
                    continue
                out[(s, p, o)] = None
    return list(out)


def _canonical(triples: list, data: set) -> list:
    """Fresh blank nodes (any not given in the rows) numbered in order of first appearance."""
    names: dict = {}

    def name(t: Node) -> Node:
        if isinstance(t, BNode) and t not in data:
            return names.setdefault(t, ("fresh", len(names)))  # type: ignore[return-value]
        return t

    return [tuple(name(t) for t in triple) for triple in triples]


def _check(rewrite: Rewrite, rows: list[dict[str, Node]], data: set, *, skolemise: bool = True) -> None:
    got = rewrite.instantiate(rows)
    want = _construct(rewrite.template, rows)
    assert _canonical(got, data) == _canonical(want, data)
    if skolemise:  # the names that reach the output
        assert _skolemise(got, CASE) == _skolemise(want, CASE)
    fresh = {t for triple in got for t in triple if isinstance(t, BNode) and t not in data}
    assert not fresh & data


def test_corner_cases_of_a_template() -> None:
    s, p, o, v = Variable("s"), Variable("p"), Variable("o"), Variable("v")
    b1, b2 = BNode("t1"), BNode("t2")
    knows = URIRef(EX + "knows")
    template = (
        (s, knows, b1),
        (b1, p, o),  # a variable predicate: a literal or blank node there drops the triple
        (b1, knows, b2),
        (b2, URIRef(EX + "value"), v),  # v unbound in some rows: the triple is left out
        (Literal("lit"), knows, s),  # a literal subject: never a triple
        (s, b2, o),  # a blank node predicate: never a triple
        (o, knows, s),  # o a literal in some rows: dropped there
        (s, knows, URIRef(EX + "c")),  # repeats across rows: once
    )
    rewrite = Rewrite(query="SELECT", template=template, variables=("s", "p", "o", "v"))
    data = [BNode("t1"), BNode()]  # a row may carry a blank node spelled like a template's
    values = [URIRef(EX + "a"), Literal("x"), data[0], data[1], knows]
    rows = [{"s": a, "p": b, "o": c} for a, b, c in itertools.product(values, repeat=3)]
    rows += [{"s": URIRef(EX + "a"), "p": knows, "o": URIRef(EX + "b"), "v": Literal(1)}, {}]
    _check(rewrite, rows, set(data), skolemise=False)  # shared blank nodes: cycles (see _rows)
    assert rewrite.instantiate([]) == []


def test_skolemised_names_are_those_of_constructs_blank_nodes() -> None:
    """A result with a premise node, as the rules write them: the names that reach the output."""
    r, k, s, v = Variable("r"), Variable("k"), Variable("s"), Variable("v")
    premise, glr = BNode("p"), "https://w3id.org/glr/ontology#"
    template = (
        (r, URIRef(glr + "ofKind"), k),
        (r, URIRef(glr + "premise"), premise),
        (premise, URIRef(glr + "premiseSubject"), s),
        (premise, URIRef(glr + "premiseValue"), v),
    )
    rewrite = Rewrite(query="SELECT", template=template, variables=("k", "r", "s", "v"))
    data = [BNode(), BNode("b1")]  # a case's blank nodes, one per solution (shared ones form cycles)
    rows: list[dict[str, Node]] = [
        {"r": URIRef(EX + f"r{n}"), "k": URIRef(EX + "kind"), "s": subject, "v": value}
        for n, (subject, value) in enumerate([(URIRef(EX + "a"), Literal(3)), (data[0], Literal("x")), (data[1], URIRef(EX + "c"))])
    ]
    rows.append({"r": URIRef(EX + "r9"), "k": URIRef(EX + "kind")})  # no premise values: a bare premise node
    _check(rewrite, rows + rows[:1], set(data))


def test_fresh_ids_are_new_on_every_call() -> None:
    first, second = list(_fresh_ids(3)), list(_fresh_ids(2))
    assert len(set(first + second)) == 5
    assert all(not i.startswith("N") and len(i) > 33 for i in first)  # never one of rdflib's "N" + 32 hex digits


def test_answer_rows_read_whole_or_by_name_agree() -> None:
    """reasoner/batch/multicase.py reads a solution whole when its variables come in the expected order."""
    import pyoxigraph as ox

    from reasoner.batch.multicase import _answer_rows

    store = ox.Store()
    graph, node = ox.NamedNode(EX + "g"), ox.NamedNode(EX + "n")
    store.add(ox.Quad(node, ox.NamedNode(EX + "p"), ox.Literal("v"), graph))
    body = "WHERE { GRAPH ?g { ?s ?p ?o OPTIONAL { ?s <urn:x:none> ?z } } }"
    expected = ("g", "o", "s", "z")
    whole = _answer_rows(store.query("SELECT ?g ?o ?s ?z " + body), expected)
    by_name = _answer_rows(store.query("SELECT ?z ?s ?g ?o " + body), expected)
    assert whole == by_name == [(graph, ox.Literal("v"), node, None)]


def test_answer_rows_let_the_solutions_go_on_an_error() -> None:
    """pyoxigraph's solutions iterator may only be dropped on the thread that made it: an error while
    reading it (a time limit stops the helper thread with one) must not keep it in a traceback."""
    import weakref

    from reasoner.batch.multicase import _answer_rows

    refs: list = []

    class Solutions:  # reading it fails in C, as pyoxigraph's does: no frame of its own holds it
        variables: list = []
        __iter__ = None

    def made() -> Solutions:
        solutions = Solutions()
        refs.append(weakref.ref(solutions))
        return solutions

    try:
        _answer_rows(made(), ("g",))
    except TypeError as exc:
        assert exc.__traceback__ is not None and refs[0]() is None
    else:
        raise AssertionError("the error was lost")
