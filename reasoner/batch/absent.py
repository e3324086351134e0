"""Ask ``FILTER NOT EXISTS { B }`` as ``MINUS { B }`` at the end of its group, where that is exact.

Why: pyoxigraph 0.5 never reorders the joins inside an EXISTS: each pattern
of B is matched on its own (with the row's bindings) and the matches are
joined in written order by comparing every pair, for every row (issue 17,
tenth pass: ``cauda-equina-symptoms`` spent 0.16 ms per case there). A
MINUS is planned like the rest of the query: B is answered once for the
whole store, joins reordered, and each row is looked up in it by its
shared variables (0.03 ms per case). The rule files keep the form their
authors wrote; only the many-case queries a store asks change
(:func:`absent_form`; multicase.py keeps both and asks this one).

Why the answers are the same. Let G be the group holding the filter and Ω
the solutions of its other elements (a FILTER applies to all of them,
wherever it is written, and so does a MINUS written last). NOT EXISTS
removes μ ∈ Ω when B, with μ's values put in for its variables, has a
solution; MINUS removes μ when some solution μ' of B on its own is
compatible with μ and shares a variable with it. These agree when:

* G is evaluated on its own — a WHERE, sub-select, UNION branch, GRAPH,
  MINUS or plain group — not an OPTIONAL's group (its filters are the
  LeftJoin's condition) and not inside an EXISTS (then G is read with an
  outer row's values);
* B holds only triple patterns (``+`` paths included), VALUES, UNIONs and
  groups of those, and FILTERs at its top level: no OPTIONAL, MINUS, BIND,
  GRAPH, SERVICE, sub-select, or FILTER deeper down;
* every variable a FILTER of B reads (nested EXISTS included) is bound by
  B's own top-level triple patterns, or occurs nowhere outside B: then the
  filter sees the same value either way (compatibility makes B's value
  μ's);
* B has no path that may have length zero (``*``, ``?``): from a value put
  in, such a path answers the value itself even where it is no node of the
  graph; on its own it answers graph nodes only; and no blank node label;
* some variable is bound by a top-level triple pattern of both B and G, so
  every pair of rows shares it (MINUS ignores rows that share nothing).

Anything else is left as written. tests/test_batch_absent.py compares the
solutions of both forms of every bundled rule on stores of synthetic cases
and pins each refusal.
"""

from __future__ import annotations

from .plannable import checked
from .rewrite import _closing, _Refused, _significant, _Token

__all__ = ["absent_form"]

#: words that may open or appear in B's patterns (VALUES data, ``a``, booleans, UNDEF)
_PATTERN_WORDS = {"A", "VALUES", "UNION", "UNDEF", "TRUE", "FALSE"}
#: openers of a group whose FILTERs are not the group's own (see the module docstring)
_NOT_ON_ITS_OWN = {"OPTIONAL", "EXISTS", "SERVICE"}


def absent_form(text: str) -> str:
    """``text`` with every FILTER NOT EXISTS that the conditions above allow asked as MINUS;
    ``text`` itself when there is none (or the text cannot be read, or the result does not parse)."""
    return checked(text, _rewrite)


def _rewrite(text: str, tokens: list[_Token]) -> str:
    opener = _openers(tokens)
    edits: dict[int, tuple[int, str]] = {}  # first token -> (last token + 1, text in their place)
    inserts: dict[int, list[str]] = {}
    for i, token in enumerate(tokens):
        if token.word != "FILTER":
            continue
        found = _not_exists(tokens, i)
        if found is None:
            continue
        body_open, body_close, end = found
        group = _enclosing(tokens, i)
        if group is None or not _on_its_own(group, opener) or not _plain_body(tokens, body_open, body_close):
            continue
        if not _minus_equivalent(tokens, group, body_open, body_close):
            continue
        body = "".join(t.text for t in tokens[body_open + 1 : body_close])
        edits[i] = (end + 1, "FILTER(true)")  # a filter still stands there: the dots around it stay valid
        inserts.setdefault(_closing(tokens, group), []).append(f" MINUS {{{body}\n }}\n")
    if not edits:
        return text
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if i in inserts:
            out.extend(inserts[i])
        if i in edits:
            i, replacement = edits[i]
            out.append(replacement)
            continue
        out.append(tokens[i].text)
        i += 1
    return "".join(out)


