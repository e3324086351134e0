"""Shared fixtures: the bundled knowledge base is loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest_netguard import deny_network_for_every_test  # noqa: F401  (no test may reach beyond loopback)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
MODULE = ROOT / "queries" / "postfusion"


@pytest.fixture(scope="session")
def kb():
    from reasoner import default_knowledge_base

    return default_knowledge_base()


@pytest.fixture(scope="session")
def seed_result(kb):
    from reasoner import recommend

    return recommend(EXAMPLES / "seed-case.ttl", kb=kb)


@pytest.fixture(scope="module")
def module_graph():
    """Every Turtle file of the post-fusion module, parsed into one graph."""
    from rdflib import Graph

    graph = Graph()
    for path in MODULE.rglob("*.ttl"):
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module")
def ontology():
    """The ontology alone, as the case shapes see it."""
    from rdflib import Graph

    from reasoner.paths import ONTOLOGY_DIR

    return Graph().parse(ONTOLOGY_DIR / "glr.ttl", format="turtle")


@pytest.fixture(scope="module")
def shapes():
    """The case shapes (shapes/case/*.ttl)."""
    from reasoner.validation import load_case_shapes

    return load_case_shapes()
