"""Terms: every glr: and module term used in module data and in shapes is defined."""

from __future__ import annotations

from rdflib import Literal, URIRef

from ....vocab import GLR, RDF
from ..loaded import PREFIXED_GLR, LoadedKb, check_term, parse_turtle
from ..report import CheckResult

__all__ = ["terms_defined"]


def terms_defined(kb: LoadedKb, result: CheckResult) -> None:
    """glr: and module terms in module data and in shapes (case and kb) must be defined."""
    for path, part in sorted(kb.module_files.items()):
        seen: set[URIRef] = set()
        for s, p, o in part:
            for node in (s, p, o) if p != RDF.type else (s, o):
                if isinstance(node, URIRef) and node not in seen:
                    seen.add(node)
                    if node == s and not str(node).startswith(str(GLR)):
                        continue  # a module subject is a definition, not a use
                    problem = check_term(node, kb, where=path.name, source=str(path), check=result.name)
                    if problem is not None:
                        result.problems.append(problem)
    shape_files = sorted(kb.layout.case_shapes_dir.glob("*.ttl")) + sorted(kb.layout.kb_shapes_dir.glob("*.ttl"))
    for path in shape_files:
        part = parse_turtle(path, result.problems, result.name)
        if part is None:
            continue
        used: set[URIRef] = set()
        for triple in part:
            for node in triple:
                if isinstance(node, URIRef) and str(node).startswith(str(GLR)):
                    used.add(node)
                elif isinstance(node, Literal) and "glr:" in str(node):
                    used.update(GLR[m] for m in PREFIXED_GLR.findall(str(node)))
        for iri in sorted(used, key=str):
            problem = check_term(iri, kb, where=f"shape file {path.name}", source=str(path), check=result.name)
            if problem is not None:
                result.problems.append(problem)
    result.detail = f"{len(kb.module_files)} module file(s), {len(shape_files)} shape file(s)"
