"""Batch output: the NDJSON records, the combined derivation graph, the summary.

Why a module of its own: ``--resume`` must read back exactly what was
written, and the summary must count the same way whether a run was
resumed or not.

Records are encoded where the case was processed (:class:`EncodedRecord`):
a worker sends its NDJSON line, its N-Quads and the few facts the summary
counts, so the parent only writes them in input order and never pickles,
unpickles or re-encodes a record (about 25 KB of nested JSON per case).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..errors import EXIT_INPUT, EXIT_NONCONFORMANT, EXIT_OK, EXIT_RULE_FAILURE

__all__ = ["BatchSummary", "EncodedRecord", "read_done", "RecordWriter"]

_RULE_FAILURES = {"RuleExecutionError", "QueryTimeout"}
_KINDS = ("recommendations", "not_recommended", "cautions", "information_needs")


def _ids_by_kind(record: dict[str, Any]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The result ids a conforming record names, per kind: what the summary counts."""
    if record.get("status") != "ok":
        return ()
    result = record.get("result") or {}
    return tuple((kind, tuple(str(entry.get("id")) for entry in result.get(kind) or ())) for kind in _KINDS)


@dataclass(frozen=True)
class EncodedRecord:
    """One case's output, encoded by the process that reasoned it: cheap to send, ready to write."""

    line: str  #: the NDJSON line, newline included
    status: str | None
    error_type: str | None
    ids: tuple[tuple[str, tuple[str, ...]], ...] = ()
    nquads: str = ""  #: the case's derivation as N-Quads lines (``--derivations``), or ""

    @classmethod
    def of(cls, record: dict[str, Any], derivation_nt: str | None = None, case_iri: str | None = None) -> EncodedRecord:
        nquads = ""
        if derivation_nt and case_iri:
            graph = f"<{case_iri}>"
            # sorted: a graph has no order, and the file must not depend on the order an
            # engine (or the multi-case path, reasoner/batch/multicase.py) produced triples in
            lines = []
            for line in sorted(derivation_nt.splitlines()):
                line = line.rstrip()
                if line.endswith("."):
                    lines.append(f"{line[:-1].rstrip()} {graph} .\n")
            nquads = "".join(lines)
        return cls(
            line=json.dumps(record, ensure_ascii=False) + "\n",
            status=record.get("status"),
            error_type=record.get("error_type"),
            ids=_ids_by_kind(record),
            nquads=nquads,
        )


@dataclass
class BatchSummary:
    """Counts over every record in the output file (resumed ones included)."""

    cases: int = 0
    conforming: int = 0
    invalid: int = 0
    failed: int = 0
    rule_failures: int = 0
    resumed: int = 0
    seconds: float = 0.0
    processed: int = 0
    workers: int = 1
    executor: str = "local"
    by_kind: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, record: dict[str, Any]) -> None:
        self.count(record.get("status"), record.get("error_type"), _ids_by_kind(record))

    def count(self, status: str | None, error_type: str | None, ids: tuple[tuple[str, tuple[str, ...]], ...]) -> None:
        """One record, by what the summary reads of it (a record's dict or an :class:`EncodedRecord`)."""
        self.cases += 1
        if status == "ok":
            self.conforming += 1
            for kind, names in ids:
                counter = self.by_kind.setdefault(kind, Counter())
                for name in names:
                    counter[name] += 1
        elif status == "invalid":
            self.invalid += 1
        else:
            self.failed += 1
            if error_type in _RULE_FAILURES:
                self.rule_failures += 1

    @property
    def exit_code(self) -> int:
        """3 if a rule failed on some case, else 2 if a case was unreadable, else 1 if one did not conform."""
        if self.rule_failures:
            return EXIT_RULE_FAILURE
        if self.failed:
            return EXIT_INPUT
        if self.invalid:
            return EXIT_NONCONFORMANT
        return EXIT_OK

    @property
    def rate(self) -> float:
        return self.processed / self.seconds if self.seconds > 0 else 0.0

    def to_text(self) -> str:
        rows = [
            ("cases", self.cases),
            ("conforming", self.conforming),
            ("invalid", self.invalid),
            ("failed", self.failed),
        ]
        if self.resumed:
            rows.append(("already done (--resume)", self.resumed))
        width = max(len(r[0]) for r in rows)
        lines = [f"{name:<{width}}  {value:>8}" for name, value in rows]
        lines.append(
            f"processed {self.processed} in {self.seconds:.2f} s ({self.rate:.1f} cases/s, "
            f"{self.workers} worker{'s' if self.workers != 1 else ''}, {self.executor})"
        )
        titles = {
            "recommendations": "recommendations by id",
            "not_recommended": "not recommended by id",
            "cautions": "cautions by id",
            "information_needs": "information needs by id",
        }
        for kind, title in titles.items():
            counter = self.by_kind.get(kind)
            if not counter:
                continue
            lines.append("")
            lines.append(title)
            id_width = max(len(i) for i in counter)
            for ident, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])):
                lines.append(f"  {ident:<{id_width}}  {count:>8}")
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "conforming": self.conforming,
            "invalid": self.invalid,
            "failed": self.failed,
            "resumed": self.resumed,
            "processed": self.processed,
            "seconds": round(self.seconds, 3),
            "cases_per_second": round(self.rate, 1),
            "by_id": {kind: dict(sorted(c.items())) for kind, c in self.by_kind.items()},
        }


def read_done(out: Path, summary: BatchSummary) -> set[str]:
    """Sources already in ``out``; cuts off a last line left half-written by a killed run."""
    done: set[str] = set()
    if not out.exists():
        return done
    good_end = 0
    with out.open("rb") as handle:
        for line in handle:
            if not line.endswith(b"\n"):
                break
            try:
                record = json.loads(line)
                source = record["case_source"]
            except (ValueError, KeyError, TypeError):
                break
            good_end += len(line)
            if source not in done:
                done.add(source)
                summary.add(record)
    if good_end != out.stat().st_size:
        with out.open("r+b") as handle:
            handle.truncate(good_end)
    summary.resumed = len(done)
    return done


class RecordWriter:
    """Appends records (and N-Quads derivations), flushing after every chunk."""

    def __init__(self, out: Path, derivations: Path | None, *, append: bool) -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        self._out: IO[str] = out.open("a" if append else "w", encoding="utf-8")
        self._nq: IO[str] | None = None
        if derivations is not None:
            derivations.parent.mkdir(parents=True, exist_ok=True)
            self._nq = derivations.open("a" if append else "w", encoding="utf-8")

    def write(self, record: EncodedRecord) -> None:
        self._out.write(record.line)
        if self._nq is not None and record.nquads:
            self._nq.write(record.nquads)

    def flush(self) -> None:
        self._out.flush()
        if self._nq is not None:
            self._nq.flush()

    def close(self) -> None:
        self._out.close()
        if self._nq is not None:
            self._nq.close()
