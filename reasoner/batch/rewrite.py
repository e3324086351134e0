"""Rewrite a single-case rule so one query answers it for many cases at once.

Why: pyoxigraph parses and plans every query on every call; over one case
that planning is most of a rule's cost (docs/performance.md). Asked once
over a store holding K cases, each in its own named graph, it is paid once
per K cases. Rule authors keep writing single-case rules: the rewrite is
done here, mechanically, from the rule file as written.

Two rewrites, each checked against rdflib's own algebra of the original
rule (:func:`_same_algebra`); a rule that cannot be rewritten, or whose
rewrite does not check out, is answered case by case instead
(:class:`Rewrite` ``.reason`` says why). Never a different answer.

1. **Per case graph.** ``CONSTRUCT {T} WHERE {P}`` becomes ``SELECT ?g
   <variables of T> WHERE { GRAPH ?g {P'} }``, and every sub-``SELECT``
   inside ``P`` projects ``?g`` and wraps its own body in ``GRAPH ?g``
   (and groups by ``?g``). Why each sub-select too: pyoxigraph evaluates a
   sub-select inside ``GRAPH ?g`` over every graph at once and leaves
   ``?g`` unbound, which the SPARQL specification does not allow (it is
   evaluated on the active graph). The template is instantiated in Python,
   one solution at a time, exactly as CONSTRUCT does
   (:meth:`Rewrite.instantiate`). Refused: a CONSTRUCT WHERE short form,
   solution modifiers, a rule that names graphs (``GRAPH``, ``SERVICE``),
   ``SELECT *``, ``ORDER BY``/``LIMIT``/``OFFSET``/``VALUES`` after a
   sub-select, and aggregates without ``GROUP BY`` (one group per graph
   would differ from one group in all).
2. **Class membership.** ``?x a/rdfs:subClassOf* C`` (C an IRI) becomes
   ``?x <member> C``, where ``<member>`` is a private predicate whose
   triples the batch store materialises before each stage from the same
   path (:func:`membership_update`). Skipped for every rule when some rule
   could read a triple of any predicate (variable predicate, negated
   property set: it would see the membership triples), which the rule
   footprint already decides (reasoner/rule_footprint.py).
"""

from __future__ import annotations

import itertools
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Literal, URIRef, Variable
from rdflib.paths import MulPath, SequencePath
from rdflib.term import Node

from ..vocab import RDF, RDFS

__all__ = ["Rewrite", "rewrite_rule", "MEMBER", "membership_update", "GRAPH_VARIABLE"]

