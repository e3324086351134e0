"""Read knowledge-base-only triple patterns from one shared graph instead of each case's copy.

Why: in a multi-case store every case graph holds its own copy of the
rules' ontology footprint (reasoner/batch/multicase.py), and pyoxigraph
matches a pattern such as ``?k glr:catalogueId ?id`` in every copy: the
per-case cost of such a rule grows with the store (docs/performance.md,
sixth pass: `compounding-harm` 2.85 ms per case in a store of 25 cases,
0.33 ms with its knowledge-base patterns read from one graph).

The rewrite (:func:`kb_graph_form`), on a rule's many-case form:
``S p O`` becomes ``GRAPH <kb> { S p O }`` where every predicate of ``p``
is a predicate of the footprint, ``p`` cannot match a path of length zero,
and S and O are single terms (variables, IRIs, literals: no blank nodes,
which are scoped to their block). A statement ``S p1 O1 ; p2 O2 .`` is
split into one triple per pattern first. Splitting a basic graph pattern
into a join of its parts does not change its solutions; reading the moved
part from the footprint alone does not either **as long as no triple of the
case graph has one of the moved predicates** — the case's own triples and
the triples derived so far. The store checks that before every query
(:meth:`KbGraphForm.applies`) and asks the unmoved form otherwise.

A path that can match with length zero (``rdfs:subClassOf*``) moves too
when one end is an IRI, every IRI end is a node of the footprint and the
other end is a variable: pyoxigraph matches a zero-length path from a
node of the graph it reads, and a footprint node is a node of the shared
graph and of every graph the per-case query reads (the footprint is in
both); the edges are the moved predicates' triples, the same in both under
the condition above. Two variable ends would range over every node of the
graph (a case's nodes too): that stays, unless the group the pattern is
written in also holds a block ``VALUES ?v { … }`` binding one end to
distinct IRIs, each a node of the footprint (``?c rdfs:subClassOf* ?flag .
VALUES ?flag { glr:CaudaEquinaSign … }``). Then the pattern moves with a
copy of that block inside its ``GRAPH <kb>`` block: a group's elements are
joined (an OPTIONAL, MINUS, FILTER or BIND of the group acts row by row on
what the rest gives), so the join of the pattern with the block may be
taken before the rest, and joining again with the same block of distinct
rows changes nothing; inside, the variable ranges over footprint nodes
only, which is the case above. Such blocks pay off once
:mod:`reasoner.batch.kbvalues` answers them at load.

The check (:func:`kb_graph_form`): the rewritten text with the ``GRAPH
<kb>`` wrappers left out must have the algebra of the text it came from
(triples compared as sets), so the only change is those wrappers around
whole triples; anything else, and the rule keeps its unmoved form.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rdflib import URIRef

from ..vocab import RDF
from .rewrite import _Refused, _resolve, _same_algebra, _Token, _tokens

__all__ = ["KB_GRAPH", "KbGraphForm", "kb_graph_form", "shared_graph_block"]

#: The shared knowledge-base graph of a multi-case store. A URN of this package: no case can name it.
KB_GRAPH = "urn:x-glr:batch:knowledge-base-graph"
_KB = URIRef(KB_GRAPH)

_TERM_KINDS = ("var", "iri", "pname", "string", "number")
_PATH_TOKENS = {"/", "|", "^", "*", "+", "?", "(", ")"}


def shared_graph_block(node: Any) -> bool:
    """True for a parsed ``GRAPH <kb> { … }`` block (rdflib's parse tree or algebra): it reads the
    shared graph, which holds the whole footprint, and no case graph."""
    return getattr(node, "name", None) in ("Graph", "GraphGraphPattern") and node.get("term") == _KB


@dataclass(frozen=True)
class KbGraphForm:
    """A rule's many-case form with knowledge-base patterns moved, and the predicates moved."""

    query: str
    predicates: frozenset[str]
    #: whether the query still has a ``GRAPH <kb>`` block (reasoner/batch/kbvalues.py answers them at load)
    reads_shared: bool = True

    def applies(self, used: set[str]) -> bool:
        """True when no case or derived triple of the store has a moved predicate."""
        return self.predicates.isdisjoint(used)


def _prefixes(tokens: list[_Token]) -> dict[str, str]:
    sig = [i for i, t in enumerate(tokens) if t.kind not in ("ws", "comment")]
    prefixes: dict[str, str] = {}
    for n, i in enumerate(sig[:-2]):
        if tokens[i].word == "PREFIX" and tokens[sig[n + 1]].kind == "pname" and tokens[sig[n + 2]].kind == "iri":
            prefixes[tokens[sig[n + 1]].text[:-1]] = tokens[sig[n + 2]].text[1:-1]
    return prefixes


class _Path:
    """A verb (an IRI, ``a`` or a property path) read from tokens: where it ends, its shortest
    length, the predicates it names; ``None`` predicates when it has a negated property set."""

    def __init__(self, tokens: list[_Token], sig: list[int], start: int, prefixes: dict[str, str]) -> None:
        self.tokens, self.sig, self.pos, self.prefixes = tokens, sig, start, prefixes
        self.predicates: set[str] = set()
        self.shortest = self._alternative()

    def _peek(self) -> _Token | None:
        return self.tokens[self.sig[self.pos]] if self.pos < len(self.sig) else None

    def _alternative(self) -> int:
        shortest = self._sequence()
        while (t := self._peek()) is not None and t.text == "|":
            self.pos += 1
            shortest = min(shortest, self._sequence())
        return shortest

    def _sequence(self) -> int:
        total = self._element()
        while (t := self._peek()) is not None and t.text == "/":
            self.pos += 1
            total += self._element()
        return total

    def _element(self) -> int:
        t = self._peek()
        if t is not None and t.text == "^":
            self.pos += 1
            t = self._peek()
        if t is None:
            raise _Refused("a path ends early")
        if t.text == "(":
            self.pos += 1
            length = self._alternative()
            if (close := self._peek()) is None or close.text != ")":
                raise _Refused("a path group is not closed")
            self.pos += 1
        elif t.text == "a":
            self.predicates.add(str(RDF.type))
            self.pos += 1
            length = 1
        elif t.kind in ("iri", "pname") and (iri := _resolve(t, self.prefixes)) is not None:
            self.predicates.add(iri)
            self.pos += 1
            length = 1
        else:
            raise _Refused(f"a verb this rewrite does not read ({t.text!r})")
        modifier = self._peek()
        if modifier is not None and modifier.text in ("*", "?"):
            self.pos += 1
            return 0
        if modifier is not None and modifier.text == "+":
            self.pos += 1
        return length


def _statement(tokens: list[_Token], sig: list[int], n: int, prefixes: dict[str, str]) -> tuple[int, str, list[tuple[str, str, set[str], int]]]:
    """The triples statement whose subject is at ``sig[n]``: the index in ``sig`` of its end
    (the token after it, not included: :func:`_ends_statement`), its subject text, and (verb,
    object, predicates, shortest length) for each pattern."""
    subject = tokens[sig[n]].text
    pairs: list[tuple[str, str, set[str], int]] = []
    i = n + 1
    while True:
        path = _Path(tokens, sig, i, prefixes)
        verb = "".join(tokens[sig[k]].text for k in range(i, path.pos))
        i = path.pos
        while True:
            if i >= len(sig) or tokens[sig[i]].kind not in _TERM_KINDS or tokens[sig[i]].text in _PATH_TOKENS:
                raise _Refused("an object this rewrite does not read")
            pairs.append((verb, tokens[sig[i]].text, path.predicates, path.shortest))
            i += 1
            if i < len(sig) and tokens[sig[i]].text == ",":
                i += 1
                continue
            break
        if i < len(sig) and tokens[sig[i]].text == ";":
            i += 1
            while i < len(sig) and tokens[sig[i]].text == ";":
                i += 1
            if i < len(sig) and _ends_statement(tokens[sig[i]]):
                return i, subject, pairs
            continue
        if i < len(sig) and _ends_statement(tokens[sig[i]]):
            return i, subject, pairs
        raise _Refused("a statement this rewrite does not read")


#: what may follow a triples block that has no final '.': a group's end or another kind of pattern
_AFTER_STATEMENT = {"FILTER", "BIND", "OPTIONAL", "MINUS", "GRAPH", "VALUES", "SERVICE"}


def _ends_statement(token: _Token) -> bool:
    """True for the token after a statement: its '.', the group's '}', or (no '.') a FILTER, BIND,
    OPTIONAL, MINUS, GRAPH, VALUES or SERVICE, or a '{' opening a group."""
    return token.text in (".", "}", "{") or token.word in _AFTER_STATEMENT


def _closes_call(tokens: list[_Token], sig: list[int], k: int) -> bool:
    """True when ``sig[k]`` is the ``)`` closing a ``FILTER(...)`` or ``BIND(...)``: a triples
    statement may start right after it (a ``)`` inside a path or an expression may not)."""
    if tokens[sig[k]].text != ")":
        return False
    depth = 0
    for j in range(k, -1, -1):
        text = tokens[sig[j]].text
        if text == ")":
            depth += 1
        elif text == "(":
            depth -= 1
            if depth == 0:
                return j > 0 and tokens[sig[j - 1]].word in ("FILTER", "BIND")
    return False


def _end(token: _Token, prefixes: dict[str, str]) -> str | None:
    """A pattern end as the zero-length check reads it: ``"?"`` for a variable, the IRI for an
    IRI, None for anything else (a literal, a prefixed name with no prefix)."""
    if token.kind == "var":
        return "?"
    if token.kind in ("iri", "pname"):
        return _resolve(token, prefixes)
    return None


def _object_token(text: str) -> _Token:
    """The one token an object's text is (``_statement`` reads single-token objects only)."""
    return _tokens(text)[0]


def _zero_length_same(subject: str | None, obj: str | None, nodes: frozenset[str]) -> bool:
    """True when a path of length zero between these ends matches the same in the shared graph
    as in a case graph (module docstring): one end an IRI, every IRI end a node of the footprint
    (so a node of every graph the per-case query reads), the other end a variable or such an IRI."""
    if subject is None or obj is None or (subject == "?" and obj == "?"):
        return False
    return all(end == "?" or end in nodes for end in (subject, obj))


def _group_values(tokens: list[_Token], sig: list[int], n: int, prefixes: dict[str, str], nodes: frozenset[str]) -> dict[str, str]:
    """The VALUES blocks of the group holding the statement at ``sig[n]``, written directly in
    it (not in a nested group), that bind one variable to distinct IRIs all nodes of the
    footprint: variable -> the block's text (see :func:`_values_block` for the forms read)."""
    depth = 0
    start = None
    for k in range(n - 1, -1, -1):
        text = tokens[sig[k]].text if tokens[sig[k]].kind == "other" else ""
        if text == "}":
            depth += 1
        elif text == "{":
            if depth == 0:
                start = k
                break
            depth -= 1
    if start is None:
        return {}
    found: dict[str, str] = {}
    depth = 0
    k = start + 1
    while k < len(sig):
        token = tokens[sig[k]]
        if token.kind == "other" and token.text == "{":
            depth += 1
        elif token.kind == "other" and token.text == "}":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and token.word == "VALUES":
            block = _values_block(tokens, sig, k, prefixes, nodes)
            if block is not None:
                found.setdefault(block[0], block[1])
        k += 1
    return found


def _values_block(tokens: list[_Token], sig: list[int], k: int, prefixes: dict[str, str], nodes: frozenset[str]) -> tuple[str, str] | None:
    """(variable, text) for ``VALUES ?v { t ... }`` or ``VALUES (?v) { (t) ... }`` at ``sig[k]``
    whose values are distinct IRIs, each a node of the footprint; None for any other block."""
    words = [tokens[sig[j]] for j in range(k, min(len(sig), k + 4))]
    if len(words) > 3 and words[1].kind == "var":
        variable, body, wrapped = words[1].text, k + 2, False
    elif len(words) > 3 and words[1].text == "(" and words[2].kind == "var" and words[3].text == ")":
        variable, body, wrapped = words[2].text, k + 4, True
    else:
        return None
    if body >= len(sig) or tokens[sig[body]].text != "{":
        return None
    seen: set[str] = set()
    j = body + 1
    while j < len(sig) and tokens[sig[j]].text != "}":
        if wrapped:
            if tokens[sig[j]].text != "(" or j + 2 >= len(sig) or tokens[sig[j + 2]].text != ")":
                return None
            term, j = tokens[sig[j + 1]], j + 3
        else:
            term, j = tokens[sig[j]], j + 1
        iri = _resolve(term, prefixes) if term.kind in ("iri", "pname") else None
        if iri is None or iri not in nodes or iri in seen:
            return None
        seen.add(iri)
    if j >= len(sig) or not seen:
        return None
    return variable, "".join(tokens[i].text for i in range(sig[k], sig[j] + 1))


def _forms(text: str, movable: frozenset[str], nodes: frozenset[str] = frozenset()) -> tuple[str, str, frozenset[str]]:
    """(rewritten text, the same without the GRAPH wrappers, moved predicates)."""
    tokens = _tokens(text)
    prefixes = _prefixes(tokens)
    sig = [i for i, t in enumerate(tokens) if t.kind not in ("ws", "comment")]
    where = next((n for n, i in enumerate(sig) if tokens[i].word == "WHERE"), None)
    if where is None:
        raise _Refused("no WHERE clause")
    replace: dict[int, tuple[str, str]] = {}  # sig index of a statement's subject -> (wrapped, unwrapped)
    skip: dict[int, int] = {}  # sig index of a statement's subject -> sig index of its end
    moved: set[str] = set()
    n = where + 1
    while n < len(sig):
        token, previous = tokens[sig[n]], tokens[sig[n - 1]]
        if token.kind in ("var", "iri", "pname") and (previous.text in ("{", ".", "}") or _closes_call(tokens, sig, n - 1)):
            try:
                end, subject, pairs = _statement(tokens, sig, n, prefixes)
            except _Refused:
                n += 1
                continue
            # a _Path always names a predicate (or refuses), so preds is never empty here
            subject_end = _end(tokens[sig[n]], prefixes)
            values: dict[str, str] | None = None  # the group's VALUES blocks, read when a path needs them
            bound: list[str] = []  # the blocks copied into the GRAPH block (in order, once each)
            goes = []
            for _, o, preds, shortest in pairs:
                go = preds <= movable and (shortest >= 1 or _zero_length_same(subject_end, _end(_object_token(o), prefixes), nodes))
                if not go and preds <= movable and shortest == 0 and subject_end == "?" and _end(_object_token(o), prefixes) == "?":
                    # two variable ends: moves when the group binds one of them with a VALUES block
                    # of footprint nodes (module docstring), copied into the GRAPH block
                    values = _group_values(tokens, sig, n, prefixes, nodes) if values is None else values
                    block = values.get(o, values.get(subject))
                    if block is not None:
                        go = True
                        if block not in bound:
                            bound.append(block)
                goes.append(go)
            keep = [(v, o) for (v, o, _, _), g in zip(pairs, goes) if not g]
            move = [(v, o) for (v, o, _, _), g in zip(pairs, goes) if g]
            if move:
                moved.update(p for (_, _, preds, _), g in zip(pairs, goes) if g for p in preds)
                kept = "".join(f"{subject} {v} {o} . " for v, o in keep)
                inner = " . ".join(f"{subject} {v} {o}" for v, o in move)
                copied = "".join(f" . {block}" for block in bound)
                # a space before what follows: a statement may end at a word (BIND, FILTER ...)
                replace[n] = (f"{kept}GRAPH <{KB_GRAPH}> {{ {inner}{copied} }} ", f"{kept}{inner} ")
                skip[n] = end
                n = end
                continue
        n += 1
    if not replace:
        return text, text, frozenset()
    wrapped: list[str] = []
    unwrapped: list[str] = []
    position = {i: k for k, i in enumerate(sig)}
    index = 0
    while index < len(tokens):
        k = position.get(index)
        if k is not None and k in replace:
            wrapped.append(replace[k][0])
            unwrapped.append(replace[k][1])
            index = sig[skip[k]]  # the terminator stays
            continue
        wrapped.append(tokens[index].text)
        unwrapped.append(tokens[index].text)
        index += 1
    return "".join(wrapped), "".join(unwrapped), frozenset(moved)


def _as_sets(node: Any) -> Any:
    """The algebra with every list of triples as a sorted list of 3-tuples (a statement split in
    two is the same set of triples)."""
    if isinstance(node, dict):
        copy = type(node)(node.name) if getattr(node, "name", None) is not None else {}
        for key, value in node.items():
            if key == "_vars":
                continue
            if key == "triples" and isinstance(value, list):
                flat = [x for t in value for x in t]
                copy[key] = sorted((tuple(flat[k : k + 3]) for k in range(0, len(flat), 3)), key=lambda t: " ".join(map(repr, t)))
            else:
                copy[key] = _as_sets(value)
        return copy
    if isinstance(node, list):
        return [_as_sets(v) for v in node]
    if isinstance(node, tuple):
        return tuple(_as_sets(v) for v in node)
    return node


def kb_graph_form(text: str, footprint_predicates: Iterable[URIRef | str], footprint_nodes: Iterable[str] = ()) -> KbGraphForm | None:
    """``text`` (a rule's checked many-case form) with its knowledge-base patterns read from
    :data:`KB_GRAPH`, or None when nothing moves or the result does not check out.

    ``footprint_nodes``: the IRIs that are subjects or objects of the footprint (the ends a
    path of length zero may have and still move)."""
    from ..kb.cache import prepare_query

    movable = frozenset(str(p) for p in footprint_predicates) - {str(RDF.type)}
    try:
        wrapped, unwrapped, moved = _forms(text, movable, frozenset(footprint_nodes))
    except (_Refused, IndexError):
        return None
    if not moved:
        return None
    try:
        before = prepare_query(text).algebra
        after = prepare_query(unwrapped).algebra
        prepare_query(wrapped)
    except Exception:  # noqa: BLE001 - keep the unmoved form
        return None
    if not _same_algebra(_as_sets(after), _as_sets(before), {}):
        return None
    return KbGraphForm(wrapped, moved)
