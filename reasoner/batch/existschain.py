"""Ask each EXISTS body as a chain of one-pattern EXISTS, most bound pattern first.

Why: pyoxigraph 0.5 never reorders the joins inside an EXISTS. Each pattern
of the body is matched on its own, with only the row's values put in, and
the matches are joined in written order by comparing every pair, for every
row (issue 17, tenth pass: ``?ue a ?ueClass`` lists every type triple of
the case graph). Nested, each pattern is asked with the values of the
patterns around it already put in — an index look-up:

    EXISTS { ?p :has ?f . ?f :status :Absent . ?f a ?c . VALUES ?c { … } FILTER(…) }
    EXISTS { ?p :has ?f FILTER EXISTS { ?f :status :Absent FILTER EXISTS {
             ?f a ?c FILTER EXISTS { VALUES ?c { … } FILTER(…) } } } }

``upper-extremity-symptoms`` went from 0.12 to 0.03 ms per case. The rule
files keep the form their authors wrote; only the many-case queries a
store asks change (multicase.py keeps both and asks this one).

Why the answers are the same: a body of triple patterns, VALUES blocks,
UNIONs of such groups and FILTERs is the join of those elements, filtered;
it has a solution with the row's values put in exactly when the first
element has one with which (its values put in too) the rest has one, and
so on down; the filters, innermost, see every value, as they saw the whole
join's. The order of a join does not change its solutions, so the order is
free (the most bound element first). A body is left as written when it
holds anything else — OPTIONAL, MINUS, BIND, GRAPH, SERVICE, a sub-select,
a FILTER inside a nested group, a blank node (its scope is the whole basic
graph pattern), or a path that may have length zero (asked from a value put
in it answers that value even where it is no node of the graph; joined, it
answers graph nodes only). tests/test_batch_existschain.py compares both
forms of every bundled rule on stores of synthetic cases and pins each
refusal.
"""

from __future__ import annotations

from dataclasses import dataclass

from .absent import _after_constraint
from .plannable import checked
from .rewrite import _closing, _significant, _Token

__all__ = ["chain_form"]

_TERM_KINDS = {"var", "iri", "pname"}
_PATH_SIGNS = {"/", "|", "^", "+", "(", ")", "!"}
_GROUP_WORDS = {"VALUES", "UNION", "UNDEF", "A", "TRUE", "FALSE"}


@dataclass
class _Element:
    text: str
    variables: frozenset[str]
    kind: str  # "triple", "values", "group"
    subject: str = ""  # for a triple: its subject token
    obj: str = ""  # for a triple: its object's first token


def chain_form(text: str) -> str:
    """``text`` with every EXISTS body the conditions above allow asked as a chain; ``text`` itself
    when none is (or the text cannot be read, or the result does not parse)."""
    return checked(text, lambda whole, tokens: _transform(tokens, 0, len(tokens), whole))


def _transform(tokens: list[_Token], lo: int, hi: int, whole: str) -> str:
    """The text of tokens[lo:hi] with every EXISTS body in it chained where allowed."""
    out: list[str] = []
    i = lo
    while i < hi:
        t = tokens[i]
        if t.word == "EXISTS":
            j = _significant(tokens, i + 1)
            if j < hi and tokens[j].kind == "other" and tokens[j].text == "{":
                close = _closing(tokens, j)
                out.append("".join(x.text for x in tokens[i:j]))
                chained = _chain(tokens, j, close, whole)
                out.append("{" + (chained if chained is not None else _transform(tokens, j + 1, close, whole)) + "}")
                i = close + 1
                continue
        out.append(t.text)
        i += 1
    return "".join(out)