def _minus_equivalent(tokens: list[_Token], group: int, body_open: int, body_close: int) -> bool:
    """The variable conditions under which ``MINUS {B}`` at the end of the group removes exactly the
    rows ``FILTER NOT EXISTS {B}`` removes (module docstring)."""
    in_body = _certain_before(tokens, body_open + 1, body_close)
    if not in_body & _certain_before(tokens, group + 1, _closing(tokens, group)):
        return False  # no variable both always bind: MINUS would remove nothing
    outside = {t.text[1:] for k, t in enumerate(tokens) if t.kind == "var" and not body_open < k < body_close}
    depth = 0
    i = body_open + 1
    while i < body_close:
        t = tokens[i]
        if t.kind == "other" and t.text == "{":
            depth += 1
        elif t.kind == "other" and t.text == "}":
            depth -= 1
        elif depth == 0 and t.word == "FILTER":
            stop = _after_constraint(tokens, i)
            for v in (x.text[1:] for x in tokens[i:stop] if x.kind == "var"):
                if v not in in_body and v in outside:
                    return False  # the filter reads a row's value that B alone does not bind
            i = stop
            continue
        i += 1
    return True


def _certain_before(tokens: list[_Token], start: int, stop: int) -> set[str]:
    """Variables of the triple patterns at the top level of a group, between tokens ``start`` and
    ``stop``: bound in every solution (not those of FILTER, BIND, VALUES, GRAPH names, OPTIONAL,
    MINUS or nested groups, which may leave them unbound; nothing after a SERVICE)."""
    certain: set[str] = set()
    depth = 0
    i = start
    while i < stop:
        t = tokens[i]
        if t.kind == "other" and t.text in "{(":
            depth += 1
        elif t.kind == "other" and t.text in "})":
            depth -= 1
        elif depth == 0 and t.word == "SERVICE":
            return certain
        elif depth == 0 and t.word in _ELEMENTS:
            i = _after_element(tokens, i, stop)
            continue
        elif depth == 0 and t.kind == "var":
            certain.add(t.text[1:])
        i += 1
    return certain


#: group elements whose variables may be left unbound (skipped by _certain_before)
_ELEMENTS = {"FILTER", "BIND", "VALUES", "GRAPH", "OPTIONAL", "MINUS"}


def _after_element(tokens: list[_Token], i: int, stop: int) -> int:
    """The index just after the element the keyword at ``i`` opens."""
    if tokens[i].word == "FILTER":
        return _after_constraint(tokens, i)
    j = i + 1
    while j < stop and not (tokens[j].kind == "other" and tokens[j].text in "{("):
        j += 1  # GRAPH ?g, VALUES ?x, OPTIONAL: up to the block
    if j >= stop:
        return stop
    if tokens[j].text == "{":
        return _closing(tokens, j) + 1
    after = _closing(tokens, j) + 1
    if tokens[i].word == "VALUES":  # VALUES (?a ?b) { ... }
        return _closing(tokens, _significant(tokens, after)) + 1
    return after


def _openers(tokens: list[_Token]) -> dict[int, tuple[str, int | None]]:
    """Per ``{`` token: the word before it (``""`` if none: a plain group) and its parent ``{``."""
    opener: dict[int, tuple[str, int | None]] = {}
    stack: list[int] = []
    previous = ""
    for i, token in enumerate(tokens):
        if token.kind in ("ws", "comment"):
            continue
        if token.kind == "other" and token.text == "{":
            opener[i] = (previous, stack[-1] if stack else None)
            stack.append(i)
        elif token.kind == "other" and token.text == "}":
            if not stack:
                raise _Refused("unbalanced braces")
            stack.pop()
        previous = token.word
    if stack:
        raise _Refused("unbalanced braces")
    return opener


