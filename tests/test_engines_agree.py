"""rdflib (reference) and Oxigraph give identical results on every example."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib.compare import isomorphic

from reasoner import recommend

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.ttl"))


@pytest.mark.parametrize("case", EXAMPLES, ids=lambda p: p.stem)
def test_engines_agree(case: Path, kb) -> None:
    a = recommend(case, kb=kb, engine="rdflib")
    b = recommend(case, kb=kb, engine="oxigraph")
    ja, jb = a.to_json(), b.to_json()
    ja.pop("engine")
    jb.pop("engine")
    assert ja == jb
    assert isomorphic(a.derivation_graph, b.derivation_graph)
