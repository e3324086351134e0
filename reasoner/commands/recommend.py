"""`glr recommend CASE`: validated, explained recommendations."""

from __future__ import annotations

import argparse
import sys

from ..render.sanitize import clean_output, escape_in_rdf_text
from ._common import add_case_options, knowledge_base_from_args

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("recommend", help="derive and explain the next steps for a case")
    add_case_options(parser, case_required=False)
    parser.add_argument("--format", choices=("markdown", "json", "turtle", "jsonld"), default="markdown")
    parser.add_argument("--engine", choices=("rdflib", "oxigraph"), default="rdflib", help="rule engine (results are identical; oxigraph is faster)")
    from ..remote import add_remote_arguments

    add_remote_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import UsageError
    from ..pipeline import recommend
    from ..render import render

    if args.endpoint:
        if args.case:
            raise UsageError("give either a case file or --endpoint, not both.")
        from ..remote import run_remote

        return run_remote(args)
    if not args.case:
        raise UsageError("give a case file, or --endpoint URL with --graph IRI or --case-iri IRI.")
    kb = knowledge_base_from_args(args)
    result = recommend(args.case, kb=kb, as_of=args.as_of, engine=args.engine, max_bytes=args.max_bytes)
    if not result.validation.conforms:
        if args.format == "json":
            sys.stdout.write(render(result, "json"))
        sys.stderr.write(
            f"glr: the case {result.source or ''} does not conform to the case shapes; no recommendations were derived.\n"
        )
        sys.stderr.write(clean_output(result.validation.to_text()))  # case text: escape control characters
        return 1
    text = render(result, args.format)
    # JSON escapes control characters itself, Markdown is escaped by its renderer; Turtle needs it here
    sys.stdout.write(escape_in_rdf_text(text) if args.format == "turtle" else text)
    return 0
