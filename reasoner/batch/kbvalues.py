"""Answer each ``GRAPH <kb> { … }`` block of a knowledge-base form once, at load, as a VALUES block.

Why: a block that :mod:`reasoner.batch.kbgraph` moved to the shared graph
reads knowledge-base triples only, so its solutions are the same in every
store, for every case and every stage; pyoxigraph still evaluates it inside
every query, often once per binding of the patterns around it.
``seroma-unlikely-pain-source`` spends half its time (0.75 of 1.5 ms per
case in a store of 25) on three two-step ``rdfs:subClassOf*`` blocks, and
``compounding-harm-current-therapy`` three quarters on catalogue look-ups
(docs/performance.md, ninth pass).

The rewrite (:func:`values_form`): ``GRAPH <kb> { B }`` becomes
``VALUES (?v1 … ?vn) { (t1 … tn) … }``, the solutions of ``SELECT * WHERE
{ GRAPH <kb> { B } }`` on a store holding the shared graph exactly as the
batch store holds it, one row per solution (duplicates kept: a join with a
solution sequence is the join with its multiset). A block with no
variable, or with a blank node in an answer (VALUES cannot say one), is
left as it was.

Why the answers are the same: a graph pattern whose every triple is read
from one graph evaluates, wherever it stands (also inside ``FILTER
EXISTS``, where pyoxigraph joins it with the outer solution), to the
solutions it has on that graph; VALUES is that solution sequence. The
shared graph's triples with the moved predicates never change in a store:
derived triples go to case graphs, copies made for a fallback go to case
graphs, and the membership update adds only ``<member>`` triples, whose
predicate no moved block reads (moved predicates are footprint predicates)
and whose nodes are footprint nodes already (a path of length zero ranges
over the same nodes). The form applies exactly where its knowledge-base
form does (:meth:`KbGraphForm.applies`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pyoxigraph as ox

from .._runtime.limits import QueryTimeout, query_time_limit, run_with_time_limit
from .kbgraph import KB_GRAPH, KbGraphForm, _prefixes
from .rewrite import _closing, _Refused, _significant, _Token, _tokens

__all__ = ["values_form"]


def values_form(form: KbGraphForm, shared: ox.Store) -> KbGraphForm:
    """``form`` with each ``GRAPH <kb>`` block that can be replaced by its answers on ``shared``
    (a store whose named graph <kb> holds what the batch store's shared graph holds).

    ``reads_shared`` of the result says whether a ``GRAPH <kb>`` block is left: when none is,
    the store need not offer the shared graph to ``GRAPH ?g`` at all."""
    try:
        tokens = _tokens(form.query)
    except _Refused:
        return form
    prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in _prefixes(tokens).items())
    if any(t.word == "BASE" for t in tokens):
        return form  # relative IRIs in a block: keep the block where the query's base applies
    try:
        query, left = _replaced(tokens, prologue, shared)
    except _Refused:  # the form parsed, so its braces balance; this is only the guard
        return form
    return replace(form, query=query, reads_shared=left)


def _replaced(tokens: list[_Token], prologue: str, shared: ox.Store) -> tuple[str, bool]:
    """The text with each block replaced where it can be, and whether a block is left."""
    out: list[str] = []
    left = False
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.word == "GRAPH":
            name = _significant(tokens, index + 1)
            opening = _significant(tokens, name + 1) if name < len(tokens) else len(tokens)
            if name < len(tokens) and tokens[name].text == f"<{KB_GRAPH}>" and opening < len(tokens) and tokens[opening].text == "{":
                closing = _closing(tokens, opening)
                block = "".join(t.text for t in tokens[opening : closing + 1])
                values = _answers(prologue, block, shared)
                if values is None:
                    left = True
                    out.append("".join(t.text for t in tokens[index : closing + 1]))
                else:
                    out.append(values)
                index = closing + 1
                continue
        out.append(token.text)
        index += 1
    return "".join(out), left


def _answers(prologue: str, block: str, shared: ox.Store) -> str | None:
    """The VALUES block of ``block``'s solutions on the shared graph, or None when it cannot be one."""
    text = f"{prologue}SELECT * WHERE {{ GRAPH <{KB_GRAPH}> {block} }}"

    def read() -> tuple[list[str], list[tuple[Any, ...]]]:
        solutions = shared.query(text)
        names = [v.value for v in solutions.variables]
        return names, [tuple(solution[name] for name in names) for solution in solutions]

    try:  # the per-query time limit, as for every query (reasoner/_runtime/limits.py)
        names, rows = run_with_time_limit(read, query_time_limit(), what="a knowledge-base block", native=True)
    except QueryTimeout:
        return None  # keep the block: the store answers it within each rule's own limit
    if not names or any(term is None or isinstance(term, ox.BlankNode) for row in rows for term in row):
        return None
    body = " ".join("(" + " ".join(str(term) for term in row) + ")" for row in rows)
    return f"VALUES ({' '.join('?' + name for name in names)}) {{ {body} }}"
