"""Issue 17: the batch validator's one-pass N-Triples and node owners equal rdflib's, byte for byte.

reasoner/batch/ntrows.py writes a case's N-Triples without rdflib's
serializer and reasoner/batch/validate_many.py finds its nodes without
``all_nodes()``; both must give exactly what rdflib gives, on terms chosen
to break a hand-written writer.
"""

from __future__ import annotations

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from reasoner.batch.ntrows import NTNames, case_triples, nt_bytes, nt_bytes_and_part
from reasoner.batch.validate_many import owners

EX = "https://example.org/x/"


def _hostile() -> Graph:
    g = Graph()
    s, o, b = URIRef(EX + "s"), URIRef(EX + "o%20é"), BNode("b1")
    texts = ['q"uote', "line\nbreak", "car\rriage", "back\\slash", "tab\tand \x00 nul", "𝄞 non-BMP é", "", " ", '\\"\\n']
    for i, text in enumerate(texts):
        p = URIRef(f"{EX}p{i}")
        g.add((s, p, Literal(text)))
        g.add((s, p, Literal(text, lang="en")))
        g.add((s, p, Literal(text, datatype=XSD.string)))
        g.add((b, p, Literal(text, datatype=URIRef(EX + "dt"))))
    g.add((s, RDFS.label, Literal("Tag", lang="EN-gb")))  # equal to the @en-gb literal, written differently
    g.add((s, RDFS.label, Literal("Tag", lang="en-gb")))
    for lexical in ("01", "+1", " 1 ", "abc", "1e5", "-0"):
        g.add((s, URIRef(EX + "n"), Literal(lexical, datatype=XSD.integer)))
        g.add((s, URIRef(EX + "d"), Literal(lexical, datatype=XSD.decimal)))
    g.add((s, URIRef(EX + "bool"), Literal(True)))
    g.add((s, URIRef(EX + "date"), Literal("2026-13-40", datatype=XSD.date)))
    g.add((s, RDF.type, o))
    g.add((b, RDF.type, o))
    g.add((o, URIRef(EX + "back"), b))
    g.add((BNode(), URIRef(EX + "anon"), BNode()))
    return g


@pytest.mark.parametrize("limit", [50_000, 3])  # 3: the remembered IRIs are forgotten many times
def test_nt_bytes_are_rdflibs(limit: int) -> None:
    names = NTNames(limit)
    for graph in (_hostile(), _hostile(), Graph()):  # the second shares the first's IRIs in ``names``
        assert nt_bytes(case_triples(graph), names) == graph.serialize(format="nt", encoding="utf-8")


def test_the_part_is_the_rows_of_the_triples_with_those_predicates() -> None:
    graph = _hostile()
    predicates = frozenset({RDF.type, RDFS.label})
    whole, part = nt_bytes_and_part(case_triples(graph), NTNames(), predicates)
    assert whole == nt_bytes(case_triples(graph), NTNames())
    assert part == nt_bytes([t for t in case_triples(graph) if t[1] in predicates], NTNames())
    assert 0 < len(part) < len(whole)


@pytest.mark.parametrize(
    "triple",
    [
        (URIRef(EX + "a b"), RDF.type, URIRef(EX + "o")),  # rdflib refuses to write an IRI with a space
        (URIRef(EX + "s"), RDFS.label, Literal("lone \ud800 surrogate")),
    ],
)
def test_what_rdflib_cannot_write_raises(triple) -> None:
    graph = Graph()
    graph.add(triple)
    with pytest.raises(Exception) as expected:
        graph.serialize(format="nt", encoding="utf-8")
    with pytest.raises(type(expected.value)):
        nt_bytes(case_triples(graph), NTNames())


def _reference_owners(graphs: list[Graph], vocabulary: set) -> tuple[dict[str, int], set[int]]:
    """The loop validate_many had before (rdflib's all_nodes, n3 and subjects)."""
    owner: dict[str, int] = {}
    alone: set[int] = set()
    for index, graph in enumerate(graphs):
        for node in set(graph.all_nodes()):
            if isinstance(node, Literal) or node in vocabulary:
                continue
            key = node.n3()
            if owner.setdefault(key, index) != index:
                alone.update((index, owner[key]))
        if any(s in vocabulary for s in graph.subjects(unique=True)):
            alone.add(index)
    return owner, alone


def test_owners_are_the_rdflib_loops() -> None:
    common, predicate_only = URIRef(EX + "common-node"), URIRef(EX + "p-only")
    vocabulary = {URIRef(EX + "Class"), URIRef(EX + "vocab-subject"), RDF.type}
    graphs = []
    for i in range(5):
        g = Graph()
        me = URIRef(f"{EX}case{i}")
        g.add((me, RDF.type, URIRef(EX + "Class")))
        g.add((me, predicate_only, Literal(f"{i}")))
        g.add((me, URIRef(EX + "b"), BNode(f"b{i}")))
        g.add((me, URIRef(EX + "label"), Literal(EX + "common-node")))  # a literal with an IRI's text: no node
        graphs.append(g)
    graphs[1].add((URIRef(EX + "case1"), URIRef(EX + "link"), common))
    graphs[3].add((common, RDF.type, URIRef(EX + "Class")))  # shares a node with case 1
    graphs[2].add((URIRef(EX + "vocab-subject"), RDFS.label, Literal("x")))  # about the vocabulary
    graphs[4].add((URIRef(EX + "case0"), predicate_only, URIRef(EX + "case0")))  # case 0's node
    graphs.append(_hostile())  # its blank node _:b1 is case 1's too
    expected = _reference_owners(graphs, vocabulary)
    assert owners([case_triples(g) for g in graphs], vocabulary, NTNames()) == expected
    assert expected[1] == {0, 1, 2, 3, 4, 5}