def _chain(tokens: list[_Token], body_open: int, body_close: int, whole: str) -> str | None:
    """The chained text of the body between these braces, or None to leave it as written."""
    elements: list[_Element] = []
    filters: list[tuple[str, frozenset[str]]] = []  # (text, the variables it reads)
    i = _significant(tokens, body_open + 1)
    while i < body_close:
        t = tokens[i]
        if t.kind == "other" and t.text == ".":
            i = _significant(tokens, i + 1)
            continue
        if t.word == "FILTER":
            stop = _after_constraint(tokens, i)
            filters.append((_transform(tokens, i, stop, whole), _variables(tokens, i, stop)))
            i = _significant(tokens, stop)
            continue
        if t.word == "VALUES":
            stop = _after_values(tokens, i)
            elements.append(_Element(_text(tokens, i, stop), _variables(tokens, i, stop), "values"))
            i = _significant(tokens, stop)
            continue
        if t.kind == "other" and t.text == "{":
            stop = _after_union(tokens, i)
            if stop is None:
                return None
            elements.append(_Element(_text(tokens, i, stop), _variables(tokens, i, stop), "group"))
            i = _significant(tokens, stop)
            continue
        if t.kind in _TERM_KINDS:
            found = _triples(tokens, i, body_close)
            if found is None:
                return None
            triples, i = found
            elements.extend(triples)
            continue
        return None  # OPTIONAL, MINUS, BIND, GRAPH, SERVICE, a sub-select, a blank node, ...
    if len(elements) < 2:
        return None
    outside = {t.text[1:] for k, t in enumerate(tokens) if t.kind == "var" and not body_open < k < body_close}
    levels = _levels(_order(elements, {v for e in elements for v in e.variables} & outside), outside)
    if len(levels) < 2:
        return None
    # each filter at the first level after which every body variable it reads has its value
    body = {v for e in elements for v in e.variables}
    placed: list[list[str]] = [[] for _ in levels]
    for text, reads in filters:
        needed = reads & body
        bound: set[str] = set()
        for index, level in enumerate(levels):
            bound |= {v for e in level for v in e.variables}
            if needed <= bound:
                placed[index].append(text)
                break
    text = ""
    for level, level_filters in reversed(list(zip(levels, placed))):
        inner = f" FILTER EXISTS {{ {text} }}" if text else ""
        text = " ".join(e.text for e in level) + " " + " ".join(level_filters) + inner
    return f" {text} "


def _levels(ordered: list[_Element], outside: set[str]) -> list[list[_Element]]:
    """The chain's levels: an element whose variables all have values when its level is asked
    (a check) joins that level; any other starts the next one."""
    levels: list[list[_Element]] = []
    given: set[str] = set()  # the values a level is asked with
    bound = {v for e in ordered for v in e.variables} & outside
    for element in ordered:
        if levels and element.variables <= given:
            levels[-1].append(element)
        else:
            given = set(bound)
            levels.append([element])
        bound |= element.variables
    return levels


def _order(elements: list[_Element], bound: set[str]) -> list[_Element]:
    """The elements, each next one the best bound by the values before it (ties: written order)."""
    left = list(elements)
    bound = set(bound)
    ordered: list[_Element] = []
    while left:
        best = max(left, key=lambda e: (_score(e, bound), -left.index(e)))
        left.remove(best)
        ordered.append(best)
        bound |= best.variables
    return ordered


def _score(element: _Element, bound: set[str]) -> float:
    if element.kind == "triple":
        subject_known = not element.subject.startswith(("?", "$")) or element.subject[1:] in bound
        object_known = element.obj != "" and (not element.obj.startswith(("?", "$")) or element.obj[1:] in bound)
        return 3.0 * subject_known + 2.0 * object_known
    if element.variables <= bound:
        return 4.0  # a check of values already known
    return 1.5 if element.variables & bound else 0.5


