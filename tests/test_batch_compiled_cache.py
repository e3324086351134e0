"""Issue 17: the multi-case rules' compiled state is cached, keyed by everything it is derived from.

Why it matters: rewriting and checking the rules costs ~0.5 s of CPU in every batch
worker; loaded from the cache it costs milliseconds. The cache must never give a
state compiled from other rules or another footprint.
"""

from __future__ import annotations

from dataclasses import replace

from reasoner.batch import multicase
from reasoner.batch.multicase import _COMPILED, MultiCaseRules
from reasoner.kb import cache


def _state(rules: MultiCaseRules) -> dict:
    """The compiled attributes (compared as objects: a set pickles in this process's hash order)."""
    return {name: rules.__dict__[name] for name in _COMPILED}


def test_a_second_build_loads_the_same_state_without_compiling(kb, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    first = MultiCaseRules(kb)
    monkeypatch.setattr(MultiCaseRules, "_compile", lambda self, kb, ontology: (_ for _ in ()).throw(AssertionError("compiled again")))
    second = MultiCaseRules(kb)
    assert _state(second) == _state(first)
    assert second.kb_forms is not first.kb_forms  # each build gets its own objects
    cache._MEMO.clear()  # from disk, as another worker process loads it
    assert _state(MultiCaseRules(kb)) == _state(first)


def test_other_rule_texts_or_a_turned_off_cache_compile_anew(kb, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    MultiCaseRules(kb)
    compiled: list[int] = []
    real = MultiCaseRules._compile

    def counting(self, kb, ontology):  # type: ignore[no-untyped-def]
        compiled.append(1)
        return real(self, kb, ontology)

    monkeypatch.setattr(MultiCaseRules, "_compile", counting)
    rule = kb.rules[0]
    edited = replace(kb, rules=(replace(rule, query_text=rule.query_text + "\n# an edit\n"), *kb.rules[1:]))
    MultiCaseRules(edited)
    assert compiled == [1]
    MultiCaseRules(kb)  # the original rules: still cached
    assert compiled == [1]
    monkeypatch.setenv("GLR_NO_KB_CACHE", "1")
    MultiCaseRules(kb)
    assert compiled == [1, 1]
    assert multicase._COMPILED  # the names the cache keeps
