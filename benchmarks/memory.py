"""Memory over a long batch: resident set size every N cases, in one process.

    .venv/bin/python benchmarks/memory.py 3000 --every 500

Runs what a ``glr batch`` worker runs with the defaults — ``process_chunk``
on chunks of 25 cases (knowledge base loaded once, many cases per Oxigraph
store, pyrudof first pass, the collector frozen after the first chunk) —
over synthetic cases generated in memory, and prints RSS so growth — a
leak or a cache without bound — shows as a rising column. ``--per-case``
runs the per-case function instead.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import generate_case  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as handle:
        pages = int(handle.read().split()[1])
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("count", type=int)
    parser.add_argument("--every", type=int, default=500)
    parser.add_argument("--engine", default="oxigraph")
    parser.add_argument("--validator", default="auto")
    parser.add_argument("--per-case", action="store_true", help="one case at a time (process_item), not chunks of 25")
    args = parser.parse_args()

    from reasoner.batch.sources import CaseItem
    from reasoner.batch.worker import BatchConfig, init_worker, process_chunk, process_item

    config = BatchConfig(engine=args.engine, validator=args.validator)
    init_worker(config)
    rng = random.Random(3)
    print(f"{'cases':>7s} {'RSS MB':>8s} {'cases/s':>8s}")
    print(f"{0:7d} {rss_mb():8.1f}")
    t0 = time.perf_counter()
    chunk: list[CaseItem] = []
    for n in range(1, args.count + 1):
        text = generate_case(n, rng).encode("utf-8")
        item = CaseItem(source=f"mem:{n}", data=text, rdf_format="turtle")
        if args.per_case:
            outcome = process_item(item)
            assert outcome.record["status"] == "ok", outcome.record
        else:
            chunk.append(item)
            if len(chunk) == config.cases_per_store or n == args.count or n % args.every == 0:
                for record in process_chunk(chunk, config):
                    assert record.status == "ok", record.line[:300]
                chunk = []
        if n % args.every == 0:
            print(f"{n:7d} {rss_mb():8.1f} {n / (time.perf_counter() - t0):8.1f}", flush=True)


if __name__ == "__main__":
    main()
