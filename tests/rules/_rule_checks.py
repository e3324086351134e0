"""Checks shared by the rule test modules."""

from __future__ import annotations

import re

__all__ = ["NOT_PORTABLE", "query_code"]

#: engine extensions, federation and date arithmetic are not allowed in rules
NOT_PORTABLE = re.compile(
    r"\bSERVICE\b|\bNOW\s*\(|\b(YEAR|MONTH|DAY|HOURS|MINUTES|SECONDS|TIMEZONE|TZ)\s*\(|<java:|jena\.apache\.org|ofn:|afn:",
    re.IGNORECASE,
)


def query_code(query: str) -> str:
    """The query without comment lines, trailing `` # `` comments and prefix declarations."""
    return "\n".join(
        "" if line.lstrip().startswith(("#", "PREFIX")) else line.split(" # ", 1)[0] for line in query.splitlines()
    )
