"""`glr feedback report --db FILE`: acceptance and override rates per card id."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("feedback", help="report CDS Hooks card outcomes (accepted / overridden)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    report = actions.add_parser("report", help="acceptance and override rates per card id")
    report.add_argument("--db", type=Path, required=True, help="the SQLite file given to `glr hooks --feedback-db`")
    report.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import InputError
    from ..hooks import FeedbackLog

    if not args.db.is_file():
        raise InputError("no such feedback log.", source=str(args.db))
    sys.stdout.write(FeedbackLog(args.db).report())
    return 0
