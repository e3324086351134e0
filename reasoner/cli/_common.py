"""Options shared by several subcommands."""

from __future__ import annotations

import argparse
from pathlib import Path

from .._runtime.safety import DEFAULT_MAX_BYTES

__all__ = ["add_case_options", "knowledge_base_from_args"]


def add_case_options(parser: argparse.ArgumentParser, *, case_required: bool = True) -> None:
    if case_required:
        parser.add_argument("case", help="case graph file (.ttl, .jsonld, .nt, .rdf)")
    else:
        parser.add_argument("case", nargs="?", help="case graph file (.ttl, .jsonld, .nt, .rdf); omit with --endpoint")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD", help="assess the case at this date (default: the case's glr:asOf, else today)")
    parser.add_argument("--kb", metavar="DIR", action="append", type=Path, help="guideline module directory to use instead of the bundled ones (repeatable)")
    parser.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, help=f"refuse inputs larger than this (default {DEFAULT_MAX_BYTES})")


def knowledge_base_from_args(args: argparse.Namespace):  # -> KnowledgeBase (imported lazily)
    from ..kb.knowledge import load_knowledge_base
    from ..pipeline.run import default_knowledge_base

    if getattr(args, "kb", None):
        return load_knowledge_base(modules=list(args.kb))
    return default_knowledge_base()
