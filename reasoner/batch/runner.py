"""Run a batch: enumerate cases, fan them out to an executor, write records in order."""

from __future__ import annotations

import sys
import time
from collections import deque
from dataclasses import replace
from pathlib import Path
from typing import Any

from .executors import default_workers, make_executor
from .output import BatchSummary, EncodedRecord, RecordWriter, read_done
from .sources import CaseItem, iter_cases
from .worker import BatchConfig

__all__ = ["run_batch"]


def _chunks(items: list[CaseItem], size: int) -> list[list[CaseItem]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _lost(items: list[CaseItem], exc: BaseException) -> list[EncodedRecord]:
    detail = " ".join(str(exc).split())[:300] or type(exc).__name__
    return [
        EncodedRecord.of(
            {
                "case_source": item.source,
                "status": "error",
                "result": None,
                "validation": None,
                "error": f"{item.source}: the worker processing this case died ({type(exc).__name__}: {detail}); "
                "it crashed or ran out of memory on this case or one processed beside it.",
                "error_type": "WorkerLost",
            }
        )
        for item in items
    ]


def run_batch(
    input_path: str | Path,
    out: str | Path,
    *,
    config: BatchConfig | None = None,
    workers: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    resume: bool = False,
    derivations: str | Path | None = None,
    progress: bool | None = None,
    chunk_size: int | None = None,
) -> BatchSummary:
    """Process every case under ``input_path``; one NDJSON record per case in ``out``."""
    config = config or BatchConfig()
    out = Path(out)
    derivations_path = Path(derivations) if derivations else None
    config = replace(config, derivations=derivations_path is not None)
    workers = workers or default_workers()

    summary = BatchSummary(executor=executor if workers > 1 or executor != "local" else "in-process")
    done = read_done(out, summary) if resume else set()
    items = [item for item in iter_cases(input_path) if item.source not in done]
    summary.workers = workers

    if progress is None:
        progress = sys.stderr.isatty()
    from tqdm import tqdm

    bar = tqdm(total=len(items), unit="case", disable=not progress, file=sys.stderr, smoothing=0.1)
    writer = RecordWriter(out, derivations_path, append=resume)
    started = time.perf_counter()
    pool: Any = None
    try:
        if items:
            if executor == "local" and workers > 1:
                config = replace(config, deny_network=True)
            pool = make_executor(executor, config, workers=workers, scheduler=scheduler)
            summary.workers = pool.workers
            if config.multi_case:  # one task, one store of cases (reasoner/batch/multicase.py)
                size = chunk_size or config.cases_per_store
            else:
                size = chunk_size or max(1, min(32, len(items) // (pool.workers * 8) or 1))
            pending = deque(_chunks(items, size))
            window: deque[tuple[list[CaseItem], Any, int]] = deque()
            limit = pool.workers * 4
            while pending or window:
                while pending and len(window) < limit:
                    chunk = pending.popleft()
                    window.append((chunk, pool.submit(chunk), 0))
                chunk, future, attempts = window.popleft()
                try:
                    outcomes = future.result()
                except Exception as exc:  # a worker died (BrokenProcessPool) or the cluster lost it
                    if attempts == 0:
                        # the pool is gone: start a new one, retry what was in flight once
                        pool.restart()
                        retry = [(chunk, 1)] + [(c, a + 1) for c, _, a in window]
                        window.clear()
                        for c, a in retry:
                            window.append((c, pool.submit(c), a))
                        continue
                    outcomes = _lost(chunk, exc)
                for record in outcomes:  # encoded by the worker: write them, count them
                    writer.write(record)
                    summary.count(record.status, record.error_type, record.ids)
                    summary.processed += 1
                writer.flush()
                bar.update(len(outcomes))
    finally:
        summary.seconds = time.perf_counter() - started
        bar.close()
        writer.close()
        if pool is not None:
            pool.close()
    return summary
