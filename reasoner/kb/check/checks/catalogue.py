"""Ids: catalogue ids and rule ids are unique; every condition is named by some rule query."""

from __future__ import annotations

from rdflib.term import Node

from ...problems import Problem, Severity
from ....vocab import GLR, RDF
from ..loaded import LoadedKb, short
from ..report import CheckResult

__all__ = ["catalogue_ids"]


def catalogue_ids(kb: LoadedKb, result: CheckResult) -> None:
    """Unique catalogue ids and rule ids; a warning for a condition no rule query names."""
    by_id: dict[str, list[Node]] = {}
    for entry, cid in kb.knowledge.subject_objects(GLR.catalogueId):
        by_id.setdefault(str(cid), []).append(entry)
    for cid, entries in sorted(by_id.items()):
        if len(set(entries)) > 1:
            names = ", ".join(sorted(short(e, kb.knowledge) for e in set(entries)))
            result.problems.append(Problem(result.name, f"catalogue id '{cid}' is used by {len(set(entries))} entries: {names}.", subject=cid))
    rule_ids: dict[str, list[Node]] = {}
    for rule, rid in kb.knowledge.subject_objects(GLR.ruleId):
        rule_ids.setdefault(str(rid), []).append(rule)
    for rid, rules in sorted(rule_ids.items()):
        if len(set(rules)) > 1:
            result.problems.append(Problem(result.name, f"rule id '{rid}' is used by {len(set(rules))} rules.", subject=rid))
    # conditions are named inside queries: one no rule mentions is dead
    texts = "\n".join(
        (meta.parent / str(q)).read_text(encoding="utf-8")
        for meta, part in kb.module_files.items()
        for q in part.objects(None, GLR.queryFile)
        if (meta.parent / str(q)).is_file()
    )
    for cond in sorted(set(kb.knowledge.subjects(RDF.type, GLR.Condition)), key=str):
        local = short(cond, kb.knowledge)
        if str(cond) not in texts and local not in texts:
            result.problems.append(Problem(result.name, f"condition {local} is named by no rule query (no not-recommended result can report it).", subject=str(cond), severity=Severity.WARNING))
    result.detail = f"{len(by_id)} catalogue ids, {len(rule_ids)} rule ids"
