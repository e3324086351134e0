"""Make text from case graphs safe to show: control characters escaped, each value bounded.

Why: labels and IRIs come from the case file. A NUL or an ANSI escape
sequence (``ESC[2J`` clears the screen, ``ESC]8;;`` forges a link) reaches
the clinician's terminal raw unless escaped; a newline inside a label can
fake a heading or a whole recommendation in Markdown; a bidirectional
override can make a line read differently from what it says; and one huge
value swamps the plan. Escaping is visible (``\\x1b``), never silent removal,
so what the case says stays checkable.

Two entry points, and one decorator that applies both to a renderer::

    @sanitized_output
    def render_markdown(result) -> str: ...

* :func:`clean_value` — one value from the data: every control character
  (newlines too) escaped, bidi controls escaped, cut at ``MAX_VALUE_CHARS``.
* :func:`clean_output` — text already laid out: control characters escaped
  except newline and tab, which are the layout.
* :func:`escape_in_rdf_text` — Turtle / N-Triples output: control characters
  written as ``\\uXXXX`` escapes, which keep the data exactly as it was.
* :func:`clean_values` — a result object (nested frozen dataclasses, tuples,
  dicts) with every string field passed through :func:`clean_value`.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["MAX_VALUE_CHARS", "clean_value", "clean_output", "clean_values", "sanitized_output", "escape_in_rdf_text"]

#: characters of one value shown; the longest label or evidence statement in the bundled knowledge base is under 600
MAX_VALUE_CHARS = 2000

# C0 and C1 control characters and DEL; bidi embeddings, overrides and isolates (the "Trojan Source" set).
_BIDI = "\u202a-\u202e\u2066-\u2069"
_IN_VALUE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
_IN_OUTPUT = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")  # keeps \t (0x09) and \n (0x0a)

T = TypeVar("T")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def clean_value(text: str, *, max_chars: int = MAX_VALUE_CHARS) -> str:
    """One value: control and bidi characters escaped, then cut at ``max_chars`` with a note of what was cut."""
    if len(text) > max_chars:
        text = text[:max_chars] + f"… [{len(text) - max_chars} more characters not shown]"
    return _IN_VALUE.sub(_escape, text)


def clean_output(text: str) -> str:
    """Laid-out text: control and bidi characters escaped; newlines and tabs kept."""
    return _IN_OUTPUT.sub(_escape, text)


def clean_values(obj: T, *, max_chars: int = MAX_VALUE_CHARS) -> T:
    """A copy of ``obj`` with every string inside it cleaned (dataclasses, tuples, lists, dicts).

    Enum members and other ``str`` subclasses are left alone: they are
    vocabulary, not data. Objects with nothing to clean are returned as is.
    """
    if type(obj) is str:
        return clean_value(obj, max_chars=max_chars)  # type: ignore[return-value]
    if isinstance(obj, (tuple, list)):
        items = [clean_values(item, max_chars=max_chars) for item in obj]
        if all(a is b for a, b in zip(items, obj)):
            return obj
        return type(obj)(items) if not hasattr(obj, "_fields") else type(obj)(*items)  # type: ignore[return-value]
    if isinstance(obj, dict):
        cleaned = {key: clean_values(value, max_chars=max_chars) for key, value in obj.items()}
        return obj if all(cleaned[k] is obj[k] for k in obj) else type(obj)(cleaned)  # type: ignore[return-value]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {}
        for f in dataclasses.fields(obj):
            if not f.init:
                continue
            value = getattr(obj, f.name)
            cleaned = clean_values(value, max_chars=max_chars)
            if cleaned is not value:
                changes[f.name] = cleaned
        return dataclasses.replace(obj, **changes) if changes else obj  # type: ignore[return-value]
    return obj


def sanitized_output(render: Callable[..., str]) -> Callable[..., str]:
    """Decorate a renderer ``render(result, ...) -> str``: clean the result's values, then the text it returns."""

    @functools.wraps(render)
    def wrapper(result: Any, *args: Any, **kwargs: Any) -> str:
        return clean_output(render(clean_values(result), *args, **kwargs))

    return wrapper


# In Turtle, a control character can only sit inside a string literal (IRIs holding one are refused
# at load time), where \uXXXX is a valid escape; \t, \n and \r are the layout of long strings.
_IN_RDF_TEXT = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}]")


def escape_in_rdf_text(text: str) -> str:
    """Turtle or N-Triples text with control and bidi characters as ``\\uXXXX`` escapes: same data, safe terminal."""
    return _IN_RDF_TEXT.sub(lambda m: f"\\u{ord(m.group()):04X}", text)
