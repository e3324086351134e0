"""Every rule query runs under a wall-clock limit (reasoner/_runtime/limits.py).

Unit tests prove each path of run_with_time_limit (signal on the main
thread, helper thread for native engines and other threads); the CLI tests
drop a pathological rule into a temporary knowledge-base directory and
require exit code 3 with a message naming the rule, well within the
subprocess timeout. GLR_QUERY_TIMEOUT keeps them short.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from _hostile_helpers import SEED, glr, hostile_kb
from reasoner.errors import EXIT_RULE_FAILURE, RuleExecutionError
from reasoner._runtime.limits import QueryTimeout, query_time_limit, run_steps_with_time_limit, run_with_time_limit


#: nodes of the store the runaway query joins three times over: ~10 million rows, seconds on any
#: machine (well past its 0.5 s limit) but over soon after. An abandoned native query runs on to its
#: end on a helper thread: with 400 nodes (64 million rows) each test left a core busy for ~30 s.
RUNAWAY_NODES = 220


def _spin() -> None:
    while True:
        pass


def test_pure_python_loop_is_stopped_on_the_main_thread() -> None:
    with pytest.raises(QueryTimeout, match="time limit of 0.3 s"):
        run_with_time_limit(_spin, 0.3, what="a spinning loop")


def test_a_swallowed_alarm_fires_again() -> None:
    def stubborn() -> None:
        while True:
            try:
                _spin()
            except Exception:  # noqa: BLE001 - what careless library code does
                pass

    with pytest.raises(QueryTimeout):
        run_with_time_limit(stubborn, 0.2)


def test_native_pyoxigraph_query_is_abandoned_on_time() -> None:
    import pyoxigraph as ox

    store = ox.Store()
    store.extend(
        ox.Quad(ox.NamedNode(f"http://e/s{i}"), ox.NamedNode("http://e/p"), ox.Literal(str(i))) for i in range(RUNAWAY_NODES)
    )
    query = "CONSTRUCT { ?a <http://e/q> ?c } WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . FILTER(CONCAT(STR(?a), STR(?c), STR(?e)) = 'x') }"
    with pytest.raises(QueryTimeout):
        run_with_time_limit(lambda: list(store.query(query)), 0.5, native=True)
    # the next query gets a fresh helper and works
    assert len(run_with_time_limit(lambda: list(store.query("CONSTRUCT WHERE { ?s ?p ?o }")), 5, native=True)) == RUNAWAY_NODES


def test_limit_off_the_main_thread() -> None:
    outcome: list[BaseException] = []

    def worker() -> None:
        try:
            run_with_time_limit(_spin, 0.3)
        except BaseException as exc:  # noqa: BLE001
            outcome.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(5)
    assert not thread.is_alive()
    assert isinstance(outcome[0], QueryTimeout)


def test_results_and_errors_pass_through() -> None:
    assert run_with_time_limit(lambda: 42, 1) == 42
    assert run_with_time_limit(lambda: 42, 1, native=True) == 42
    assert run_with_time_limit(lambda: 42, None) == 42

    def fail() -> None:
        raise ValueError("boom")

    for native in (False, True):
        with pytest.raises(ValueError, match="boom"):
            run_with_time_limit(fail, 1, native=native)


def _slow_native(store: object, seconds: float) -> object:
    import pyoxigraph as ox

    assert isinstance(store, ox.Store)
    query = "CONSTRUCT { ?a <http://e/q> ?c } WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . FILTER(CONCAT(STR(?a), STR(?c), STR(?e)) = 'x') }"
    return run_with_time_limit(lambda: list(store.query(query)), seconds, what="the slow step", native=True)


def _store(n: int) -> object:
    import pyoxigraph as ox

    store = ox.Store()
    store.extend(ox.Quad(ox.NamedNode(f"http://e/s{i}"), ox.NamedNode("http://e/p"), ox.Literal(str(i))) for i in range(n))
    return store


def test_many_steps_one_hand_off_each_step_keeps_its_own_limit() -> None:
    """A case's queries run on the helper in one go; the limit is per query, not per case."""
    store = _store(RUNAWAY_NODES)

    def steps() -> list[int]:
        sizes = []
        for i in range(6):  # six steps of ~0.1 s: 0.6 s in all, each well within its 0.4 s limit
            sizes.append(run_with_time_limit(lambda: (time.sleep(0.1), i)[1], 0.4, what=f"step {i}", native=True))
        return sizes

    assert run_steps_with_time_limit(steps) == list(range(6))

    def then_stuck() -> None:
        run_with_time_limit(lambda: None, 0.5, what="a quick step", native=True)
        _slow_native(store, 0.5)

    with pytest.raises(QueryTimeout, match="the slow step exceeded its time limit of 0.5 s"):
        run_steps_with_time_limit(then_stuck)
    assert run_steps_with_time_limit(lambda: run_with_time_limit(lambda: 7, 1, native=True)) == 7  # a fresh helper

    def fail() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        run_steps_with_time_limit(fail)


def test_timeout_is_a_rule_failure_with_exit_code_3() -> None:
    assert issubclass(QueryTimeout, RuleExecutionError)
    assert QueryTimeout("rule 'x'", 1).exit_code == EXIT_RULE_FAILURE


def test_limit_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GLR_QUERY_TIMEOUT", "2.5")
    assert query_time_limit() == 2.5
    monkeypatch.setenv("GLR_QUERY_TIMEOUT", "0")
    assert query_time_limit() is None


@pytest.mark.parametrize(
    ("rule", "engine"),
    [
        ("regex-catastrophic", "rdflib"),
        ("cartesian-explosion", "rdflib"),
        ("cartesian-explosion", "oxigraph"),
        ("path-explosion", "oxigraph"),
    ],
)
def test_pathological_rule_is_stopped_by_the_cli(rule: str, engine: str, tmp_path: Path) -> None:
    module = hostile_kb(tmp_path, rule)
    run = glr("recommend", str(SEED), "--kb", str(module), "--engine", engine, env={"GLR_QUERY_TIMEOUT": "1"}, timeout=30)
    assert run.code == EXIT_RULE_FAILURE, run.stderr
    assert "rule 'hostile'" in run.stderr and "time limit" in run.stderr
