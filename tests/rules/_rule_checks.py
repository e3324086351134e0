"""Checks shared by the rule test modules."""

from __future__ import annotations

import re

__all__ = ["NOT_PORTABLE"]

#: engine extensions, federation and date arithmetic are not allowed in rules
NOT_PORTABLE = re.compile(
    r"\bSERVICE\b|\bNOW\s*\(|\b(YEAR|MONTH|DAY|HOURS|MINUTES|SECONDS|TIMEZONE|TZ)\s*\(|<java:|jena\.apache\.org|ofn:|afn:",
    re.IGNORECASE,
)
