"""The `glr` command.

Exit codes (a public contract):
  0  success (the case conforms; results printed)
  1  the case does not conform to the shapes (or `glr check` found problems)
  2  unreadable or unsafe input, or bad usage
  3  a rule failed to run (e.g. it exceeded its time limit)

Every failure prints one paragraph to stderr and never a traceback.
Each subcommand lives in reasoner/cli/<name>.py with register()/run().
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from ..errors import EXIT_INPUT, GlrError

__all__ = ["main", "build_parser", "COMMANDS"]

COMMANDS = ("validate", "recommend", "check", "ontology", "serve", "batch", "import", "hooks", "feedback")
#: commands whose module name differs from the command (``import`` is a Python keyword)
_MODULES = {"import": "import_fhir"}


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad usage already; keep its message to one paragraph."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"glr: error: {message}\n")
        raise SystemExit(EXIT_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="glr", description="Knowledge-graph guideline reasoner: validate case graphs and explain what to do next.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"reasoner.cli.{_MODULES.get(name, name)}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except GlrError as exc:
        sys.stderr.write(f"glr: error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("glr: interrupted.\n")
        return 130
    except BrokenPipeError:
        return 0
    except MemoryError:
        sys.stderr.write("glr: error: out of memory while processing the input; try a smaller input.\n")
        return EXIT_INPUT
    except RecursionError:
        sys.stderr.write("glr: error: the input is nested too deeply to process.\n")
        return EXIT_INPUT


if __name__ == "__main__":
    sys.exit(main())
