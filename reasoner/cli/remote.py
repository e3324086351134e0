"""`glr recommend --endpoint`: the remote-store options and their run (the library is reasoner/remote.py)."""

from __future__ import annotations

import argparse
import sys

from .._runtime.safety import DEFAULT_MAX_BYTES
from ..errors import UsageError
from ..remote import DEFAULT_TIMEOUT, recommend_remote, results_graph_for
from ._common import knowledge_base_from_args

__all__ = ["add_remote_arguments", "run_remote"]


def add_remote_arguments(parser: argparse.ArgumentParser) -> None:
    """The remote-store options of `glr recommend`."""
    group = parser.add_argument_group("remote store (instead of a case file)")
    group.add_argument("--endpoint", metavar="URL", help="SPARQL 1.1 query endpoint holding the case in a named graph")
    group.add_argument("--graph", metavar="IRI", help="the named graph holding the case")
    group.add_argument("--case-iri", metavar="IRI", help="the case's glr:Case IRI (its graph is looked up when --graph is not given)")
    group.add_argument("--update-endpoint", metavar="URL", help="SPARQL 1.1 update endpoint: write the results into a named graph")
    group.add_argument("--results-graph", metavar="IRI", help="graph to write the results to (default <case-iri>/graph/results; replaced on each run)")
    group.add_argument("--rules-in-store", action="store_true", help="evaluate the rules in the store (needs --update-endpoint for scratch graphs, dropped afterwards)")
    group.add_argument("--remote-timeout", type=int, default=DEFAULT_TIMEOUT, metavar="SECONDS", help=f"HTTP timeout for the store (default {DEFAULT_TIMEOUT})")


def run_remote(args: argparse.Namespace) -> int:
    """`glr recommend --endpoint URL (--graph IRI | --case-iri IRI) [--update-endpoint URL]`."""
    from ..pipeline.render import render

    if not (getattr(args, "graph", None) or getattr(args, "case_iri", None)):
        raise UsageError("with --endpoint, give --graph IRI or --case-iri IRI.")
    result = recommend_remote(
        args.endpoint,
        case_iri=getattr(args, "case_iri", None),
        graph_iri=getattr(args, "graph", None),
        kb=knowledge_base_from_args(args),
        update_endpoint=getattr(args, "update_endpoint", None),
        results_graph=getattr(args, "results_graph", None),
        as_of=getattr(args, "as_of", None),
        engine=getattr(args, "engine", "rdflib"),
        rules_in_store=getattr(args, "rules_in_store", False),
        timeout=getattr(args, "remote_timeout", DEFAULT_TIMEOUT),
        max_bytes=getattr(args, "max_bytes", DEFAULT_MAX_BYTES),
    )
    fmt = getattr(args, "format", "markdown")
    if not result.validation.conforms:
        if fmt == "json":
            sys.stdout.write(render(result, "json"))
        sys.stderr.write(f"glr: the case in {result.source} does not conform to the case shapes; no recommendations were derived.\n")
        sys.stderr.write(result.validation.to_text())
        return 1
    sys.stdout.write(render(result, fmt))
    if getattr(args, "update_endpoint", None):
        target = getattr(args, "results_graph", None) or results_graph_for(result.case)
        sys.stderr.write(f"glr: results written to <{target}> at {args.update_endpoint}\n")
    return 0
