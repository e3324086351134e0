"""`glr batch INPUT --out results.ndjson`: many cases, one record each.

INPUT is a directory of case files, an N-Quads/TriG file with one named
graph per case, or NDJSON with one JSON-LD document per line. See
docs/batch.md. Imports here stay light: the work is imported when run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    from .._runtime.safety import DEFAULT_MAX_BYTES

    parser = subparsers.add_parser(
        "batch",
        help="validate and reason over many cases (directory, N-Quads/TriG, NDJSON)",
        description="Write one NDJSON record per case: {case_source, status (ok|invalid|error), result, "
        "validation, error}. Exit 0 if every case conformed, 1 if some did not, 2 if some could not be "
        "read, 3 if a rule failed on some case; every case gets a record either way.",
    )
    parser.add_argument("input", type=Path, help="directory of case files, .nq/.trig file, or .ndjson/.jsonl file")
    parser.add_argument("--out", type=Path, required=True, help="NDJSON file for the records")
    parser.add_argument("--derivations", type=Path, metavar="FILE.nq", help="also write every case's derivation graph (N-Quads, one named graph per case)")
    parser.add_argument("--engine", choices=("rdflib", "oxigraph"), default="oxigraph", help="rule engine (default oxigraph: many cases per store; results are identical to rdflib's, docs/batch.md)")
    parser.add_argument("--validator", choices=("auto", "pyshacl", "pyrudof"), default="auto", help="pyrudof: a fast first pass, any SHACL result is re-checked by pySHACL, so records are identical; auto (default): pyrudof where it is installed, else pySHACL alone (docs/batch.md)")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: every core available)")
    parser.add_argument("--executor", choices=("local", "dask"), default="local", help="local processes, or a Dask cluster")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: a local cluster)")
    parser.add_argument("--resume", action="store_true", help="keep the records already in --out and process only the cases missing there")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD", help="assess every case at this date (default: each case's glr:asOf, else today)")
    parser.add_argument("--kb", metavar="DIR", action="append", type=Path, help="guideline module directory to use instead of the bundled ones (repeatable)")
    parser.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, help=f"refuse cases larger than this (default {DEFAULT_MAX_BYTES})")
    parser.add_argument("--summary-json", type=Path, metavar="FILE", help="also write the summary as JSON")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None, help="progress bar (default: on when stderr is a terminal)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json

    from ..errors import UsageError
    from ..pipeline.timeline import parse_as_of_option
    from ..batch import BatchConfig, run_batch

    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1.")
    if args.as_of:
        parse_as_of_option(args.as_of)  # refuse a bad date before starting any worker
    if args.out.exists() and args.out.is_dir():
        raise UsageError("--out must be a file, not a directory.", source=str(args.out))
    config = BatchConfig(
        engine=args.engine,
        kb_dirs=tuple(str(d.resolve()) for d in args.kb or ()),
        as_of=args.as_of,
        max_bytes=args.max_bytes,
        validator=args.validator,
    )
    summary = run_batch(
        args.input,
        args.out,
        config=config,
        workers=args.workers,
        executor=args.executor,
        scheduler=args.scheduler,
        resume=args.resume,
        derivations=args.derivations,
        progress=args.progress,
    )
    sys.stdout.write(summary.to_text())
    if args.summary_json:
        args.summary_json.write_text(json.dumps(summary.to_json(), indent=2) + "\n", encoding="utf-8")
    return summary.exit_code
