"""Query evaluation in worker processes, with a wall-clock limit per query.

Why processes: pyoxigraph evaluates a query inside Rust while the Python
thread waits, and a thread cannot be stopped. A runaway query (a cross
join over the whole store) in a thread would keep a core busy until it
finished, however long. A worker process that overruns its limit is
killed and replaced; the server goes on answering with the other workers.

Each worker holds its own in-memory pyoxigraph Store, loaded once from the
N-Quads dump of the served dataset (a few hundred kilobytes for the
bundled knowledge base and examples; loading takes milliseconds).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import multiprocessing
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from . import negotiation
from .guard import Verdict, check_query

__all__ = ["Job", "Reply", "evaluate", "WorkerPool"]

_log = logging.getLogger("glr.serve")


@dataclass(frozen=True)
class Job:
    """One query request, as the worker needs it (picklable)."""

    query: str
    accept: str | None = None
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    max_results: int = 10_000


@dataclass(frozen=True)
class Reply:
    status: int
    media_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def _text(status: int, message: str) -> Reply:
    return Reply(status, "text/plain; charset=utf-8", (message.rstrip() + "\n").encode("utf-8"))


def _too_many(limit: int, what: str) -> Reply:
    return _text(
        422,
        f"the query yields more than {limit} {what}, the result cap of this endpoint. "
        "Add LIMIT (and ORDER BY) to page through the results, or start the server with a higher --max-results.",
    )


def _not_acceptable(accept: str | None, table: dict[str, str]) -> Reply:
    return _text(406, f"cannot answer in any of '{accept}'; this query can be answered as: {', '.join(sorted(set(table)))}.")


def evaluate(store: Any, job: Job, *, prefixes: dict[str, str] | None = None) -> Reply:
    """Check and run one query on a pyoxigraph Store; never raises. Turtle answers declare ``prefixes``."""
    import pyoxigraph as ox

    decision = check_query(job.query)
    if decision.verdict is Verdict.MALFORMED:
        return _text(400, f"malformed query: {decision.message}")
    if decision.verdict in (Verdict.UPDATE, Verdict.SERVICE):
        return _text(403, decision.message)

    # Dataset, as the SPARQL 1.1 Protocol says: default-graph-uri / named-graph-uri, when given, make
    # the dataset (overriding the query's FROM / FROM NAMED; a graph kind not listed is empty); else
    # the query's own FROM / FROM NAMED; else the default graph is the union of all graphs.
    kwargs: dict[str, Any] = {}
    if job.default_graph_uris or job.named_graph_uris:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graph_uris]
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graph_uris]
    elif not decision.declares_dataset:
        kwargs["use_default_graph_as_union"] = True
    try:
        result = store.query(job.query, **kwargs)
        if isinstance(result, ox.QueryBoolean):
            media = negotiation.choose(job.accept, negotiation.RESULTS_TYPES)
            if media is None:
                return _not_acceptable(job.accept, negotiation.RESULTS_TYPES)
            fmt = getattr(ox.QueryResultsFormat, negotiation.RESULTS_TYPES[media])
            return Reply(200, _with_charset(media), result.serialize(format=fmt))
        if isinstance(result, ox.QuerySolutions):
            media = negotiation.choose(job.accept, negotiation.RESULTS_TYPES)
            if media is None:
                return _not_acceptable(job.accept, negotiation.RESULTS_TYPES)
            count = sum(1 for _ in itertools.islice(result, job.max_results + 1))
            if count > job.max_results:
                return _too_many(job.max_results, "solutions")
            # Counting consumed the iterator; evaluate again to serialise (bounded by the cap).
            again = store.query(job.query, **kwargs)
            fmt = getattr(ox.QueryResultsFormat, negotiation.RESULTS_TYPES[media])
            return Reply(200, _with_charset(media), again.serialize(format=fmt), {"X-GLR-Result-Count": str(count)})
        media = negotiation.choose(job.accept, negotiation.GRAPH_TYPES)
        if media is None:
            return _not_acceptable(job.accept, negotiation.GRAPH_TYPES)
        triples = list(itertools.islice(result, job.max_results + 1))
        if len(triples) > job.max_results:
            return _too_many(job.max_results, "triples")
        fmt = getattr(ox.RdfFormat, negotiation.GRAPH_TYPES[media])
        declared = prefixes if fmt in (ox.RdfFormat.TURTLE,) else None
        body = ox.serialize(triples, format=fmt, prefixes=declared) if declared else ox.serialize(triples, format=fmt)
        return Reply(200, _with_charset(media), body or b"", {"X-GLR-Result-Count": str(len(triples))})
    except SyntaxError as exc:
        return _text(400, f"malformed query: {exc}")
    except (OSError, ValueError, RuntimeError, TypeError) as exc:
        return _text(500, f"the query failed during evaluation: {exc}")


def _with_charset(media: str) -> str:
    if media.startswith("text/") or media.endswith("json") or media.endswith("xml"):
        return f"{media}; charset=utf-8"
    return media


def _worker_main(conn: Connection, nquads: bytes, prefixes: dict[str, str] | None = None) -> None:
    """Entry point of a worker process: load the dataset, then answer jobs until told to stop."""
    import pyoxigraph as ox

    store = ox.Store()
    store.load(nquads, format=ox.RdfFormat.N_QUADS)
    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        try:
            reply = evaluate(store, job, prefixes=prefixes)
        except BaseException as exc:  # the worker must answer, whatever happens
            reply = _text(500, f"internal error while evaluating the query: {type(exc).__name__}: {exc}")
        conn.send(reply)


class _Worker:
    def __init__(self, ctx: Any, nquads: bytes, prefixes: dict[str, str] | None = None) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=_worker_main, args=(child, nquads, prefixes), daemon=True, name="glr-sparql-worker")
        self.process.start()
        child.close()

    def wait_ready(self, timeout: float) -> None:
        try:
            ready = self.conn.poll(timeout) and self.conn.recv() == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.kill()
            raise RuntimeError(f"a SPARQL worker did not start within {timeout:.0f} s (exit code {self.process.exitcode})")

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(timeout=2)
        self.kill()


class WorkerPool:
    """Worker processes in two lanes; a query that overruns its limit kills its worker.

    ``run`` waits at most ``timeout`` seconds in total: queueing for a free
    worker plus evaluation. A killed worker is replaced in the background.

    Why two lanes: with every regular worker held by a runaway query, a
    cheap ``ASK`` would queue behind them for the whole time limit and get
    503. So one extra worker, the *quick lane*, takes a query only when no
    regular worker is free, and gives it at most ``quick_lane_seconds``:
    cheap queries are answered at once, and a runaway that lands there
    holds it for that long, not for the full limit.
    """

    START_TIMEOUT = 60.0

    def __init__(self, nquads: bytes, *, prefixes: dict[str, str] | None = None, size: int = 2, timeout: float = 10.0, quick_lane_seconds: float = 1.0) -> None:
        if size < 1:
            raise ValueError("the pool needs at least one worker")
        self.nquads = nquads
        self.prefixes = dict(prefixes or {})  # the knowledge base's own @prefix declarations, for Turtle answers
        self.size = size
        self.timeout = timeout
        self.quick_lane_seconds = quick_lane_seconds
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: dict[bool, list[_Worker]] = {False: [], True: []}  # quick lane? -> idle workers
        self._changed: asyncio.Condition | None = None
        self._all: set[_Worker] = set()
        self._replacing: set[asyncio.Task[None]] = set()
        self.killed = 0
        self.busy = 0  #: regular workers evaluating a query now

    def _spawn(self) -> _Worker:
        worker = _Worker(self._ctx, self.nquads, self.prefixes)
        worker.wait_ready(self.START_TIMEOUT)
        return worker

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._changed = asyncio.Condition()
        lanes = [False] * self.size + ([True] if self.quick_lane_seconds > 0 else [])
        workers = await asyncio.gather(*(loop.run_in_executor(None, self._spawn) for _ in lanes))
        for worker, quick in zip(workers, lanes):
            self._all.add(worker)
            self._idle[quick].append(worker)

    async def _release(self, worker: _Worker, quick: bool) -> None:
        assert self._changed is not None
        async with self._changed:
            self._idle[quick].append(worker)
            self._changed.notify()

    async def _acquire(self, deadline: float) -> tuple[_Worker, bool] | None:
        """An idle regular worker, else the idle quick-lane worker; None if neither frees up in time."""
        assert self._changed is not None
        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: bool(self._idle[False] or self._idle[True])),
                    timeout=max(0.0, deadline - time.monotonic()),
                )
            except asyncio.TimeoutError:
                return None
            quick = not self._idle[False]
            return self._idle[quick].pop(), quick

    async def _replace(self, worker: _Worker, quick: bool) -> None:
        loop = asyncio.get_running_loop()
        self._all.discard(worker)
        await loop.run_in_executor(None, worker.kill)
        fresh = await loop.run_in_executor(None, self._spawn)
        self._all.add(fresh)
        await self._release(fresh, quick)

    def _schedule_replacement(self, worker: _Worker, quick: bool) -> None:
        self.killed += 1
        task = asyncio.get_running_loop().create_task(self._replace(worker, quick))
        self._replacing.add(task)
        task.add_done_callback(self._replaced)

    def _replaced(self, task: "asyncio.Task[None]") -> None:
        self._replacing.discard(task)
        if not task.cancelled() and task.exception() is not None:
            _log.error("a SPARQL worker could not be replaced (%s workers left): %s", len(self._all), task.exception())

    async def run(self, job: Job) -> Reply:
        if self._changed is None:
            raise RuntimeError("the worker pool is not started")
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + self.timeout
        acquired = await self._acquire(deadline)
        if acquired is None:
            return _text(503, f"all query workers stayed busy for the {self.timeout:g} s time limit; try again shortly.")
        worker, quick = acquired
        remaining = max(0.0, deadline - time.monotonic())
        limit = min(remaining, self.quick_lane_seconds) if quick else remaining
        self.busy += not quick
        try:
            worker.conn.send(job)
            answered = await loop.run_in_executor(None, worker.conn.poll, limit)
            if not answered:
                self._schedule_replacement(worker, quick)
                if quick and limit < remaining:
                    return _text(
                        503,
                        "every regular query worker is busy with a long query, and on the quick lane a query may "
                        f"take at most {self.quick_lane_seconds:g} s. Try again shortly, or start the server with more --workers.",
                    )
                return _text(
                    503,
                    f"the query was stopped after the {self.timeout:g} s time limit of this endpoint. "
                    "Narrow it (more specific patterns, LIMIT), or start the server with a higher --timeout.",
                )
            reply: Reply = worker.conn.recv()
        except BaseException:
            # Cancelled (client went away) or a broken pipe: the worker's state is unknown.
            self._schedule_replacement(worker, quick)
            raise
        finally:
            self.busy -= not quick
        await self._release(worker, quick)
        return reply

    async def close(self) -> None:
        for task in list(self._replacing):
            task.cancel()
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(None, w.stop) for w in list(self._all)), return_exceptions=True)
        self._all.clear()