def _enclosing(tokens: list[_Token], index: int) -> int | None:
    """The ``{`` of the innermost group holding the token at ``index``."""
    depth = 0
    for i in range(index - 1, -1, -1):
        t = tokens[i]
        if t.kind != "other":
            continue
        if t.text == "}":
            depth += 1
        elif t.text == "{":
            if depth == 0:
                return i
            depth -= 1
    return None


def _on_its_own(group: int, opener: dict[int, tuple[str, int | None]]) -> bool:
    """True when the group at ``group`` is evaluated on its own: not an OPTIONAL's group, and
    neither it nor a group around it is an EXISTS body (or a SERVICE's)."""
    word, parent = opener[group]
    if word in _NOT_ON_ITS_OWN:
        return False
    while parent is not None:
        word, parent_of_parent = opener[parent]
        if word in ("EXISTS", "SERVICE"):
            return False
        parent = parent_of_parent
    return True


def _not_exists(tokens: list[_Token], filter_index: int) -> tuple[int, int, int] | None:
    """For ``FILTER NOT EXISTS {B}`` or ``FILTER(NOT EXISTS {B})`` at ``filter_index``: the
    indices of B's braces and of the filter's last token; None for any other filter."""
    i = _significant(tokens, filter_index + 1)
    paren = i < len(tokens) and tokens[i].text == "(" and tokens[i].kind == "other"
    if paren:
        i = _significant(tokens, i + 1)
    if i >= len(tokens) or tokens[i].word != "NOT":
        return None
    i = _significant(tokens, i + 1)
    if i >= len(tokens) or tokens[i].word != "EXISTS":
        return None
    i = _significant(tokens, i + 1)
    if i >= len(tokens) or tokens[i].text != "{":
        return None
    close = _closing(tokens, i)
    end = close
    if paren:
        end = _significant(tokens, close + 1)
        if end >= len(tokens) or tokens[end].text != ")":
            return None
    return i, close, end


def _plain_body(tokens: list[_Token], body_open: int, body_close: int) -> bool:
    """B's conditions (module docstring): patterns, VALUES and UNIONs, FILTERs at its top level only."""
    depth = 0
    i = body_open + 1
    while i < body_close:
        t = tokens[i]
        if t.kind in ("ws", "comment", "var", "iri", "pname", "string", "number"):
            i += 1
            continue
        if t.kind == "bnode":
            return False
        if t.kind == "word":
            if t.word == "FILTER":
                if depth != 0:
                    return False
                i = _after_constraint(tokens, i)
                continue
            if t.word not in _PATTERN_WORDS:
                return False
            i += 1
            continue
        if t.text in ("*", "?"):
            return False  # a path that may have length zero
        if t.text == "{":
            depth += 1
        elif t.text == "}":
            depth -= 1
        elif t.text == "(":
            # a VALUES row or a path group: skip to its close, refusing what a path may not hold
            close = _closing(tokens, i)
            if any(x.text in ("*", "?") and x.kind == "other" for x in tokens[i:close]):
                return False
            i = close + 1
            continue
        i += 1
    return depth == 0


def _after_constraint(tokens: list[_Token], filter_index: int) -> int:
    """The index just after the constraint of the FILTER at ``filter_index``."""
    i = _significant(tokens, filter_index + 1)
    if tokens[i].text == "(":
        return _closing(tokens, i) + 1
    if tokens[i].word == "NOT":
        i = _significant(tokens, i + 1)
    if tokens[i].word == "EXISTS":
        i = _significant(tokens, i + 1)
        return _closing(tokens, i) + 1
    # a function call: name(...)
    i = _significant(tokens, i + 1)
    if tokens[i].text != "(":
        raise _Refused("a FILTER whose constraint could not be read")
    return _closing(tokens, i) + 1
