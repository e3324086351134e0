"""The multi-case path of a batch worker: prepare each case, run the rules once per store, explain each.

Why a module of its own: :func:`reasoner.batch.worker.process_item` is the
per-case reference; this is the same pipeline with the rule stage shared
by up to ``cases_per_store`` cases (reasoner/batch/multicase.py). Each
record is built by the same code as the per-case path's, and
tests/test_batch_multicase.py requires them to be byte-identical.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from .sources import CaseItem
from .worker import Outcome, _case_input, _error, _invalid_outcome, _result_outcome, recommend_item

__all__ = ["process_many", "reason_many", "validate_prepared", "defer_validation"]

_LOG = logging.getLogger(__name__)


def defer_validation(data: Any, *, shapes: Any, ontology: Any, source: str | None = None) -> Any:
    """A stand-in validator: the batch's cases are validated together, after all are read."""
    return None


def validate_prepared(together: Any, prepared_cases: list[tuple[int, Any]], items: list[CaseItem], outcomes: list[Any], state: dict[str, Any]) -> None:
    """Every prepared case's report: cleared by the batch step, else from the per-case validator;
    a case whose validation fails gets its exception in ``outcomes`` (by item index)."""
    from ..pipeline.validation import ValidationReport

    kb = state["kb"]
    if not prepared_cases:
        return
    started = time.perf_counter()
    cleared = together.clear([prepared.graph for _, prepared in prepared_cases])
    share = (time.perf_counter() - started) / max(len(prepared_cases), 1)
    for position, (index, prepared) in enumerate(prepared_cases):
        started = time.perf_counter()
        try:
            if position in cleared:
                prepared.report = ValidationReport(conforms=True, results=(), source=prepared.source)
            else:
                prepared.report = state["validator"](prepared.graph, shapes=kb.shapes, ontology=kb.ontology, source=prepared.source)
        except BaseException as exc:  # noqa: BLE001 - one bad case must not stop the batch
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            outcomes[index] = exc
        prepared.timings["validate"] = share + time.perf_counter() - started


def process_many(items: list[CaseItem], state: dict[str, Any]) -> list[Outcome]:
    """One record per item, in order; the conforming cases' rules run in one store."""
    from ..pipeline.validation import ValidationReport

    config = state["config"]
    outcomes: list[Outcome] = []
    for item, answer in zip(items, reason_many(items, state)):
        if isinstance(answer, BaseException):
            outcomes.append(_error(item.source, answer))
        elif isinstance(answer, ValidationReport):
            outcomes.append(_invalid_outcome(item, answer.to_json()))
        else:
            outcomes.append(_result_outcome(item, answer, config))
    return outcomes


def reason_many(items: list[CaseItem], state: dict[str, Any]) -> list[Any]:
    """Per item, in order: its RecommendationResult (it conforms and its rules ran), its
    ValidationReport (it does not conform), or the exception that stopped it — what
    :func:`reasoner.pipeline.run.recommend` returns or raises for that case alone.

    Why separate from the records: ``glr serve`` builds its dataset from the results."""
    from ..errors import InputError
    from ..pipeline.run import explain_prepared, prepare_case

    config, kb = state["config"], state["kb"]
    together = state.get("batch_validator")
    answers: list[Any] = [None] * len(items)
    prepared_cases: list[tuple[int, Any]] = []
    for index, item in enumerate(items):
        if item.error is not None:
            answers[index] = InputError(item.error, source=item.source)
            continue
        try:
            prepared_cases.append(
                (
                    index,
                    prepare_case(
                        _case_input(item, config),
                        kb=kb,
                        as_of=config.as_of,
                        max_bytes=config.max_bytes,
                        source=item.source,
                        validator=defer_validation if together is not None else state["validator"],
                    ),
                )
            )
        except BaseException as exc:  # noqa: BLE001 - one bad case must not stop the batch
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            answers[index] = exc
    if together is not None:
        validate_prepared(together, prepared_cases, items, answers, state)
    ready: list[tuple[int, Any]] = []
    for index, prepared in prepared_cases:
        if answers[index] is not None:
            continue
        try:
            if not prepared.report.conforms:
                answers[index] = prepared.report
                continue
            if prepared.case_iri is None:
                raise InputError(
                    "the glr:Case node is a blank node; give the case an IRI (in JSON-LD an \"@id\") so its results can be named.",
                    source=prepared.source,
                )
            ready.append((index, prepared))
        except BaseException as exc:  # noqa: BLE001 - one bad case must not stop the batch
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            answers[index] = exc
    if not ready:
        return answers
    if len(ready) == 1:
        # one case: its rules as the per-case path runs them, the reference the many-case form is
        # proven equal to; a small batch then never pays for rewriting the rules (seconds, no cache)
        index, prepared = ready[0]
        answers[index] = _reason_alone(prepared, state)
        return answers
    started = time.perf_counter()
    try:
        derived = state["multi"].run([(prepared.case_iri, prepared.graph) for _, prepared in ready])
    except Exception:  # a bug here must cost speed, never answers: redo these cases one by one
        _LOG.exception("multi-case rule run failed; processing its %d cases one by one", len(ready))
        for index, _ in ready:
            answers[index] = _recommend_alone(items[index], state)
        return answers
    seconds = (time.perf_counter() - started) / len(ready)
    for (index, prepared), graph in zip(ready, derived):
        if isinstance(graph, BaseException):
            answers[index] = graph
            continue
        try:
            answers[index] = explain_prepared(prepared, kb=kb, engine=config.engine, derived=graph, rules_seconds=seconds)
        except BaseException as exc:  # noqa: BLE001
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            answers[index] = exc
    return answers


def _reason_alone(prepared: Any, state: dict[str, Any]) -> Any:
    """The per-case rules and explanation for one prepared, conforming case: its result or its error."""
    from ..pipeline.run import reason_prepared

    try:
        return reason_prepared(prepared, kb=state["kb"], engine=state["config"].engine)
    except BaseException as exc:  # noqa: BLE001 - one bad case must not stop the batch
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return exc


def _recommend_alone(item: CaseItem, state: dict[str, Any]) -> Any:
    """The per-case path for one item: its result, its report if it does not conform, or its error."""
    answer = recommend_item(item, state)
    if isinstance(answer, BaseException) or answer.validation.conforms:
        return answer
    return answer.validation
