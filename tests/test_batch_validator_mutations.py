"""The pyrudof first passes never clear a case that pySHACL would report on.

Why: ``glr batch`` validates with pyrudof first by default (``--validator
auto``). A first pass only *clears* cases (declares them conforming with no
result); everything it flags goes to pySHACL, so records can differ only if
pyrudof clears a case pySHACL would not. tests/test_batch_validator.py shows
equal records on the examples; this test goes after the one failure mode on
purpose: the valid examples are broken one triple at a time (the triple
dropped, its object swapped for a foreign IRI or a plain string, a second
value added, a typed literal made ill-formed) — one triple of each shape
(predicate, subject types, object kind), 553 variants — and every variant
either pass clears is re-validated by pySHACL, which must find nothing.

Both first passes of the default path are checked: the per-case one
(reasoner/batch/rudof.py) and the per-store one (reasoner/batch/validate_many.py,
variants made disjoint by renaming their nodes so they can share a store).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.term import Node

import pyrudof  # noqa: F401  (a dependency of the default path: fail loudly, never skip)

from reasoner import load_knowledge_base
from reasoner.batch.many import defer_validation
from reasoner.batch.rudof import RudofFirstValidator
from reasoner.batch.validate_many import BatchValidator
from reasoner.pipeline.run import prepare_case
from reasoner.pipeline.validation import validate_graph

ROOT = Path(__file__).resolve().parent.parent
# Every valid example; each shape of triple (predicate, subject types, object kind) is broken once.
# The sweep of every triple of all six (2,362 variants) found no miss when pyrudof became the default.
EXAMPLES = sorted((ROOT / "examples").glob("*.ttl"))
FOREIGN = URIRef("https://example.org/not-a-glr-value")
STORE = 25  # cases per store, as glr batch
PARTS = 3


@pytest.fixture(scope="module")
def kb():  # type: ignore[no-untyped-def]
    return load_knowledge_base()


def _kind(node: Node) -> str:
    if isinstance(node, Literal):
        return f"literal {node.datatype or node.language or ''}"
    return type(node).__name__


def _variants(graph: Graph, seen: set[tuple[str, ...]]) -> list[tuple[str, Graph]]:
    """One broken copy of ``graph`` per (triple, mutation), for one triple of each shape not in ``seen``.

    The shape of a triple is what a constraint can tell apart: its predicate, its subject's types
    and its object's kind (IRI, blank node, a literal's datatype or language). Two triples of
    the same shape meet the same constraints, so only the first (in sorted order) is broken."""
    out: list[tuple[str, Graph]] = []
    for triple in sorted(graph, key=lambda t: tuple(n.n3() for n in t)):
        s, p, o = triple
        shape = (p.n3(), *sorted(t.n3() for t in graph.objects(s, RDF.type)), _kind(o))
        if shape in seen:
            continue
        seen.add(shape)
        replacements: list[tuple[str, Node | None]] = [("drop", None), ("foreign IRI", FOREIGN), ("plain string", Literal("mutated"))]
        if isinstance(o, Literal) and o.datatype is not None:
            replacements.append(("ill-formed", Literal("not a value", datatype=o.datatype)))
        for kind, new in replacements:
            if new == o:
                continue
            variant = Graph()
            variant += (t for t in graph if t != triple)
            if new is not None:
                variant.add((s, p, new))
            out.append((f"{kind}: {s.n3()} {p.n3()} {o.n3()}", variant))
        extra = Graph()
        extra += graph
        extra.add((s, p, Literal("second value")))
        out.append((f"second value: {s.n3()} {p.n3()}", extra))
    return out


def _disjoint(graph: Graph, tag: int, vocabulary: set[Node]) -> Graph:
    """``graph`` with every node of its own (not the knowledge base's) renamed for variant ``tag``."""
    def rename(node: Node) -> Node:
        if isinstance(node, URIRef) and node not in vocabulary and node != FOREIGN:
            return URIRef(f"{node}-variant-{tag}")
        if isinstance(node, BNode):
            return BNode(f"{node}v{tag}")
        return node

    renamed = Graph()
    renamed += ((rename(s), rename(p), rename(o)) for s, p, o in graph)
    return renamed


@pytest.mark.slow
@pytest.mark.parametrize("part", range(PARTS))
def test_no_first_pass_clears_what_pyshacl_reports(kb, part: int) -> None:  # type: ignore[no-untyped-def]
    vocabulary = {n for g in (kb.shapes, kb.ontology) for n in g.all_nodes()}
    seen: set[tuple[str, ...]] = set()
    variants: list[tuple[str, Graph]] = []
    for example in EXAMPLES:
        base = prepare_case(example, kb=kb, validator=defer_validation).graph
        assert validate_graph(base, shapes=kb.shapes, ontology=kb.ontology).conforms, f"{example.name} must be valid"
        variants += [(f"{example.name}: {what}", graph) for what, graph in _variants(base, seen)]
    variants = variants[part::PARTS]  # the parts run side by side (pytest-xdist)
    per_case, per_store = RudofFirstValidator(kb), BatchValidator(kb)
    assert per_store.reason is None, per_store.reason  # the per-store pass is really in use
    cleared: set[int] = {i for i, (_, graph) in enumerate(variants) if per_case.clean(graph)}
    batch_cleared: set[int] = set()
    for start in range(0, len(variants), STORE):
        chunk = [_disjoint(graph, start + k, vocabulary) for k, (_, graph) in enumerate(variants[start : start + STORE])]
        batch_cleared |= {start + k for k in per_store.clear(chunk)}
    wrong = []
    for i in sorted(cleared | batch_cleared):
        what, graph = variants[i]
        report = validate_graph(graph, shapes=kb.shapes, ontology=kb.ontology)
        if not report.conforms or report.results:
            passes = [name for name, hits in (("per-case", cleared), ("per-store", batch_cleared)) if i in hits]
            wrong.append(f"{what} (cleared by {', '.join(passes)}): pySHACL reports {[r.message for r in report.results]}")
    assert not wrong, "\n".join(wrong)
    # the mutations are not toothless: most of them break the case, and both passes see it
    assert len(cleared) < len(variants) // 2 and len(batch_cleared) < len(variants) // 2
    assert batch_cleared and cleared, "some variants (an optional fact dropped) stay valid and are cleared"
