"""Issue 17: the case shapes give each case the same results in a graph holding several cases.

Every constraint is tied to its focus node's own case (shapes/case/sparql.ttl),
so validating many cases in one graph — as a multi-case validator would —
cannot mix one case's as-of date or findings into another's verdict. The
only shapes left out of the union are those whose focus is a fixed node
(``sh:targetNode``): "exactly one case / one patient in the file" is about
the file, not the case, and is checked per file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from _synthetic_helpers import synthetic  # noqa: E402
from reasoner.pipeline.run import prepare_case
from reasoner.pipeline.validation import validate_graph
from reasoner.vocab import SH

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
# The examples share one as-of date; the synthetic cases bring five others.
VALID = ["seed-case.ttl", "aspiration-candidate.ttl"]


def _synthetic(count: int, directory: Path) -> list[Path]:
    return synthetic().write_directory(count, directory, seed=23)  # type: ignore[no-any-return]


def _per_case_shapes(shapes: Graph) -> Graph:
    """The shapes minus the whole-file ones (fixed focus node) and what only they use."""
    whole = set(shapes.subjects(SH.targetNode, None))
    dropped = set(whole)
    for shape in whole:
        for prop in shapes.objects(shape, SH.property):
            dropped.add(prop)
            dropped.update(shapes.objects(prop, SH.path))
    kept = Graph()
    for triple in shapes:
        if triple[0] not in dropped:
            kept.add(triple)
    return kept


def _normalised(path: Path, kb) -> Graph:
    return prepare_case(path, kb=kb, validator=lambda *args, **kwargs: None).graph


def _union(graphs: list[Graph]) -> Graph:
    union = Graph()
    for graph in graphs:
        union += graph
    return union


@pytest.fixture(scope="module")
def valid_cases(kb, tmp_path_factory: pytest.TempPathFactory) -> list[Graph]:
    # small: pySHACL's cost on a union grows faster than its size (7 cases 1.8 s, 12 cases
    # 3.8 s of CPU), and 7 cases with six as-of dates already catch a date compared with
    # another case's as-of date
    paths = [EXAMPLES / name for name in VALID] + _synthetic(5, tmp_path_factory.mktemp("synthetic"))
    return [_normalised(path, kb) for path in paths]


def test_the_cases_have_different_as_of_dates(valid_cases: list[Graph]) -> None:
    """Otherwise the union test below could not catch a date compared with another case's as-of date."""
    from reasoner.vocab import GLR

    assert len({next(graph.objects(None, GLR.asOfUsed)) for graph in valid_cases}) > 3


def test_a_union_of_valid_cases_has_no_result(valid_cases: list[Graph], kb) -> None:
    report = validate_graph(_union(valid_cases), shapes=_per_case_shapes(kb.shapes), ontology=kb.ontology)
    assert report.results == ()
    assert report.conforms


@pytest.mark.parametrize(
    "bad", ["future-dated-imaging.ttl", "imaging-before-surgery.ttl", "finding-present-and-absent.ttl", "finding-without-status.ttl"]
)
def test_a_union_with_one_bad_case_reports_exactly_that_case(valid_cases: list[Graph], kb, bad: str) -> None:
    shapes = _per_case_shapes(kb.shapes)
    bad_graph = _normalised(EXAMPLES / "invalid" / bad, kb)
    alone = validate_graph(bad_graph, shapes=shapes, ontology=kb.ontology)
    together = validate_graph(_union([*valid_cases, bad_graph]), shapes=shapes, ontology=kb.ontology)
    assert not alone.conforms
    assert not together.conforms
    key = lambda r: (r.severity, r.focus_node, r.path, r.value, r.message, r.source_shape)  # noqa: E731
    assert sorted(map(key, together.results)) == sorted(map(key, alone.results))
    bad_nodes = {str(n) for n in bad_graph.all_nodes()}
    assert all(r.focus_node in bad_nodes for r in together.results)
