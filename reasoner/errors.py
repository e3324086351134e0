"""Errors the reasoner raises, each carrying what a user needs to act.

Exception tree::

    GlrError                      base; .exit_code says what the CLI exits with
    ├── InputError                unreadable, unsafe or malformed input (exit 2)
    │   ├── UnsafeInputError      refused for safety: entities, remote context, size cap
    │   └── AsOfError             an unusable as-of date
    ├── UsageError                bad command-line usage or API arguments (exit 2)
    ├── KnowledgeBaseError        the knowledge base itself is broken (exit 2)
    └── RuleExecutionError        a rule failed or hit its time limit (exit 3)

A case that parses but does not conform to the shapes is *not* an error:
it is a ValidationReport with conforms == False (exit 1).
"""

from __future__ import annotations

__all__ = [
    "GlrError",
    "InputError",
    "UnsafeInputError",
    "AsOfError",
    "UsageError",
    "KnowledgeBaseError",
    "RuleExecutionError",
    "EXIT_OK",
    "EXIT_NONCONFORMANT",
    "EXIT_INPUT",
    "EXIT_RULE_FAILURE",
]

EXIT_OK = 0
EXIT_NONCONFORMANT = 1
EXIT_INPUT = 2
EXIT_RULE_FAILURE = 3


class GlrError(Exception):
    """Base error; str(error) is the one-paragraph message shown to users."""

    exit_code: int = EXIT_INPUT

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None) -> None:
        self.message = message
        self.source = source
        self.line = line
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.source:
            where = f"{self.source}"
            if self.line is not None:
                where += f", line {self.line}"
            where += ": "
        return f"{where}{self.message}"


class InputError(GlrError):
    """The input could not be read as an RDF case graph."""


class UnsafeInputError(InputError):
    """The input was refused because reading it could be unsafe."""


class AsOfError(InputError):
    """The as-of date is missing, malformed or ambiguous."""


class UsageError(GlrError):
    """Bad usage of the CLI or API."""


class KnowledgeBaseError(GlrError):
    """The knowledge base (ontology, shapes, rules) is broken."""


class RuleExecutionError(GlrError):
    """A rule failed to run or exceeded its time limit."""

    exit_code = EXIT_RULE_FAILURE
