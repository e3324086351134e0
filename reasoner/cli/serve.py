"""`glr serve PATH...`: a read-only SPARQL endpoint over the knowledge base and the given cases.

Heavy imports (starlette, uvicorn, pyoxigraph) happen inside run(), so
`glr --help` stays fast and works without the server extra.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["register", "run"]


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve the ontology, knowledge base and cases as a read-only SPARQL endpoint",
        description=(
            "Run every case through the reasoner and serve ontology, knowledge base, case data and "
            "results as a read-only SPARQL 1.1 endpoint at http://HOST:PORT/sparql, with a query page at "
            "http://HOST:PORT/. Updates, SERVICE and LOAD are refused. See docs/endpoint.md."
        ),
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", type=Path, help="case files, or directories whose .ttl/.jsonld files are cases")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1; anything else exposes the data to the network)")
    parser.add_argument("--port", type=int, default=7878, help="TCP port (default 7878)")
    parser.add_argument("--timeout", type=_positive_float, default=10.0, metavar="SECONDS", help="wall-clock limit per query, queueing included (default 10); an overrun answers 503")
    parser.add_argument("--max-results", type=_positive_int, default=10_000, metavar="N", help="most solutions or triples one query may return (default 10000); more answers 422")
    parser.add_argument("--workers", type=_positive_int, default=2, metavar="N", help="query worker processes (default 2)")
    parser.add_argument("--quick-lane", type=float, default=1.0, metavar="SECONDS", help="an extra worker answers queries when all others are busy, each within SECONDS (default 1; 0 turns it off)")
    parser.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN", help="allow cross-origin requests from ORIGIN (repeatable; default: CORS off)")
    parser.add_argument("--engine", choices=("rdflib", "oxigraph"), default="oxigraph", help="rule engine used to derive each case's results at start-up (default oxigraph: identical results to rdflib, much faster start-up)")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD", help="assess every case at this date (default: each case's glr:asOf, else today)")
    parser.add_argument("--kb", metavar="DIR", action="append", type=Path, help="guideline module directory to use instead of the bundled ones (repeatable)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import EXIT_INPUT, UsageError
    from ._common import knowledge_base_from_args

    try:
        from ..server import ServerSettings, build_dataset, serve_forever
    except ImportError as exc:
        raise UsageError(str(exc)) from None

    for path in args.paths:
        if not path.exists():
            raise UsageError(f"no such file or directory: {path}")
    kb = knowledge_base_from_args(args)
    dataset = build_dataset(args.paths, kb=kb, engine=args.engine, as_of=args.as_of)
    for skipped in dataset.skipped:
        sys.stderr.write(f"glr serve: skipped {skipped.source}: {skipped.reason}\n")
    if args.paths and not dataset.cases:
        sys.stderr.write("glr serve: none of the given cases could be served.\n")
        return EXIT_INPUT
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        sys.stderr.write(f"glr serve: warning: binding {args.host} makes the endpoint reachable from other hosts.\n")
    settings = ServerSettings(
        timeout=args.timeout,
        max_results=args.max_results,
        workers=args.workers,
        cors_origins=tuple(args.cors_origin),
        quick_lane_seconds=max(0.0, args.quick_lane),
    )
    host = f"[{args.host}]" if ":" in args.host else args.host
    sys.stderr.write(
        f"glr serve: {len(dataset.cases)} case(s), {sum(dataset.graph_sizes.values())} triples in "
        f"{len(dataset.graph_sizes)} graphs.\n"
        f"glr serve: SPARQL endpoint http://{host}:{args.port}/sparql — query page http://{host}:{args.port}/\n"
    )
    sys.stderr.flush()
    serve_forever(dataset, settings, host=args.host, port=args.port)
    return 0
