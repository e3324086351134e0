"""The text a many-case store is given for a rule: the same solutions, in forms pyoxigraph 0.5 plans well.

Why a module: pyoxigraph 0.5 leaves the joins inside an EXISTS, and inside a
join's children, in written order with pairwise matching (docs/performance.md,
tenth pass). Three text rewrites, each exact under the conditions its module
states, give it forms it plans well: BINDs amid patterns moved last
(:mod:`reasoner.batch.bindlast`), FILTER NOT EXISTS as MINUS
(:mod:`reasoner.batch.absent`), every other EXISTS body as a chain of
one-pattern EXISTS (:mod:`reasoner.batch.existschain`). The rule files and
every analysis of the rules keep the form their authors wrote;
:class:`reasoner.batch.multicase.MultiCaseRules` asks the store this one.
"""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox

from .rewrite import _Refused, _Token, _tokens

__all__ = ["plannable_form", "checked"]


def plannable_form(text: str) -> str:
    """``text`` (a rule's many-case query) with all three rewrites applied where they are exact."""
    from .absent import absent_form
    from .bindlast import bind_last_form
    from .existschain import chain_form

    return chain_form(absent_form(bind_last_form(text)))


def checked(text: str, rewrite: Callable[[str, list[_Token]], str]) -> str:
    """``rewrite(text, tokens)``, or ``text`` itself when the text cannot be read or the result
    does not parse as SPARQL (answered on an empty store: pyoxigraph's own parser)."""
    try:
        rewritten = rewrite(text, _tokens(text))
    except (_Refused, IndexError):
        return text
    if rewritten != text:
        try:
            ox.Store().query(rewritten)
        except (SyntaxError, ValueError):
            return text
    return rewritten
