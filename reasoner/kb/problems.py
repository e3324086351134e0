"""A knowledge-base finding and its severity: the one report type every ontology and kb check returns.

Why one type: ``glr check`` prints, counts and serialises findings from
the lints, the DL reasoner, the profile check and the pack checks alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["Severity", "Problem"]


class Severity(str, Enum):
    """How bad a problem is: errors fail ``glr check``, warnings are shown only."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One finding of a check, naming the culprit (a term IRI, a file, a rule id)."""

    check: str
    message: str
    subject: str | None = None
    source: str | None = None
    severity: Severity = Severity.ERROR

    def to_dict(self) -> dict[str, str | None]:
        return {
            "check": self.check,
            "severity": self.severity.value,
            "subject": self.subject,
            "source": self.source,
            "message": self.message,
        }

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        return f"[{self.check}] {where}{self.message}"