#: The private membership predicate. A URN of this package: no case or rule can mean it.
MEMBER = URIRef("urn:x-glr:batch:member-of-class")
GRAPH_VARIABLE = "glr_case_graph"
_MEMBER_PATH = SequencePath(RDF.type, MulPath(RDFS.subClassOf, "*"))

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
  | (?P<bnode>_:[A-Za-z0-9_\-.\u00B7-\uFFFF]*)
  | (?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w\-.\u00B7-\uFFFF]*)?:(?:[\w\-:%\u00B7-\uFFFF]|\\.|\.(?=[\w\-:%]))*)
  | (?P<word>[A-Za-z_][\w]*)
  | (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_AGGREGATES = {"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT"}


class _Refused(Exception):
    """This rule is answered case by case; the message says why."""


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str

    @property
    def word(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def _tokens(text: str) -> list[_Token]:
    tokens = [_Token(m.lastgroup or "other", m.group()) for m in _TOKEN.finditer(text)]
    if "".join(t.text for t in tokens) != text:  # lossless or nothing
        raise _Refused("the query text could not be split into SPARQL tokens")
    return tokens


def _significant(tokens: list[_Token], start: int) -> int:
    """Index of the first token at or after ``start`` that is not whitespace or a comment."""
    i = start
    while i < len(tokens) and tokens[i].kind in ("ws", "comment"):
        i += 1
    return i


_PAIRS = {"{": "}", "(": ")"}


def _closing(tokens: list[_Token], opening: int) -> int:
    """Index of the ``}`` (or ``)``) matching the ``{`` (or ``(``) at ``opening``."""
    open_, close = tokens[opening].text, _PAIRS[tokens[opening].text]
    depth = 0
    for i in range(opening, len(tokens)):
        if tokens[i].text == open_ and tokens[i].kind == "other":
            depth += 1
        elif tokens[i].text == close and tokens[i].kind == "other":
            depth -= 1
            if depth == 0:
                return i
    raise _Refused("unbalanced braces" if open_ == "{" else "unbalanced parentheses")


@dataclass
class Rewrite:
    """A rule's many-case form, or the reason it has none (``query`` is None)."""

    query: str | None
    template: tuple[tuple[Node, Node, Node], ...] = ()
    variables: tuple[str, ...] = ()
    member_classes: frozenset[URIRef] = frozenset()
    graph_variable: str = GRAPH_VARIABLE
    reason: str | None = None
    notes: list[str] = field(default_factory=list)

    def instantiate(self, rows: list[dict[str, Node]]) -> list[tuple[Node, Node, Node]]:
        """CONSTRUCT's template applied to each solution: fresh blank nodes per solution,
        triples with an unbound variable or an ill-placed term left out, duplicates dropped.

        The template is read once into a plan (:func:`_template_plan`); each fresh blank
        node is named by :func:`_fresh_ids` (no uuid4 per node, as ``BNode()`` would)."""
        if not rows:
            return []
        plan = self.__dict__.get("_plan")
        if plan is None or plan[0] is not self.template:
            plan = self.__dict__["_plan"] = (self.template, *_template_plan(self.template))
        _, triples, bnode_count = plan
        out: dict[tuple[Node, Node, Node], None] = {}
        fresh: list[BNode] = []
        ids = _fresh_ids(len(rows) * bnode_count) if bnode_count else iter(())
        for row in rows:
            if bnode_count:
                fresh = [BNode(next(ids)) for _ in range(bnode_count)]
            for triple, checks in triples:
                terms = []
                for kind, term in triple:
                    if kind is _VAR:
                        value = row.get(term)  # type: ignore[arg-type]
                        if value is None:
                            break
                        terms.append(value)
                    elif kind is _BLANK:
                        terms.append(fresh[term])  # type: ignore[index]
                    else:
                        terms.append(term)
                else:
                    s, p, o = terms
                    if checks and (isinstance(s, Literal) or not isinstance(p, URIRef)):
                        continue
                    out[(s, p, o)] = None
        return list(out)


_VAR, _BLANK, _CONST = "var", "blank", "const"


def _numbered_blank_nodes(template: tuple[tuple[Node, ...], ...]) -> tuple[tuple[Node, ...], ...]:
    """The template with its blank nodes renamed ``t0``, ``t1`` … in order of appearance.

    Why: the parser names them at random, so two processes compiling the same rule got
    different (equivalent) templates, and a compiled state cached by one was not equal to
    the other's; instantiation only tells blank nodes apart, so the answers are the same."""
    names: dict[BNode, BNode] = {}
    return tuple(
        tuple(names.setdefault(term, BNode(f"t{len(names)}")) if isinstance(term, BNode) else term for term in triple) for triple in template
    )


def _template_plan(
    template: tuple[tuple[Node, Node, Node], ...],
) -> tuple[tuple[tuple[tuple[tuple[str, Any], ...], bool], ...], int]:
    """Each template triple as (kind, variable name / blank node number / term) per position, with
    whether its subject/predicate check must run per solution (a variable there), and the number
    of distinct blank nodes. A triple whose constant subject or predicate is ill-placed is left out
    here: CONSTRUCT leaves it out for every solution."""
    from ..pipeline.derivation import canonical  # the explanation then finds these IRIs by identity

    numbers: dict[BNode, int] = {}
    planned = []
    for triple in template:
        parts: list[tuple[str, Any]] = []
        for term in triple:
            if isinstance(term, Variable):
                parts.append((_VAR, str(term)))
            elif isinstance(term, BNode):
                parts.append((_BLANK, numbers.setdefault(term, len(numbers))))
            else:
                parts.append((_CONST, canonical(term)))  # type: ignore[arg-type]
        s, p, _ = triple
        if not isinstance(s, Variable) and not isinstance(p, Variable):
            if isinstance(s, Literal) or not isinstance(p, URIRef):
                continue  # never a triple; its blank nodes still counted (they need no name)
            planned.append((tuple(parts), False))
        else:
            planned.append((tuple(parts), True))
    return tuple(planned), len(numbers)


_FRESH: list[Any] = [None, None]  # process id, its random prefix
_CALLS = itertools.count()  # next() is atomic: two threads never share a number


def _fresh_ids(count: int) -> Iterator[str]:
    """``count`` new blank node ids: a random 128-bit prefix drawn once per process, a number per
    call, a number per id.

    Why: ``BNode()`` draws a uuid4 per node, most of the cost of instantiating a template.
    Unique as rdflib's are: another id equals one of these only by guessing the prefix (rdflib's
    ids are "N" + 32 hex digits; these are "G" + 32 hex digits + "n" + numbers, so never one
    of those). A forked worker draws its own prefix. The ids never reach the output:
    :func:`reasoner.pipeline.inference._skolemise` names each blank node by what it says."""
    pid = os.getpid()
    if _FRESH[0] != pid:
        _FRESH[:] = [pid, "G" + uuid.uuid4().hex + "n"]
    call = f"{_FRESH[1]}{next(_CALLS)}_"
    return (call + str(n) for n in range(count))


def _subselect_edits(tokens: list[_Token], start: int, graph_var: str) -> list[tuple[int, str, str]]:
    """Edits for the sub-select whose SELECT token is at ``start``: (index, 'before'/'after', text)."""
    edits: list[tuple[int, str, str]] = []
    i = _significant(tokens, start + 1)
    if tokens[i].word in ("DISTINCT", "REDUCED"):
        anchor = i
        i = _significant(tokens, i + 1)
    else:
        anchor = start
    edits.append((anchor, "after", f" {graph_var}"))
    projection: list[_Token] = []
    while i < len(tokens) and tokens[i].word != "WHERE" and tokens[i].text != "{":
        projection.append(tokens[i])
        i += 1
    if any(t.text == "*" for t in projection):
        raise _Refused("a sub-select projects '*'")
    aggregated = any(t.word in _AGGREGATES for t in projection)
    if tokens[i].word == "WHERE":
        i = _significant(tokens, i + 1)
    if tokens[i].text != "{":
        raise _Refused("a sub-select has no group pattern")
    close = _closing(tokens, i)
    edits.append((i, "after", f" GRAPH {graph_var} {{"))
    edits.append((close, "before", "} "))
    j = _significant(tokens, close + 1)
    grouped = False
    while j < len(tokens) and tokens[j].text != "}":
        word = tokens[j].word
        if word in ("ORDER", "LIMIT", "OFFSET", "VALUES"):
            raise _Refused(f"a sub-select has {word}, which cannot be applied per case in one query")
        if word == "GROUP":
            k = _significant(tokens, j + 1)
            if tokens[k].word != "BY":
                raise _Refused("GROUP without BY")
            edits.append((k, "after", f" {graph_var}"))
            grouped = True
            j = k
        elif word == "HAVING" and not grouped:
            raise _Refused("HAVING without GROUP BY")
        j += 1
    if aggregated and not grouped:
        raise _Refused("an aggregate without GROUP BY (one group in all, not one per case)")
    return edits


def _apply(tokens: list[_Token], edits: list[tuple[int, str, str]]) -> str:
    before: dict[int, list[str]] = {}
    after: dict[int, list[str]] = {}
    for index, where, text in edits:
        (before if where == "before" else after).setdefault(index, []).append(text)
    parts = []
    for index, token in enumerate(tokens):
        parts.extend(before.get(index, ()))
        parts.append(token.text)
        parts.extend(after.get(index, ()))
    return "".join(parts)


def _graph_form(text: str, template_vars: list[str]) -> tuple[str, str]:
    tokens = _tokens(text)
    names = {t.text[1:] for t in tokens if t.kind == "var"}
    graph_name = GRAPH_VARIABLE
    while graph_name in names:
        graph_name += "_"
    graph_var = f"?{graph_name}"
    construct = next((i for i, t in enumerate(tokens) if t.word == "CONSTRUCT"), None)
    if construct is None:
        raise _Refused("not a CONSTRUCT query")
    opening = _significant(tokens, construct + 1)
    if tokens[opening].text != "{":
        raise _Refused("the CONSTRUCT WHERE short form")
    template_close = _closing(tokens, opening)
    i = _significant(tokens, template_close + 1)
    if tokens[i].word == "WHERE":
        i = _significant(tokens, i + 1)
    if tokens[i].text != "{":
        raise _Refused("a dataset clause or no WHERE group")
    body_close = _closing(tokens, i)
    if _significant(tokens, body_close + 1) != len(tokens):
        raise _Refused("solution modifiers or VALUES after the WHERE clause")
    body = tokens[i : body_close + 1]
    for token in body:
        if token.word in ("GRAPH", "SERVICE"):
            raise _Refused(f"the rule uses {token.word}")
    edits: list[tuple[int, str, str]] = []
    for index, token in enumerate(body):
        if token.word == "SELECT":
            edits.extend(_subselect_edits(body, index, graph_var))
    projection = " ".join([graph_var, *(f"?{v}" for v in template_vars)])
    prologue = "".join(t.text for t in tokens[:construct])
    return f"{prologue}SELECT {projection}\nWHERE {{ GRAPH {graph_var} {_apply(body, edits)} }}\n", graph_name


def _is_type(token: _Token, prefixes: dict[str, str]) -> bool:
    return token.text == "a" or _resolve(token, prefixes) == str(RDF.type)


def _resolve(token: _Token, prefixes: dict[str, str]) -> str | None:
    if token.kind == "iri":
        return token.text[1:-1]
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        if prefix in prefixes and "\\" not in local:
            return prefixes[prefix] + local
    return None


def _member_form(text: str) -> str:
    """Replace every ``a/rdfs:subClassOf* <IRI>`` predicate-object pair by ``<member> <IRI>``."""
    tokens = _tokens(text)
    prefixes: dict[str, str] = {}
    sig = [i for i, t in enumerate(tokens) if t.kind not in ("ws", "comment")]
    for n, i in enumerate(sig[:-2]):
        if tokens[i].word == "PREFIX" and tokens[sig[n + 1]].kind == "pname" and tokens[sig[n + 2]].kind == "iri":
            prefixes[tokens[sig[n + 1]].text[:-1]] = tokens[sig[n + 2]].text[1:-1]
    replace: dict[int, str] = {}
    for n in range(1, len(sig) - 5):
        t0, slash, t1, star, obj, after = (tokens[sig[n + k]] for k in range(6))
        previous = tokens[sig[n - 1]]
        if (
            _is_type(t0, prefixes)
            and slash.text == "/"
            and _resolve(t1, prefixes) == str(RDFS.subClassOf)
            and star.text == "*"
            and obj.kind in ("iri", "pname")
            and after.text in (".", ";", "}")
            and (previous.kind in ("var", "iri", "pname", "bnode") or previous.text in (";", "]"))
        ):
            replace[sig[n]] = f"<{MEMBER}>"
            for k in range(1, 4):
                replace[sig[n + k]] = ""
    return "".join(replace.get(i, t.text) for i, t in enumerate(tokens))


# -- checking a rewrite against rdflib's algebra of the original ------------------------


def _strip_graph(node: Any, graph_var: Variable) -> Any:
    """The algebra with our ``GRAPH ?g`` wrappers and ``?g`` projections/groupings removed."""
    if isinstance(node, dict):
        name = getattr(node, "name", None)
        if name == "Graph" and node.get("term") == graph_var:
            return _strip_graph(node["p"], graph_var)
        if name == "Extend" and node.get("var") == graph_var:  # rdflib's ?g := SAMPLE(?g) after GROUP BY ?g
            return _strip_graph(node["p"], graph_var)
        copy = type(node)(name) if name is not None else {}
        for key, value in node.items():
            if key == "_vars":
                continue
            if key in ("PV", "expr") and isinstance(value, list):
                value = [v for v in value if v != graph_var]
            if key == "A" and isinstance(value, list):  # rdflib's implicit SAMPLE(?g) for a grouped ?g
                value = [a for a in value if a.get("vars") != graph_var]
            copy[key] = _strip_graph(value, graph_var)
        return copy
    if isinstance(node, list):
        return [_strip_graph(v, graph_var) for v in node]
    if isinstance(node, tuple):
        return tuple(_strip_graph(v, graph_var) for v in node)
    if node == MEMBER:
        return _MEMBER_PATH
    return node


def _same_algebra(a: Any, b: Any, bnodes: dict[Any, Any]) -> bool:
    if isinstance(a, BNode) and isinstance(b, BNode):
        return bnodes.setdefault(a, b) == b
    if isinstance(a, Variable) and isinstance(b, Variable) and str(a).startswith("__agg_") and str(b).startswith("__agg_"):
        return bnodes.setdefault(a, b) == b  # rdflib numbers its aggregate variables in parse order
    if isinstance(a, dict) and isinstance(b, dict):
        if getattr(a, "name", None) != getattr(b, "name", None) or set(a) != set(b):
            return False
        if getattr(a, "name", None) == "BGP":  # a conjunction: rdflib orders it by its own keys
            return all(k == "triples" or _same_algebra(a[k], b[k], bnodes) for k in a) and _same_algebra(
                sorted(a["triples"], key=_order), sorted(b["triples"], key=_order), bnodes
            )
        return all(_same_algebra(a[k], b[k], bnodes) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same_algebra(x, y, bnodes) for x, y in zip(a, b))
    return bool(a == b) and type(a) is type(b)


def _order(triple: tuple[Any, ...]) -> str:
    return " ".join("_:" if isinstance(t, BNode) else repr(t) for t in triple)


def _members(node: Any) -> Iterator[URIRef]:
    """The objects of every membership pattern in an algebra tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "triples":
                flat = [x for t in value for x in t]
                for k in range(0, len(flat) - 2, 3):
                    if flat[k + 1] == MEMBER:
                        obj = flat[k + 2]
                        if not isinstance(obj, URIRef):
                            raise _Refused("a membership pattern without a class IRI")
                        yield obj
            else:
                yield from _members(value)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from _members(value)


def rewrite_rule(text: str, *, membership: bool = True) -> Rewrite:
    """The many-case form of one rule, verified; ``query`` None means "answer it case by case"."""
    from ..kb.cache import prepare_query

    try:
        original = prepare_query(text).algebra
    except Exception as exc:  # noqa: BLE001 - the per-case run reports the parse error
        return Rewrite(None, reason=f"it does not parse ({type(exc).__name__})")
    if getattr(original, "name", None) != "ConstructQuery":
        return Rewrite(None, reason="it is not a CONSTRUCT query")
    template = _numbered_blank_nodes(tuple(tuple(t) for t in original.get("template") or ()))
    variables = tuple(sorted({str(x) for t in template for x in t if isinstance(x, Variable)}))
    try:
        graph_text, graph_name = _graph_form(text, list(variables))
        checked = _check(graph_text, original)
    except _Refused as exc:
        return Rewrite(None, reason=str(exc))
    except IndexError:  # the text ended where more syntax was expected
        return Rewrite(None, reason="the query's structure could not be followed to its end")
    if checked is not None:
        return Rewrite(None, reason=checked)
    result = Rewrite(graph_text, template=template, variables=variables, graph_variable=graph_name)  # type: ignore[arg-type]
    if membership:
        try:
            member_text = _member_form(graph_text)
            if member_text != graph_text and _check(member_text, original) is None:
                classes = frozenset(_members(prepare_query(member_text).algebra))
                return Rewrite(
                    member_text, template=template, variables=variables, member_classes=classes, graph_variable=graph_name  # type: ignore[arg-type]
                )
        except _Refused as exc:
            result.notes.append(f"membership not pre-computed: {exc}")
        except Exception as exc:  # noqa: BLE001 - keep the checked graph form
            result.notes.append(f"membership not pre-computed: {type(exc).__name__}")
    return result


def _check(rewritten: str, original: Any) -> str | None:
    """None when ``rewritten`` is ``original`` plus our graph wrappers (and membership); else why not."""
    from ..kb.cache import prepare_query

    try:
        algebra = prepare_query(rewritten).algebra
    except Exception as exc:  # noqa: BLE001
        return f"the rewritten query does not parse ({type(exc).__name__})"
    graph_vars = [v for v in algebra.get("PV") or () if str(v).startswith(GRAPH_VARIABLE)]
    if getattr(algebra, "name", None) != "SelectQuery" or not graph_vars:
        return "the rewritten query is not the expected SELECT"
    graph_var = graph_vars[0]
    project = algebra["p"]
    if getattr(project, "name", None) != "Project" or getattr(project["p"], "name", None) != "Graph":
        return "the rewritten query is not the expected SELECT"
    pattern = original["p"]
    if getattr(pattern, "name", None) == "Project":  # rdflib projects a CONSTRUCT's pattern on its variables
        pattern = pattern["p"]
    if not _same_algebra(_strip_graph(project["p"], graph_var), _strip_graph(pattern, graph_var), {}):
        return "the rewritten query's algebra differs from the rule's"
    return None


def membership_update(classes: frozenset[URIRef]) -> str:
    """SPARQL Update adding ``?x <member> C`` in each case graph wherever ``?x a/rdfs:subClassOf* C`` holds there.

    The multi-case store computes these triples in Python while it can show they are the same
    (reasoner/batch/membership.py) and runs this update otherwise; tests/test_batch_membership.py
    runs it after the Python triples and asks it to add nothing."""
    values = " ".join(f"<{c}>" for c in sorted(classes))
    return (
        f"INSERT {{ GRAPH ?g {{ ?x <{MEMBER}> ?c }} }}\n"
        f"WHERE {{ VALUES ?c {{ {values} }} GRAPH ?g {{ ?x <{RDF.type}>/<{RDFS.subClassOf}>* ?c }} }}"
    )
