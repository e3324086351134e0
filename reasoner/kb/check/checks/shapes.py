"""The knowledge-base shapes (``shapes/kb/``) over the ontology and every module, with pySHACL."""

from __future__ import annotations

from rdflib import Graph, URIRef

from ...problems import Problem, Severity
from ....vocab import GLR, RDF, SH
from ..loaded import LoadedKb, parse_turtle, short
from ..report import CheckResult

__all__ = ["kb_shapes"]


def kb_shapes(kb: LoadedKb, result: CheckResult) -> None:
    """Every SHACL result of shapes/kb/*.ttl, naming its focus node and path (warnings stay warnings)."""
    import pyshacl  # heavy; only here

    shapes = Graph()
    files = sorted(kb.layout.kb_shapes_dir.glob("*.ttl"))
    if not files:
        result.problems.append(Problem(result.name, f"no knowledge-base shapes found in {kb.layout.kb_shapes_dir}."))
        return
    for f in files:
        part = parse_turtle(f, result.problems, result.name)
        if part is not None:
            shapes += part
    data = Graph()
    data += kb.ontology
    data += kb.knowledge
    for prefix, ns in kb.knowledge.namespaces():
        data.bind(prefix, ns, override=False)
    conforms, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    for res in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(res, SH.focusNode)
        path = report.value(res, SH.resultPath)
        message = report.value(res, SH.resultMessage)
        severity = Severity.WARNING if report.value(res, SH.resultSeverity) in (SH.Warning, SH.Info) else Severity.ERROR
        where = short(focus, data) if focus is not None else "?"
        path_text = f" ({short(path, data)})" if isinstance(path, URIRef) else ""
        result.problems.append(Problem(result.name, f"{where}{path_text}: {message}", subject=str(focus), severity=severity))
    result.problems.sort(key=lambda p: (p.severity.value, p.message))
    n_rules = len(set(kb.knowledge.subjects(RDF.type, GLR.Rule)))
    n_ev = len(set(kb.knowledge.subjects(RDF.type, GLR.EvidenceStatement)))
    result.detail = f"{len(files)} shape file(s) over {len(kb.modules)} module(s), {n_rules} rules, {n_ev} evidence statements"
