"""Rules: metadata and query files agree, queries parse in both engines, use defined terms, read earlier stages only."""

from __future__ import annotations

from pathlib import Path

from rdflib.term import Node

from ...problems import Problem, Severity
from ....vocab import GLR, RDF
from ..loaded import LoadedKb, check_term, parse_query, short
from ..report import CheckResult
from ...knowledge import RESULT_SEGMENTS

__all__ = ["rules"]

#: result class -> the catalogue class its glr:produces must be
_KIND_FOR_RESULT = {
    GLR.Recommendation: GLR.RecommendationKind,
    GLR.NotRecommended: GLR.RecommendationKind,
    GLR.Caution: GLR.CautionKind,
    GLR.InformationNeed: GLR.InformationNeedKind,
    GLR.Assessment: GLR.AssessmentKind,
    GLR.Interaction: GLR.InteractionKind,
}


def rules(kb: LoadedKb, result: CheckResult) -> None:
    """Rule id = file name, query file exists and parses (rdflib + Oxigraph) as CONSTRUCT, terms defined,
    result IRI and type match the catalogue, stages respected, no orphan .rq file."""
    import pyoxigraph

    rule_count = 0
    producers: dict[Node, list[tuple[Node, str, Node | None]]] = {}
    for rule in kb.knowledge.subjects(RDF.type, GLR.Rule):
        for entry in kb.knowledge.objects(rule, GLR.produces):
            producers.setdefault(entry, []).append((rule, str(kb.knowledge.value(rule, GLR.ruleId)), kb.knowledge.value(rule, GLR.stage)))
    # A rule that reads the very kind it produces only adds to a result an
    # earlier stage made (a priority raise): a sibling raise of its stage may
    # read that kind too, since neither creates it.
    decorators: set[Node] = set()
    for meta_path, part in kb.module_files.items():
        for rule, query_file in part.subject_objects(GLR.queryFile):
            path = meta_path.parent / str(query_file)
            parsed = parse_query(path.read_text(encoding="utf-8")) if path.is_file() else None
            if isinstance(parsed, tuple) and set(kb.knowledge.objects(rule, GLR.produces)) & parsed[2]:
                decorators.add(rule)
    for directory, graph in kb.modules.items():
        rules_dir = directory / "rules"
        referenced: set[Path] = set()
        for meta_path, part in sorted(kb.module_files.items()):
            if not meta_path.is_relative_to(directory):
                continue
            for rule in sorted(part.subjects(RDF.type, GLR.Rule), key=str):
                rule_count += 1
                rid_node = part.value(rule, GLR.ruleId)
                rid = str(rid_node) if rid_node is not None else short(rule, kb.knowledge)
                src = str(meta_path)
                if rid_node is not None and rid != meta_path.stem:
                    result.problems.append(Problem(result.name, f"rule '{rid}' is described in {meta_path.name}; the rule id must equal the file name ('{meta_path.stem}').", subject=rid, source=src))
                qf = part.value(rule, GLR.queryFile)
                if qf is None:
                    continue  # the shapes report it
                query_path = (meta_path.parent / str(qf)).resolve()
                referenced.add(query_path)
                if query_path.stem != rid:
                    result.problems.append(Problem(result.name, f"rule '{rid}' names query file '{qf}'; it must be '{rid}.rq'.", subject=rid, source=src))
                if not query_path.is_file():
                    result.problems.append(Problem(result.name, f"rule '{rid}' names query file '{qf}', which does not exist.", subject=rid, source=src))
                    continue
                text = query_path.read_text(encoding="utf-8")
                parsed = parse_query(text)
                if isinstance(parsed, str):
                    result.problems.append(Problem(result.name, f"rule '{rid}': {query_path.name} does not parse as SPARQL (rdflib): {parsed}", subject=rid, source=str(query_path)))
                    continue
                query_form, iris, where_iris = parsed
                # stages: a rule may read only results of earlier stages
                own_stage = part.value(rule, GLR.stage)
                for entry in sorted(where_iris & set(producers), key=str):
                    for other, other_id, other_stage in producers[entry]:
                        if other in decorators and rule in decorators and other_stage == own_stage:
                            continue
                        if other != rule and own_stage is not None and other_stage is not None and int(other_stage) >= int(own_stage):
                            result.problems.append(Problem(result.name, f"rule '{rid}' (stage {own_stage}) reads {short(entry, kb.knowledge)}, which rule '{other_id}' produces in stage {other_stage}; a rule may use results of earlier stages only.", subject=rid, source=str(query_path)))
                try:
                    pyoxigraph.Store().query(text)
                except SyntaxError as exc:
                    result.problems.append(Problem(result.name, f"rule '{rid}': {query_path.name} does not parse as SPARQL (Oxigraph): {exc}", subject=rid, source=str(query_path)))
                if query_form != "ConstructQuery":
                    result.problems.append(Problem(result.name, f"rule '{rid}': {query_path.name} is not a CONSTRUCT query.", subject=rid, source=str(query_path)))
                for iri in sorted(iris, key=str):
                    problem = check_term(iri, kb, where=f"rule '{rid}' ({query_path.name})", source=str(query_path), check=result.name)
                    if problem is not None:
                        result.problems.append(problem)
                # the result IRI the architecture prescribes
                rtype = part.value(rule, GLR.resultType)
                produces = part.value(rule, GLR.produces)
                cid = kb.knowledge.value(produces, GLR.catalogueId) if produces is not None else None
                if rtype in RESULT_SEGMENTS and cid is not None:
                    needle = f"/{RESULT_SEGMENTS[rtype]}/{cid}"
                    if needle not in text:
                        result.problems.append(Problem(result.name, f"rule '{rid}' produces {short(produces, kb.knowledge)} as {short(rtype, kb.knowledge)} but its query never builds a result IRI ending in '{needle}'.", subject=rid, source=str(query_path), severity=Severity.WARNING))
                    kind = _KIND_FOR_RESULT[rtype]
                    kinds = set(kb.knowledge.objects(produces, RDF.type))
                    if kinds and kind not in kinds:
                        result.problems.append(Problem(result.name, f"rule '{rid}' has result type {short(rtype, kb.knowledge)} but produces {short(produces, kb.knowledge)}, which is not a {short(kind, kb.knowledge)}.", subject=rid, source=src))
        if rules_dir.is_dir():
            for rq in sorted(rules_dir.glob("*.rq")):
                if rq.resolve() not in referenced:
                    result.problems.append(Problem(result.name, f"{rq.name} is not the glr:queryFile of any rule (a query without metadata never runs).", subject=rq.stem, source=str(rq)))
    result.detail = f"{rule_count} rules: files, SPARQL syntax (rdflib + Oxigraph), terms, ids"
