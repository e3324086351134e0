"""Move each BIND written amid a group's patterns to the end of the group, where that is exact.

Why: pyoxigraph 0.5 reorders the joins of a group only at its top: a BIND
written after some patterns makes them one child of the join (``Extend``)
whose own joins are never reordered (fixed on oxigraph's main branch,
commit 7396ddfd "sparopt: properly optimize joins recursively"); they are
then joined in written order by comparing every pair (issue 17, tenth pass:
``caution-persistent-collection`` 0.17 ms per case, 0.07 with its BINDs
last). The rule files keep the form their authors wrote; only the
many-case queries a store asks change (multicase.py keeps both).

Why the answers are the same: a BIND extends each solution of what
precedes it by one value computed from that solution. Joined with the
elements after it first, each solution gets the same value, provided
none of those elements names the BIND's variable and none binds a
variable the expression reads (unless a triple pattern before the BIND
always binds it: then the join keeps its value). BINDs keep their order
among themselves, FILTERs apply to the whole group wherever they are
written, and the groups changed are those evaluated on their own (not an
OPTIONAL's group, not inside an EXISTS: reasoner/batch/absent.py). The
BIND's place is kept by ``FILTER(true)``, so the text around it stays
valid. (Speed only: BINDs holding an EXISTS of more than one triple pattern are
not moved past a UNION or OPTIONAL, which would ask it once per row.) tests/test_batch_bindlast.py pins what moves and what does not;
every bundled rule's forms are compared by tests/test_batch_absent.py.
"""

from __future__ import annotations

from .absent import _after_constraint, _certain_before, _on_its_own, _openers
from .plannable import checked
from .rewrite import _closing, _significant, _Token

__all__ = ["bind_last_form"]

#: words after which a ``{`` opens no group of patterns
_NOT_A_GROUP = {"VALUES"}


def bind_last_form(text: str) -> str:
    """``text`` with every BIND the conditions above allow moved to the end of its group."""
    return checked(text, _rewrite)


def _rewrite(text: str, tokens: list[_Token]) -> str:
    opener = _openers(tokens)
    moved: dict[int, int] = {}  # BIND token -> its closing parenthesis
    appended: dict[int, list[str]] = {}  # group closing brace -> BIND texts, in order
    for group in opener:
        if not _on_its_own(group, opener) or _data_block(tokens, group):
            continue
        close = _closing(tokens, group)
        binds = _top_level_binds(tokens, group, close)
        # the BINDs that move are a suffix of the group's BINDs, so they keep their order among
        # themselves and stay after the ones that do not move (a BIND may read an earlier one's variable)
        first = len(binds)
        while first > 0 and _movable(tokens, group, close, *binds[first - 1]):
            first -= 1
        if first == len(binds) or not _later_element_variables(tokens, binds[first][1] + 1, close):
            continue
        if any(not _cheap_exists(tokens, bind, end) for bind, end in binds[first:]) and _multiplies(tokens, binds[first][1] + 1, close):
            continue  # an EXISTS asked once per row of a UNION or OPTIONAL would cost more than it saves
        for bind, end in binds[first:]:
            moved[bind] = end
            appended.setdefault(close, []).append("".join(t.text for t in tokens[bind : end + 1]))
    if not moved:
        return text
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if i in appended:
            out.append(" " + " ".join(appended[i]) + "\n")
        if i in moved:
            out.append("FILTER(true)")
            i = moved[i] + 1
            continue
        out.append(tokens[i].text)
        i += 1
    return "".join(out)


