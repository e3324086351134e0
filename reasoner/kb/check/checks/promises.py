"""What the knowledge base's texts promise, against what its rules read and compare.

An information need's ``glr:affects`` must equal the results of the rules
that read what it asks about; every number a rule compares must be in its
``glr:criterion``; every time threshold a catalogue text states must be one
its rules compare. The computation lives in :mod:`reasoner.kb.promises`.
"""

from __future__ import annotations

from rdflib import URIRef

from ...promises import affects_problems, rule_texts, threshold_problems
from ....vocab import GLR
from ..loaded import LoadedKb, parse_query
from ..report import CheckResult

__all__ = ["texts_match_the_rules"]


def texts_match_the_rules(kb: LoadedKb, result: CheckResult) -> None:
    """Affects lists and thresholds in the catalogue agree with the rule queries."""
    queries: dict[URIRef, str] = {}
    for meta, part in kb.module_files.items():
        for rule, query_file in part.subject_objects(GLR.queryFile):
            path = meta.parent / str(query_file)
            if path.is_file():
                text = path.read_text(encoding="utf-8")
                if isinstance(parse_query(text), tuple):  # a query that does not parse is the rules check's finding
                    queries[rule] = text
    rules = rule_texts(kb.knowledge, queries)
    result.problems += affects_problems(kb.knowledge, kb.ontology + kb.knowledge, rules)
    result.problems += threshold_problems(kb.knowledge, rules)
    result.detail = f"{len(rules)} rule(s) read"
