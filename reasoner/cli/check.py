"""`glr check`: the ontology checks and the knowledge-base quality gate, one report.

Exit codes: 0 every check passed (warnings allowed), 1 a check found an
error, 2 bad usage (e.g. --kb names no directory).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help="check the ontology (OWL 2 DL, HermiT, docs) and the knowledge base (SHACL, rules, terms)",
        description=(
            "Run the ontology checks (OWL 2 DL profile, HermiT consistency and unsatisfiable classes, "
            "labels and definitions, glr.owl in sync, Protégé catalog) and the knowledge-base gate "
            "(shapes/kb SHACL shapes, query files exist and parse, terms used are defined, ids unique). "
            "Exit 0 when no error is found, 1 otherwise."
        ),
    )
    parser.add_argument(
        "--kb",
        metavar="DIR",
        type=Path,
        help="knowledge base to check: a root holding ontology/, shapes/ and queries/, a queries/ directory, "
        "or one module directory (default: the bundled knowledge base)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--no-reasoner", action="store_true", help="skip HermiT (needs java)")
    parser.add_argument("--no-profile", action="store_true", help="skip the OWL API OWL 2 DL profile check")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import UsageError
    from ..kb.check import check_knowledge_base

    if args.kb is not None and not Path(args.kb).is_dir():
        raise UsageError(f"--kb {args.kb}: no such directory.")
    report = check_knowledge_base(args.kb, reason=not args.no_reasoner, profile=not args.no_profile)
    if args.format == "json":
        sys.stdout.write(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(report.to_text() + "\n")
    return 0 if report.ok else 1
