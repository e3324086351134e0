"""Shared fixtures: the bundled knowledge base is loaded once per session,
with a knowledge-base cache of the session's own."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from conftest_netguard import deny_network_for_every_test  # noqa: F401  (no test may reach beyond loopback)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
MODULE = ROOT / "queries" / "postfusion"

#: the environment variable naming the knowledge-base cache (reasoner/kb/cache.py)
CACHE_ENV = "GLR_CACHE_DIR"
_outer_cache: str | None = None
_session_cache: str | None = None


#: set by the controlling process: the run's cache, which pytest-xdist workers (started after
#: pytest_configure, with a copy of its environment) share instead of making their own
RUN_CACHE_ENV = "GLR_TEST_RUN_CACHE_DIR"


def pytest_configure(config: pytest.Config) -> None:
    """Point $GLR_CACHE_DIR at a fresh private directory for this run (workers and subprocesses inherit it).

    Why: a cache left by an earlier run, another checkout or the user's own
    ~/.cache/glr must never decide a result, and two runs at once must not
    share entries. The workers of one run do share it: each would otherwise
    parse the same knowledge base and prepare the same queries again (entries
    are written atomically, and any entry is the same whoever writes it).
    """
    global _outer_cache, _session_cache
    _outer_cache = os.environ.get(CACHE_ENV)
    inherited = os.environ.get(RUN_CACHE_ENV)
    if hasattr(config, "workerinput") and inherited:  # a worker of this run: its controller owns the directory
        os.environ[CACHE_ENV] = inherited
        return
    _session_cache = tempfile.mkdtemp(prefix="glr-test-cache-")  # mode 0700: the cache accepts only private directories
    os.environ[CACHE_ENV] = _session_cache
    os.environ[RUN_CACHE_ENV] = _session_cache


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the run's cache (its owner does) and give back the caller's setting."""
    if _session_cache is not None:
        shutil.rmtree(_session_cache, ignore_errors=True)
        os.environ.pop(RUN_CACHE_ENV, None)
    if _outer_cache is None:
        os.environ.pop(CACHE_ENV, None)
    else:
        os.environ[CACHE_ENV] = _outer_cache


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
    """The ontology of the bundled packs (core + extensions), as the case shapes see it."""
    from reasoner.kb.ontology import load_ontology

    return load_ontology()


@pytest.fixture(scope="module")
def shapes():
    """The case shapes of the bundled packs: the core's (shapes/case/*.ttl) and each pack's shapes/*.ttl."""
    from reasoner import load_knowledge_base

    return load_knowledge_base().shapes
