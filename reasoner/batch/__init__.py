"""`glr batch`: validate and reason over many cases, on one machine or a cluster.

    >>> from reasoner.batch import run_batch, BatchConfig
    >>> summary = run_batch("examples", "results.ndjson", workers=2)  # doctest: +SKIP
    >>> print(summary.to_text())                                       # doctest: +SKIP

See docs/batch.md.
"""

from __future__ import annotations

from .output import BatchSummary
from .runner import run_batch
from .sources import CaseItem, iter_cases
from .worker import BatchConfig, process_item

__all__ = ["run_batch", "BatchConfig", "BatchSummary", "CaseItem", "iter_cases", "process_item"]
