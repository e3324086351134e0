"""The pyrudof first passes never clear a case that pySHACL would report on.

Why: ``glr batch`` validates with pyrudof first by default (``--validator
auto``). A first pass only *clears* cases (declares them conforming with no
result); everything it flags goes to pySHACL, so records can differ only if
pyrudof clears a case pySHACL would not. tests/test_batch_validator.py shows
equal records on the examples; this test goes after the one failure mode on
purpose: each valid example is broken one triple at a time (the triple
dropped, its object swapped for a foreign IRI or a plain string, a second
value added, a typed literal made ill-formed), and every variant either
pass clears is re-validated by pySHACL, which must find nothing.

Both first passes of the default path are checked: the per-case one
(reasoner/batch/rudof.py) and the per-store one (reasoner/batch/validate_many.py,
variants made disjoint by renaming their nodes so they can share a store).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

import pyrudof  # noqa: F401  (a dependency of the default path: fail loudly, never skip)

from reasoner import load_knowledge_base
from reasoner.batch.many import defer_validation
from reasoner.batch.rudof import RudofFirstValidator
from reasoner.batch.validate_many import BatchValidator
from reasoner.pipeline.run import prepare_case
from reasoner.pipeline.validation import validate_graph

ROOT = Path(__file__).resolve().parent.parent
# Two examples between them use every property any example uses (findings, imaging, seroma and
# compression details, procedures, medications, therapy, dates): 921 variants, ~30 s of CPU. All six valid examples
# (2,362 variants) were swept once when pyrudof became the default, with no miss (docs/batch.md).
EXAMPLES = [ROOT / "examples" / name for name in ("aspiration-candidate.ttl", "opioids-without-relief.ttl")]
FOREIGN = URIRef("https://example.org/not-a-glr-value")
STORE = 25  # cases per store, as glr batch


@pytest.fixture(scope="module")
def kb():  # type: ignore[no-untyped-def]
    return load_knowledge_base()


def _variants(graph: Graph) -> list[tuple[str, Graph]]:
    """One broken copy of ``graph`` per (triple, mutation)."""
    out: list[tuple[str, Graph]] = []
    triples = sorted(graph, key=lambda t: tuple(n.n3() for n in t))
    for triple in triples:
        s, p, o = triple
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
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_no_first_pass_clears_what_pyshacl_reports(example: Path, kb) -> None:  # type: ignore[no-untyped-def]
    base = prepare_case(example, kb=kb, validator=defer_validation).graph
    assert validate_graph(base, shapes=kb.shapes, ontology=kb.ontology).conforms, "the example itself must be valid"
    vocabulary = {n for g in (kb.shapes, kb.ontology) for n in g.all_nodes()}
    variants = _variants(base)
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
