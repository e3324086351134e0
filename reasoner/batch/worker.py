"""The per-case work of a batch: a pure function of (knowledge base, case).

Why a module of its own: every executor (in-process, local processes,
Dask) runs exactly this code, so their records are identical. The
knowledge base is loaded and the rule queries compiled once per worker, by
:func:`init_worker` (a process-pool initializer, a Dask worker plugin, or a
direct call), never per case.

Every case ends as one record; no exception escapes :func:`process_item`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .output import EncodedRecord
from .sources import CaseItem

__all__ = ["BatchConfig", "init_worker", "worker_state", "process_item", "process_chunk", "Outcome", "pyrudof_available"]


@dataclass(frozen=True)
class BatchConfig:
    """What every worker needs to know; small and picklable."""

    #: oxigraph: the multi-case path; records identical to rdflib's (tests/test_batch_multicase.py)
    engine: str = "oxigraph"
    kb_dirs: tuple[str, ...] = ()
    as_of: str | None = None
    max_bytes: int = 10 * 1024 * 1024
    derivations: bool = False
    deny_network: bool = False
    #: "pyrudof" (a first pass, reasoner/batch/rudof.py), "pyshacl", or "auto": pyrudof where it is
    #: installed (a core dependency where it ships wheels), else pySHACL; records are the same.
    validator: str = "auto"
    #: cases per Oxigraph store (reasoner/batch/multicase.py); 1 = the per-case path. rdflib is always
    #: per case. 25: measured, the rule time per case stops falling there (docs/performance.md).
    cases_per_store: int = 25

    @property
    def multi_case(self) -> bool:
        return self.engine == "oxigraph" and self.cases_per_store > 1


@dataclass
class Outcome:
    """A record for the NDJSON output and, optionally, the case's derivation as N-Triples."""

    record: dict[str, Any]
    derivation_nt: str | None = None
    case_iri: str | None = None


_STATE: dict[str, Any] = {}


def init_worker(config: BatchConfig) -> None:
    """Load the knowledge base and compile every rule, once per worker process."""
    if _STATE.get("config") == config:
        return
    import logging

    # rdflib logs a traceback for every ill-typed literal (e.g. a free-text xsd:date); the
    # validation record already says what is wrong, so keep stderr to one line per problem.
    logging.getLogger("rdflib").setLevel(logging.ERROR)
    if config.deny_network:
        from .._runtime import netguard

        netguard.install()
    from pathlib import Path

    from ..kb.knowledge import load_knowledge_base

    kb = load_knowledge_base(modules=[Path(d) for d in config.kb_dirs]) if config.kb_dirs else load_knowledge_base()
    _STATE.clear()
    _STATE.update(worker_state(config, kb))


def worker_state(config: BatchConfig, kb: Any) -> dict[str, Any]:
    """What a worker keeps for ``config``: the knowledge base, its compiled rules, the validators.

    Also used by ``glr serve`` to reason over its cases as a batch does (reasoner/server/dataset.py)."""
    from ..pipeline.run import _engine

    kb.ontology_for_rules()  # worked out once per worker, it speeds up every case (reasoner/kb/footprint.py)
    engine = _engine(kb, config.engine)
    prepare = getattr(engine, "prepared", None)  # rdflib compiles queries; do it now, not per case
    if prepare is not None:
        for rule in kb.rules:
            prepare(rule)
    validator = None
    if config.validator == "pyrudof" or (config.validator == "auto" and pyrudof_available()):
        from .rudof import RudofFirstValidator

        # built on first use: in the multi-case path only the cases the batch step does not clear
        # reach it (none, in a batch of valid cases), and building it costs ~0.1 s per worker
        validator = _Lazy(lambda: RudofFirstValidator(kb))
    elif config.validator not in ("pyshacl", "auto"):
        from ..errors import UsageError

        raise UsageError(f"unknown validator '{config.validator}'; choose auto, pyshacl or pyrudof.")
    multi = many_valid = None
    if config.multi_case:
        from .multicase import MultiCaseRules

        multi = _Lazy(lambda: MultiCaseRules(kb))
        if validator is not None:  # pyrudof: validate each store's cases together (reasoner/batch/validate_many.py)
            from .validate_many import BatchValidator

            many_valid = _Lazy(lambda: BatchValidator(kb))
    return dict(config=config, kb=kb, validator=validator, multi=multi, batch_validator=many_valid)


class _Lazy:
    """An object built on first use: a batch whose every case is refused before its rules (an
    unreadable or unsafe input) never pays for rewriting the rules (seconds, with no cache)."""

    def __init__(self, make: Any) -> None:
        self._make = make
        self._made: Any = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._get()(*args, **kwargs)

    def _get(self) -> Any:
        if self._made is None:
            self._made = self._make()
        return self._made


def pyrudof_available() -> bool:
    """True when pyrudof imports: ``--validator auto`` then uses it as the first pass.

    Imported, not just looked up: a wheel built for another C library fails only on import."""
    try:
        import pyrudof  # noqa: F401
    except Exception:  # noqa: BLE001 - ImportError, or a native library that does not load here
        return False
    return True