def _data_block(tokens: list[_Token], brace: int) -> bool:
    """True for the ``{`` of a VALUES block (``VALUES ?x {`` or ``VALUES (?x ?y) {``)."""
    i = brace - 1
    while i >= 0 and tokens[i].kind in ("ws", "comment"):
        i -= 1
    if i >= 0 and tokens[i].text == ")":
        depth = 0
        while i >= 0:
            if tokens[i].text == ")":
                depth += 1
            elif tokens[i].text == "(":
                depth -= 1
                if depth == 0:
                    break
            i -= 1
        i -= 1
        while i >= 0 and tokens[i].kind in ("ws", "comment"):
            i -= 1
        return i >= 0 and tokens[i].word in _NOT_A_GROUP
    if i >= 0 and tokens[i].kind == "var":
        i -= 1
        while i >= 0 and tokens[i].kind in ("ws", "comment"):
            i -= 1
        return i >= 0 and tokens[i].word in _NOT_A_GROUP
    return False


def _top_level_binds(tokens: list[_Token], group: int, close: int) -> list[tuple[int, int]]:
    """(BIND token, its closing parenthesis) for each BIND at the top level of the group."""
    found = []
    depth = 0
    i = group + 1
    while i < close:
        t = tokens[i]
        if t.kind == "other" and t.text in "{(":
            depth += 1
        elif t.kind == "other" and t.text in "})":
            depth -= 1
        elif depth == 0 and t.word == "BIND":
            paren = _significant(tokens, i + 1)
            end = _closing(tokens, paren)
            found.append((i, end))
            i = end + 1
            continue
        i += 1
    return found


def _movable(tokens: list[_Token], group: int, close: int, bind: int, end: int) -> bool:
    """The conditions of the module docstring, for the BIND at ``bind`` (its ``)`` at ``end``)."""
    as_index = max(k for k in range(bind, end) if tokens[k].word == "AS")
    expression = {t.text[1:] for t in tokens[bind:as_index] if t.kind == "var"}
    target = {t.text[1:] for t in tokens[as_index:end] if t.kind == "var"}
    later = _later_element_variables(tokens, end + 1, close)
    if target & later:
        return False
    return expression & later <= _certain_before(tokens, group + 1, bind)


def _cheap_exists(tokens: list[_Token], start: int, stop: int) -> bool:
    """True when every EXISTS between ``start`` and ``stop`` asks one triple pattern (one look-up)."""
    for i in range(start, stop):
        if tokens[i].word == "EXISTS":
            brace = _significant(tokens, i + 1)
            body = tokens[brace + 1 : _closing(tokens, brace)]
            if any(t.kind == "other" and t.text in "{;,[" for t in body) or any(t.word in ("FILTER", "VALUES") for t in body):
                return False
            if sum(1 for t in body if t.kind == "other" and t.text == ".") > 1:
                return False
            if sum(1 for t in body if t.kind in ("var", "iri", "pname", "string", "number") or t.word == "A") > 3:
                return False
    return True


def _multiplies(tokens: list[_Token], start: int, close: int) -> bool:
    """True when a group element after ``start`` may give a row several solutions (a UNION,
    OPTIONAL or nested group), outside FILTER and BIND expressions."""
    i = start
    while i < close:
        t = tokens[i]
        if t.word == "FILTER":
            i = _after_constraint(tokens, i)
            continue
        if t.word == "BIND":
            i = _closing(tokens, _significant(tokens, i + 1)) + 1
            continue
        if t.word in ("UNION", "OPTIONAL") or (t.kind == "other" and t.text == "{"):
            return True
        i += 1
    return False


def _later_element_variables(tokens: list[_Token], start: int, close: int) -> set[str]:
    """Variables named by the group's elements from ``start`` on, other than BINDs and FILTERs
    (a FILTER applies to the whole group wherever it is written)."""
    names: set[str] = set()
    depth = 0
    i = start
    while i < close:
        t = tokens[i]
        if depth == 0 and t.word == "FILTER":
            i = _after_constraint(tokens, i)
            continue
        if depth == 0 and t.word == "BIND":
            i = _closing(tokens, _significant(tokens, i + 1)) + 1
            continue
        if t.kind == "other" and t.text in "{(":
            depth += 1
        elif t.kind == "other" and t.text in "})":
            depth -= 1
        if t.kind == "var":
            names.add(t.text[1:])
        i += 1
    return names
