"""Executors: where the per-case function runs. No home-made scheduler.

* ``serial``  in this process (``--workers 1``): no start-up cost.
* ``local``   :class:`concurrent.futures.ProcessPoolExecutor` with the
              ``forkserver`` start method (``spawn`` where there is none).
              Not ``fork``: a forked pool hung after pyrudof had run in the
              parent, and forking a parent holding threads is unsafe anyway.
              The knowledge base is loaded by the pool's initializer.
* ``dask``    a ``dask.distributed`` Client: a scheduler address for a real
              cluster, or a LocalCluster of ``workers`` processes. The
              knowledge base is loaded by a worker plugin when each worker
              joins.

All three expose ``submit(items) -> future`` (``future.result()`` gives the
outcomes) and ``restart()`` after a worker died.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Future
from typing import Any

from ..errors import UsageError
from .sources import CaseItem
from .output import EncodedRecord
from .worker import BatchConfig, init_worker, process_chunk

__all__ = ["make_executor", "EXECUTORS", "default_workers"]

EXECUTORS = ("local", "dask")


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class SerialExecutor:
    name = "serial"

    def __init__(self, config: BatchConfig) -> None:
        self.config = config
        self.workers = 1
        init_worker(config)

    def submit(self, items: list[CaseItem]) -> Future[list[EncodedRecord]]:
        future: Future[list[EncodedRecord]] = Future()
        future.set_result(process_chunk(items, self.config))
        return future

    def restart(self) -> None:
        pass

    def close(self) -> None:
        pass


class LocalExecutor:
    name = "local"

    def __init__(self, config: BatchConfig, workers: int) -> None:
        self.config = config
        self.workers = workers
        methods = multiprocessing.get_all_start_methods()
        self.context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        self._pool = self._new_pool()

    def _new_pool(self) -> Any:
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=self.context,
            initializer=init_worker,
            initargs=(self.config,),
        )

    def submit(self, items: list[CaseItem]) -> Any:
        return self._pool.submit(process_chunk, items, self.config)

    def restart(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class _KnowledgeBasePlugin:
    """Dask worker plugin: load the knowledge base when a worker starts."""

    def __init__(self, config: BatchConfig) -> None:
        self.config = config

    def setup(self, worker: Any) -> None:
        init_worker(self.config)


class DaskExecutor:
    name = "dask"

    def __init__(self, config: BatchConfig, workers: int, scheduler: str | None) -> None:
        try:
            from distributed import Client, LocalCluster
            from distributed.diagnostics.plugin import WorkerPlugin
        except ImportError:
            raise UsageError(
                "the dask executor needs dask.distributed: pip install 'dask[distributed]'."
            ) from None
        self.config = config
        self._cluster = None
        if scheduler:
            self.client = Client(scheduler)
        else:
            self._cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            self.client = Client(self._cluster)
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})) or workers)
        plugin_class = type("GlrKnowledgeBase", (_KnowledgeBasePlugin, WorkerPlugin), {})
        self.client.register_plugin(plugin_class(config), name="glr-knowledge-base")

    def submit(self, items: list[CaseItem]) -> Any:
        return self.client.submit(process_chunk, items, self.config, pure=False)

    def restart(self) -> None:
        pass  # Dask reschedules work from lost workers itself

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(kind: str, config: BatchConfig, *, workers: int, scheduler: str | None = None) -> Any:
    if kind == "dask":
        return DaskExecutor(config, workers, scheduler)
    if kind != "local":
        raise UsageError(f"unknown executor '{kind}'; choose one of: {', '.join(EXECUTORS)}.")
    if scheduler:
        raise UsageError("--scheduler is for --executor dask.")
    if workers <= 1:
        return SerialExecutor(config)
    return LocalExecutor(config, workers)
