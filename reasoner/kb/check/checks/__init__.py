"""The knowledge-base checks, one function each, grouped by what they look at.

Every check has the signature ``check(kb: LoadedKb, result: CheckResult) -> None``:
it reads the loaded knowledge base, appends :class:`~reasoner.kb.problems.Problem`
records to ``result.problems`` and may set ``result.detail`` (or
``result.skipped``). :data:`reasoner.kb.check.registry.CHECKS` lists them in
the order ``glr check`` runs them.
"""