def _triples(tokens: list[_Token], start: int, stop: int) -> tuple[list[_Element], int] | None:
    """The triple patterns of the block at ``start`` (``;`` and ``,`` written out), and the index
    after it; None for what this reader does not know (then the body is left as written)."""
    subject = tokens[start].text
    out: list[_Element] = []
    i = _significant(tokens, start + 1)
    while True:
        verb_start = i
        i = _path_end(tokens, i, stop)
        if i is None or i == verb_start:
            return None
        verb = _text(tokens, verb_start, i)
        if any(t.kind == "other" and t.text in ("*", "?") for t in tokens[verb_start:i]):
            return None  # a path that may have length zero
        while True:
            i = _significant(tokens, i)
            object_start = i
            i = _object_end(tokens, i, stop)
            if i is None:
                return None
            obj = _text(tokens, object_start, i)
            variables = frozenset(t.text[1:] for t in tokens[verb_start:i] if t.kind == "var") | (
                {subject[1:]} if tokens[start].kind == "var" else set()
            )
            out.append(_Element(f"{subject} {verb} {obj} .", frozenset(variables), "triple", subject, tokens[object_start].text))
            i = _significant(tokens, i)
            if i < stop and tokens[i].text == ",":
                i = _significant(tokens, i + 1)
                continue
            break
        if i < stop and tokens[i].text == ";":
            i = _significant(tokens, i + 1)
            while i < stop and tokens[i].text == ";":
                i = _significant(tokens, i + 1)
            if i < stop and tokens[i].text in (".", "}") or tokens[i].word in ("FILTER", "VALUES"):
                return out, i
            continue
        return out, i


def _path_end(tokens: list[_Token], i: int, stop: int) -> int | None:
    """The index after the verb (a predicate or property path) starting at ``i``."""
    depth = 0
    seen_primary = False
    while i < stop:
        t = tokens[i]
        if t.kind in ("ws", "comment"):
            i += 1
            continue
        if t.kind == "other" and t.text in _PATH_SIGNS | {"*", "?"}:
            if t.text == "(":
                depth += 1
            elif t.text == ")":
                depth -= 1
            seen_primary = seen_primary and t.text not in ("/", "|", "^", "(", "!")
            i += 1
            continue
        if t.kind in ("iri", "pname") or t.word == "A" or (t.kind == "var" and not seen_primary):
            if seen_primary and depth == 0:
                return i  # the object
            seen_primary = True
            i += 1
            continue
        if depth == 0 and seen_primary:
            return i
        return None
    return None


def _object_end(tokens: list[_Token], i: int, stop: int) -> int | None:
    """The index after the object term at ``i`` (a variable, IRI, literal or number)."""
    if i >= stop:
        return None
    t = tokens[i]
    if t.kind in _TERM_KINDS or t.kind == "number" or t.word in ("TRUE", "FALSE"):
        return i + 1
    if t.kind == "other" and t.text in "+-" and i + 1 < stop and tokens[i + 1].kind == "number":
        return i + 2
    if t.kind == "string":
        j = i + 1
        if j < stop and tokens[j].text == "@" and j + 1 < stop and tokens[j + 1].kind == "word":
            j += 2
            while j + 1 < stop and tokens[j].text == "-" and tokens[j + 1].kind in ("word", "number"):
                j += 2
            return j
        if j + 2 < stop and tokens[j].text == "^" and tokens[j + 1].text == "^" and tokens[j + 2].kind in ("iri", "pname"):
            return j + 3
        return j
    return None


def _after_values(tokens: list[_Token], i: int) -> int:
    j = _significant(tokens, i + 1)
    if tokens[j].text == "(":
        j = _significant(tokens, _closing(tokens, j) + 1)
    else:
        j = _significant(tokens, j + 1)
    return _closing(tokens, j) + 1


def _after_union(tokens: list[_Token], i: int) -> int | None:
    """The index after ``{…} UNION {…} …`` at ``i``, when every group holds only patterns and VALUES."""
    while True:
        close = _closing(tokens, i)
        for t in tokens[i + 1 : close]:
            if t.kind == "bnode" or (t.kind == "word" and t.word not in _GROUP_WORDS):
                return None
            if t.kind == "other" and t.text in ("*", "?", "["):
                return None
        j = _significant(tokens, close + 1)
        if j < len(tokens) and tokens[j].word == "UNION":
            i = _significant(tokens, j + 1)
            continue
        return close + 1


def _text(tokens: list[_Token], lo: int, hi: int) -> str:
    return "".join(t.text for t in tokens[lo:hi] if t.kind != "comment").strip()


def _variables(tokens: list[_Token], lo: int, hi: int) -> frozenset[str]:
    return frozenset(t.text[1:] for t in tokens[lo:hi] if t.kind == "var")
