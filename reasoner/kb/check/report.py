"""What ``glr check`` reports: one :class:`CheckResult` per check, gathered in a :class:`KbReport`.

Why separate: the checks produce these records and the command renders
them (text or JSON); neither needs to know the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..problems import Problem, Severity

__all__ = ["CheckResult", "KbReport", "Problem", "Severity"]


@dataclass
class CheckResult:
    """One named check: what it found and how long it took."""

    name: str
    problems: list[Problem] = field(default_factory=list)
    detail: str = ""
    seconds: float = 0.0
    skipped: str | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    @property
    def status(self) -> str:
        if self.errors:
            return "FAIL"
        if self.skipped is not None:
            return "skip"
        if self.warnings:
            return "warn"
        return "ok"


@dataclass
class KbReport:
    """Everything ``glr check`` found; ``ok`` is False when any error was found."""

    root: Path
    checks: list[CheckResult]

    @property
    def ok(self) -> bool:
        return not any(c.errors for c in self.checks)

    @property
    def problems(self) -> list[Problem]:
        return [p for c in self.checks for p in c.problems]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "root": str(self.root),
            "errors": sum(len(c.errors) for c in self.checks),
            "warnings": sum(len(c.warnings) for c in self.checks),
            "checks": [
                {
                    "name": c.name,
                    "status": c.status,
                    "detail": c.detail,
                    "seconds": round(c.seconds, 3),
                    "skipped": c.skipped,
                    "problems": [p.to_dict() for p in c.problems],
                }
                for c in self.checks
            ],
        }

    def to_text(self) -> str:
        lines = [f"glr check: knowledge base at {self.root}", ""]
        for c in self.checks:
            timing = f"  ({c.seconds:.1f} s)" if c.seconds >= 0.05 else ""
            detail = f" - {c.detail}" if c.detail else ""
            lines.append(f"  {c.status:<4}  {c.name}{detail}{timing}")
            if c.skipped:
                lines.append(f"        skipped: {c.skipped}")
            for p in c.problems:
                lines.append(f"        {p.severity.value}: {p.message}" + (f"  [{p.source}]" if p.source else ""))
        errors = sum(len(c.errors) for c in self.checks)
        warnings = sum(len(c.warnings) for c in self.checks)
        lines.append("")
        verdict = "PASSED" if self.ok else "FAILED"
        lines.append(f"{verdict}: {errors} error(s), {warnings} warning(s) in {len(self.checks)} checks.")
        return "\n".join(lines)
