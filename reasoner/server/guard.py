"""Decide whether a SPARQL request may run on the endpoint.

Why: the endpoint evaluates queries with pyoxigraph, which would follow
``SERVICE`` to any host it can reach; updates (``LOAD`` among them) would
change or fetch data. Both are refused before evaluation, on the parsed
query, not on the raw text.

How: rdflib's SPARQL 1.1 parser gives the parse tree; a ``SERVICE`` node
anywhere in it refuses the query. Text that parses as an update is refused
as an update. rdflib's parser rejects a few valid queries that Oxigraph
accepts (it trips over ``OPTIONAL { SERVICE … }`` after a prefixed name,
for example); for text it cannot parse, a lexical scan that skips IRIs,
strings and comments refuses any remaining ``SERVICE`` or update keyword,
and otherwise Oxigraph's own parser has the last word (its message is what
the user sees for a malformed query).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

__all__ = ["Verdict", "Decision", "check_query", "UPDATE_KEYWORDS"]


class Verdict(Enum):
    ALLOW = "allow"  # hand the text to the evaluator
    MALFORMED = "malformed"  # 400: not a query
    UPDATE = "update"  # 403: the endpoint is read-only
    SERVICE = "service"  # 403: federated query refused


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    message: str = ""
    #: the query names its own dataset (FROM / FROM NAMED): it must not be replaced by the union default graph
    declares_dataset: bool = False


UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")

_READ_ONLY = (
    "this endpoint is read-only: SPARQL Update requests (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, "
    "ADD, MOVE, COPY) are refused. Send a SELECT, ASK, CONSTRUCT or DESCRIBE query."
)
_NO_SERVICE = (
    "SERVICE (federated query) is refused by this endpoint: it would make the server contact "
    "another host. Query the data held here, or run the federated query from your own client."
)

# Tokens that can hide keyword-looking text: IRIs, the four string forms, comments.
_SKIP = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"
    r"|#[^\n]*",
    re.DOTALL,
)
_WORD = re.compile(r"(?<![\w:?$])([A-Za-z]+)(?![\w:])")


def _keywords(text: str) -> set[str]:
    """Upper-cased bare words of the query outside IRIs, strings and comments.

    Prefixed names (``ex:LOAD``) and variables (``?load``) are not keywords.
    """
    stripped = _SKIP.sub(" ", text)
    return {m.group(1).upper() for m in _WORD.finditer(stripped)}


def _has_service(node: object) -> bool:
    """Walk rdflib's parse tree (CompValue / ParseResults / lists) for a SERVICE pattern."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            if item.name == "ServiceGraphPattern":
                return True
            stack.extend(item.values())
        elif isinstance(item, (ParseResults, list, tuple)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return False


def _declares_dataset(tree: object) -> bool:
    """True when the query form carries FROM / FROM NAMED (rdflib's datasetClause)."""
    from rdflib.plugins.sparql.parserutils import CompValue

    parts = tree if isinstance(tree, (list, tuple)) or hasattr(tree, "__iter__") else [tree]
    return any(isinstance(part, CompValue) and "datasetClause" in part for part in parts)  # type: ignore[union-attr]


def check_query(text: str) -> Decision:
    """Classify a request body: allowed query, malformed, update, or SERVICE."""
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    if not text.strip():
        return Decision(Verdict.MALFORMED, "the query is empty.")
    try:
        tree = parseQuery(text)
    except Exception:  # pyparsing raises ParseException and others
        try:
            parseUpdate(text)
        except Exception:
            pass
        else:
            return Decision(Verdict.UPDATE, _READ_ONLY)
        words = _keywords(text)
        if "SERVICE" in words:
            return Decision(Verdict.SERVICE, _NO_SERVICE)
        if not ({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"} & words) and words & set(UPDATE_KEYWORDS):
            return Decision(Verdict.UPDATE, _READ_ONLY)
        # rdflib could not parse it; Oxigraph's parser decides (and gives the message).
        return Decision(Verdict.ALLOW, declares_dataset="FROM" in words)
    if _has_service(tree):
        return Decision(Verdict.SERVICE, _NO_SERVICE)
    return Decision(Verdict.ALLOW, declares_dataset=_declares_dataset(tree))
