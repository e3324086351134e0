"""The knowledge base as the checks see it, and the helpers they share.

Why: every check reads the same parsed ontology and module files;
parsing them once (:func:`load_kb`) lets a check run alone
(:func:`reasoner.kb.check.run_check`) or with all the others at the cost
of one load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from .. import ontology as ot
from ..cache import prepare_query
from ..packs import pack_files
from ..problems import Problem
from ...vocab import GLR, RDF
from .layout import KbLayout

__all__ = [
    "LoadedKb",
    "load_kb",
    "parse_turtle",
    "parse_query",
    "check_term",
    "short",
    "namespace",
    "with_defined_classes",
    "PREFIXED_GLR",
]


def parse_turtle(path: Path, problems: list[Problem], check: str) -> Graph | None:
    """The Turtle file as a graph, or None with a problem naming the file when it does not parse."""
    try:
        return Graph().parse(path, format="turtle")
    except Exception as exc:
        problems.append(Problem(check, f"cannot parse {path.name}: {' '.join(str(exc).split())[:300]}", source=str(path)))
        return None


def namespace(iri: str) -> str:
    """The IRI up to its last '#' or '/'."""
    cut = max(iri.rfind("#"), iri.rfind("/")) + 1
    return iri[:cut]


def short(node: Node, graph: Graph | None = None) -> str:
    """``node`` as a prefixed name when ``graph`` binds its namespace (for messages)."""
    if graph is not None and isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except Exception:
            pass
    return str(node)


def iris_in_algebra(node: Any, out: set[URIRef], seen: set[int] | None = None) -> None:
    """Every IRI in a parsed rdflib query (patterns, paths, template, filters)."""
    if seen is None:
        seen = set()
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, URIRef):
        out.add(node)
        return
    if isinstance(node, (str, bytes, int, float, Literal)):
        return
    if isinstance(node, dict):
        for value in node.values():
            iris_in_algebra(value, out, seen)
        return
    if isinstance(node, (list, tuple, set, frozenset)):
        for value in node:
            iris_in_algebra(value, out, seen)
        return
    # property paths and other algebra objects
    for attr in ("args", "arg", "path", "subj", "obj"):
        if hasattr(node, attr):
            iris_in_algebra(getattr(node, attr), out, seen)


def parse_query(text: str) -> tuple[str, frozenset[URIRef], frozenset[URIRef]] | str:
    """(query form, every IRI in it, the IRIs of its WHERE clause) or the parse error.

    The parse itself goes through the package's one prepared-query memo
    (reasoner/kb/cache.py), shared with the rule engines and the validator.
    """
    try:
        parsed = prepare_query(text)
    except Exception as exc:  # noqa: BLE001 - any parse failure is reported as text
        return " ".join(str(exc).split())[:240]
    iris: set[URIRef] = set()
    iris_in_algebra(parsed.algebra, iris)
    where: set[URIRef] = set()
    iris_in_algebra(parsed.algebra.get("p"), where)
    return parsed.algebra.name, frozenset(iris), frozenset(where)


PREFIXED_GLR = re.compile(r"(?<![\w:/#])glr:([A-Za-z_][\w\-]*)")



@dataclass
class LoadedKb:
    """The knowledge base, parsed once and shared by every check (checks only read it)."""

    layout: KbLayout
    ontology: Graph
    ontology_terms: set[URIRef]
    modules: dict[Path, Graph]
    module_files: dict[Path, Graph]
    module_terms: dict[str, set[URIRef]]  # namespace -> terms typed in modules of that namespace
    knowledge: Graph


def load_kb(layout: KbLayout, problems: list[Problem]) -> LoadedKb:
    """Parse the ontology and every module file; a file that does not parse becomes a problem."""
    ontology = parse_turtle(layout.ontology_dir / ot.ONTOLOGY_TTL, problems, "load") or Graph()
    modules: dict[Path, Graph] = {}
    files: dict[Path, Graph] = {}
    module_terms: dict[str, set[URIRef]] = {}
    knowledge = Graph()
    for prefix, ns in ontology.namespaces():
        knowledge.bind(prefix, ns, override=False)
    for directory in layout.modules:
        graph = Graph()
        extension = pack_files(directory).ontology
        for ttl in pack_files(directory).all_turtle():
            part = parse_turtle(ttl, problems, "load")
            if part is None:
                continue
            files[ttl] = part
            if ttl in extension:  # a pack's ontology extension joins the ontology its terms are checked against
                ontology += part
            graph += part
            for prefix, ns in part.namespaces():
                knowledge.bind(prefix, ns, override=False)
        modules[directory] = graph
        knowledge += graph
        for module_iri in graph.subjects(RDF.type, GLR.GuidelineModule):
            ns = namespace(str(module_iri))
            module_terms.setdefault(ns, set()).update(
                s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith(ns)
            )
    terms = {s for s in ontology.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith(str(GLR))}
    return LoadedKb(layout, ontology, terms, modules, files, module_terms, knowledge)


def check_term(iri: URIRef, kb: LoadedKb, *, where: str, source: str, check: str) -> Problem | None:
    """A problem when ``iri`` is a glr: term the ontology lacks or a module term no module file types."""
    text = str(iri)
    if text.startswith(str(GLR)):
        if iri not in kb.ontology_terms:
            return Problem(
                check,
                f"{where} uses {short(iri, kb.knowledge)}, which the ontology does not define (a typo matches nothing).",
                subject=text,
                source=source,
            )
        return None
    ns = namespace(text)
    if ns in kb.module_terms and iri not in kb.module_terms[ns]:
        return Problem(
            check,
            f"{where} uses {short(iri, kb.knowledge)}, which no module file defines (no rdf:type stated for it).",
            subject=text,
            source=source,
        )
    return None


def with_defined_classes(kb: LoadedKb, problems: list[Problem], check: str) -> Graph:
    """The ontology of the checked packs, defined classes included: what Protégé and the reasoners load.

    A pack's defined classes live in its ontology/ (post-fusion's in
    queries/postfusion/ontology/defined-classes.ttl) and already joined
    ``kb.ontology``; the graph is a copy, so a check may change it.
    """
    graph = Graph()
    graph += kb.ontology
    return graph
