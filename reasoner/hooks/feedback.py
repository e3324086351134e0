"""Card outcomes in a SQLite log, and the report a team needs against alert fatigue.

Why SQLite: one file, append-only use, readable with any SQL tool, in the
standard library. Issued cards are logged with their result id (catalogue
id) so feedback, which names only the card uuid, can be reported per id.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError

__all__ = ["FeedbackLog", "RateRow"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cards (uuid TEXT PRIMARY KEY, service TEXT NOT NULL, card_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feedback (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, uuid TEXT NOT NULL, service TEXT NOT NULL,
    outcome TEXT NOT NULL, reason_code TEXT, comment TEXT, outcome_timestamp TEXT
);
"""
OUTCOMES = ("accepted", "overridden")


@dataclass(frozen=True)
class RateRow:
    card_id: str
    shown: int
    accepted: int
    overridden: int

    @property
    def acceptance_rate(self) -> float:
        answered = self.accepted + self.overridden
        return self.accepted / answered if answered else 0.0

    @property
    def override_rate(self) -> float:
        answered = self.accepted + self.overridden
        return self.overridden / answered if answered else 0.0


class FeedbackLog:
    """Append-only log of issued cards and their outcomes."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def issued(self, service: str, cards: list[tuple[str, dict[str, Any]]]) -> None:
        with self._lock, self._connect() as db:
            db.executemany("INSERT OR IGNORE INTO cards (uuid, service, card_id) VALUES (?, ?, ?)", [(c["uuid"], service, rid) for rid, c in cards])

    def record(self, service: str, body: Any) -> int:
        """Append the outcomes of a CDS Hooks feedback request; refuse a malformed one whole."""
        items = body.get("feedback") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items:
            raise InputError("feedback body must be {\"feedback\": [ {card, outcome, …} ]}.", source="feedback request")
        rows = []
        for i, item in enumerate(items):
            # the spec's feedback invariants cds-fb-1..3
            if not isinstance(item, dict) or not isinstance(item.get("card"), str) or item.get("outcome") not in OUTCOMES:
                raise InputError(f"feedback[{i}] needs a card uuid and an outcome of {' or '.join(OUTCOMES)} (cds-fb-1).", source="feedback request")
            if item["outcome"] == "accepted" and not item.get("acceptedSuggestions"):
                raise InputError(f"feedback[{i}] is accepted but names no acceptedSuggestions (cds-fb-2).", source="feedback request")
            if "overrideReason" in item and not (isinstance(item["overrideReason"], dict) and (item["overrideReason"].get("reason") or item["overrideReason"].get("userComment"))):
                raise InputError(f"feedback[{i}].overrideReason needs a reason, a userComment, or both (cds-fb-3).", source="feedback request")
            reason = item.get("overrideReason") if isinstance(item.get("overrideReason"), dict) else {}
            code = (reason.get("reason") or {}).get("code") if isinstance(reason.get("reason"), dict) else None
            rows.append((item["card"], service, item["outcome"], code, reason.get("userComment"), item.get("outcomeTimestamp")))
        with self._lock, self._connect() as db:
            db.executemany("INSERT INTO feedback (uuid, service, outcome, reason_code, comment, outcome_timestamp) VALUES (?, ?, ?, ?, ?, ?)", rows)
        return len(rows)

    def rates(self) -> list[RateRow]:
        query = """
            SELECT c.card_id,
                   (SELECT COUNT(*) FROM cards c2 WHERE c2.card_id = c.card_id) AS shown,
                   SUM(f.outcome = 'accepted'), SUM(f.outcome = 'overridden')
            FROM feedback f JOIN cards c ON c.uuid = f.uuid
            GROUP BY c.card_id ORDER BY c.card_id
        """
        with self._connect() as db:
            return [RateRow(card_id=r[0], shown=r[1], accepted=r[2] or 0, overridden=r[3] or 0) for r in db.execute(query)]

    def report(self) -> str:
        rows = self.rates()
        if not rows:
            return "No feedback recorded yet.\n"
        lines = [f"{'card id':<34} {'cards':>6} {'accepted':>9} {'overridden':>11} {'accept %':>9} {'override %':>11}"]
        for r in rows:
            lines.append(f"{r.card_id:<34} {r.shown:>6} {r.accepted:>9} {r.overridden:>11} {100 * r.acceptance_rate:>8.1f}% {100 * r.override_rate:>10.1f}%")
        return "\n".join(lines) + "\n"