def _error(source: str, exc: BaseException) -> Outcome:
    from ..errors import GlrError

    if isinstance(exc, GlrError):
        message = str(exc)
    elif isinstance(exc, RecursionError):
        message = f"{source}: the input is nested too deeply to process."
    elif isinstance(exc, MemoryError):
        message = f"{source}: out of memory while processing this case."
    else:  # a bug or an engine failure; the batch carries on, the record says what happened
        detail = " ".join(str(exc).split())[:400]
        message = f"{source}: unexpected {type(exc).__name__}: {detail}"
    return Outcome(
        record={
            "case_source": source,
            "status": "error",
            "result": None,
            "validation": None,
            "error": message,
            "error_type": type(exc).__name__,
        }
    )


def process_item(item: CaseItem, config: BatchConfig | None = None) -> Outcome:
    """Validate and reason one case; always returns an Outcome."""
    from ..errors import InputError

    if config is not None:
        init_worker(config)
    config = _STATE["config"]
    if item.error is not None:
        return _error(item.source, InputError(item.error, source=item.source))
    answer = recommend_item(item, _STATE)
    if isinstance(answer, BaseException):
        return _error(item.source, answer)
    try:
        return _result_outcome(item, answer, config)
    except BaseException as exc:  # noqa: BLE001 - one bad case must not stop the batch
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return _error(item.source, exc)


def recommend_item(item: CaseItem, state: dict[str, Any]) -> Any:
    """What :func:`reasoner.recommend` gives one case under a worker's ``state``: its result, or
    the exception that stopped it (returned, not raised: one bad case must not stop the batch)."""
    from ..pipeline.run import recommend

    config = state["config"]
    try:
        return recommend(
            _case_input(item, config),
            kb=state["kb"],
            as_of=config.as_of,
            engine=config.engine,
            max_bytes=config.max_bytes,
            source=item.source,
            validator=state["validator"],
        )
    except BaseException as exc:  # noqa: BLE001
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return exc


def _case_input(item: CaseItem, config: BatchConfig) -> Any:
    """A path for the loader, or the case's bytes parsed (within the size limit)."""
    from ..errors import UnsafeInputError

    if item.path is not None:
        return item.path
    from ..pipeline.loading import parse_case_bytes

    data = item.data or b""
    if len(data) > config.max_bytes:
        raise UnsafeInputError(
            f"the case is {len(data)} bytes, over the {config.max_bytes}-byte input limit.",
            source=item.source,
        )
    return parse_case_bytes(data, source=item.source, rdf_format=item.rdf_format or "nt")


def _invalid_outcome(item: CaseItem, validation: dict[str, Any]) -> Outcome:
    return Outcome(
        record={
            "case_source": item.source,
            "status": "invalid",
            "result": None,
            "validation": validation,
            "error": None,
            "error_type": None,
        }
    )


def _result_outcome(item: CaseItem, result: Any, config: BatchConfig) -> Outcome:
    validation = result.validation.to_json()
    if not result.validation.conforms:
        return _invalid_outcome(item, validation)
    derivation = None
    if config.derivations:
        from ..pipeline.render.rdf import derivation_ntriples

        derivation = derivation_ntriples(result)  # the lines of derivation_with_context(result) as N-Triples
    return Outcome(
        record={
            "case_source": item.source,
            "status": "ok",
            "result": result.to_json(),
            "validation": validation,
            "error": None,
            "error_type": None,
        },
        derivation_nt=derivation,
        case_iri=result.case or None,
    )


def process_chunk(items: list[CaseItem], config: BatchConfig) -> list[EncodedRecord]:
    """Run a few cases per task, to keep scheduling overhead small; many per store on Oxigraph.

    Returns each record encoded here, in the worker (reasoner/batch/output.py): the
    parent only writes lines, in input order."""
    init_worker(config)
    if _STATE.get("multi") is None:
        outcomes = [process_item(item) for item in items]
    else:
        from .many import process_many

        outcomes = []
        size = config.cases_per_store
        for start in range(0, len(items), size):
            outcomes.extend(process_many(items[start : start + size], _STATE))
    encoded = [EncodedRecord.of(o.record, o.derivation_nt, o.case_iri) for o in outcomes]
    _freeze_lasting_objects()
    return encoded


def _freeze_lasting_objects() -> None:
    """After a worker's first chunk, move what lives for the whole run out of the collector's sight.

    Why: the knowledge base, the rewritten rules, the validators and their caches (most of them
    built during the first chunk) are hundreds of thousands of objects that every full collection
    walked again, a few times per 400 cases: 2-3 ms per case (docs/performance.md). Freezing
    changes no result; objects alive now are simply never collected as cyclic garbage, and
    nearly all of them live until the process ends anyway. Once per process.
    """
    if _STATE.get("frozen"):
        return
    import gc

    gc.collect()
    gc.freeze()
    _STATE["frozen"] = True
