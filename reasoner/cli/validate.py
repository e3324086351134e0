"""`glr validate CASE`: print the SHACL report; exit 0 if it conforms, 1 if not."""

from __future__ import annotations

import argparse
import json
import sys

from ..pipeline.render.sanitize import clean_output
from ._common import add_case_options, knowledge_base_from_args

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("validate", help="check a case graph against the case shapes")
    add_case_options(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..pipeline.run import validate

    kb = knowledge_base_from_args(args)
    report = validate(args.case, kb=kb, as_of=args.as_of, max_bytes=args.max_bytes)
    if args.format == "json":
        sys.stdout.write(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n")
    else:
        text = clean_output(report.to_text())  # case text: escape control characters
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0 if report.conforms else 1
