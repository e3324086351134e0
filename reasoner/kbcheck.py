"""The knowledge-base quality gate behind ``glr check``.

Why: the knowledge base is edited by several people. A rule without
evidence, a typo'd property that silently matches nothing, a catalogue
entry no rule produces or an unsatisfiable class must fail loudly, naming
the culprit, before anything is released.

:func:`check_knowledge_base` runs, in order:

1. the ontology checks (:mod:`reasoner.ontology_tools`): structural OWL 2 DL
   lints and documentation, the OWL API OWL 2 DL profile check (when
   installed), HermiT over ``glr.ttl`` + ``defined-classes.ttl``, ``glr.owl``
   in sync with ``glr.ttl``, the Protégé catalog resolving to local files;
2. the SHACL shapes in ``shapes/kb/`` over ontology + modules (pySHACL);
3. what SHACL cannot say, in Python: query files exist and parse with both
   rdflib and Oxigraph, rule id = file name, no orphan ``.rq`` file, every
   ``glr:`` term used in a rule, rule metadata, catalogue or shape is
   defined in the ontology and every module term used is defined in its
   module, catalogue ids are unique, a rule's result IRI matches its
   result type and catalogue id, a rule reads only results of earlier
   stages;
4. what the texts promise (:mod:`reasoner.kb_promises`): an information
   need's ``glr:affects`` equals the results of the rules that read what it
   asks about, every number a rule compares is in its ``glr:criterion``, and
   every time threshold a catalogue text states is one its rules compare.

The result is a :class:`KbReport` of :class:`CheckResult` records (each a
list of :class:`~reasoner.ontology_tools.Problem`), rendered as text or
JSON. Nothing here raises on a broken knowledge base: broken is a report.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from . import ontology_tools as ot
from .ontology_tools import Problem, Severity
from .paths import knowledge_root
from .vocab import GLR, OWL, RDF, SH

__all__ = ["CheckResult", "KbReport", "KbLayout", "resolve_layout", "check_knowledge_base", "Problem", "Severity"]

#: result class -> IRI path segment (architecture.md, "Rules")
_SEGMENTS = {
    GLR.Recommendation: "recommendation",
    GLR.NotRecommended: "not-recommended",
    GLR.Caution: "caution",
    GLR.InformationNeed: "information-need",
    GLR.Assessment: "assessment",
}
#: result class -> the catalogue class its glr:produces must be
_KIND_FOR_RESULT = {
    GLR.Recommendation: GLR.RecommendationKind,
    GLR.NotRecommended: GLR.RecommendationKind,
    GLR.Caution: GLR.CautionKind,
    GLR.InformationNeed: GLR.InformationNeedKind,
    GLR.Assessment: GLR.AssessmentKind,
}


@dataclass
class CheckResult:
    """One named check: what it found and how long it took."""

    name: str
    problems: list[Problem] = field(default_factory=list)
    detail: str = ""
    seconds: float = 0.0
    skipped: str | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    @property
    def status(self) -> str:
        if self.errors:
            return "FAIL"
        if self.skipped is not None:
            return "skip"
        if self.warnings:
            return "warn"
        return "ok"


@dataclass
class KbReport:
    """Everything ``glr check`` found; ``ok`` is False when any error was found."""

    root: Path
    checks: list[CheckResult]

    @property
    def ok(self) -> bool:
        return not any(c.errors for c in self.checks)

    @property
    def problems(self) -> list[Problem]:
        return [p for c in self.checks for p in c.problems]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "root": str(self.root),
            "errors": sum(len(c.errors) for c in self.checks),
            "warnings": sum(len(c.warnings) for c in self.checks),
            "checks": [
                {
                    "name": c.name,
                    "status": c.status,
                    "detail": c.detail,
                    "seconds": round(c.seconds, 3),
                    "skipped": c.skipped,
                    "problems": [p.to_dict() for p in c.problems],
                }
                for c in self.checks
            ],
        }

    def to_text(self) -> str:
        lines = [f"glr check: knowledge base at {self.root}", ""]
        for c in self.checks:
            timing = f"  ({c.seconds:.1f} s)" if c.seconds >= 0.05 else ""
            detail = f" - {c.detail}" if c.detail else ""
            lines.append(f"  {c.status:<4}  {c.name}{detail}{timing}")
            if c.skipped:
                lines.append(f"        skipped: {c.skipped}")
            for p in c.problems:
                lines.append(f"        {p.severity.value}: {p.message}" + (f"  [{p.source}]" if p.source else ""))
        errors = sum(len(c.errors) for c in self.checks)
        warnings = sum(len(c.warnings) for c in self.checks)
        lines.append("")
        verdict = "PASSED" if self.ok else "FAILED"
        lines.append(f"{verdict}: {errors} error(s), {warnings} warning(s) in {len(self.checks)} checks.")
        return "\n".join(lines)


@dataclass(frozen=True)
class KbLayout:
    """Where the pieces of the knowledge base being checked live."""

    root: Path
    ontology_dir: Path
    kb_shapes_dir: Path
    case_shapes_dir: Path
    modules: tuple[Path, ...]


def resolve_layout(kb: Path | None = None) -> KbLayout:
    """Interpret ``--kb DIR``: a knowledge root (ontology/, shapes/, queries/),
    a queries directory (subdirectories with module.ttl) or one module.
    Pieces the directory lacks come from the bundled knowledge base.
    """
    bundled = knowledge_root()
    if kb is None:
        kb = bundled
    kb = Path(kb).resolve()
    root = kb if (kb / "ontology").is_dir() or (kb / "queries").is_dir() else bundled
    ontology_dir = root / "ontology" if (root / "ontology" / ot.ONTOLOGY_TTL).is_file() else bundled / "ontology"
    shapes = root / "shapes" if (root / "shapes").is_dir() else bundled / "shapes"
    if (kb / "module.ttl").is_file():
        modules: tuple[Path, ...] = (kb,)
    elif (kb / "queries").is_dir():
        modules = tuple(sorted(p.parent for p in (kb / "queries").glob("*/module.ttl")))
    else:
        modules = tuple(sorted(p.parent for p in kb.glob("*/module.ttl")))
    return KbLayout(root if root != bundled else kb, ontology_dir, shapes / "kb", shapes / "case", modules)


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _timed(name: str, fn: Callable[[CheckResult], None]) -> CheckResult:
    result = CheckResult(name)
    started = time.perf_counter()
    try:
        fn(result)
    except Exception as exc:  # a check that crashes is itself a finding
        result.problems.append(Problem(name, f"the check itself failed: {type(exc).__name__}: {exc}"))
    result.seconds = time.perf_counter() - started
    return result


def _parse(path: Path, problems: list[Problem], check: str) -> Graph | None:
    try:
        return Graph().parse(path, format="turtle")
    except Exception as exc:
        problems.append(Problem(check, f"cannot parse {path.name}: {' '.join(str(exc).split())[:300]}", source=str(path)))
        return None


def _namespace(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/")) + 1
    return iri[:cut]


def _short(node: Node, graph: Graph | None = None) -> str:
    if graph is not None and isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except Exception:
            pass
    return str(node)


def _iris_in_algebra(node: Any, out: set[URIRef], seen: set[int] | None = None) -> None:
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
            _iris_in_algebra(value, out, seen)
        return
    if isinstance(node, (list, tuple, set, frozenset)):
        for value in node:
            _iris_in_algebra(value, out, seen)
        return
    # property paths and other algebra objects
    for attr in ("args", "arg", "path", "subj", "obj"):
        if hasattr(node, attr):
            _iris_in_algebra(getattr(node, attr), out, seen)


_QUERY_CACHE: dict[str, tuple[str, frozenset[URIRef], frozenset[URIRef]] | str] = {}


def _parse_query(text: str) -> tuple[str, frozenset[URIRef], frozenset[URIRef]] | str:
    """(query form, every IRI in it, the IRIs of its WHERE clause) or the parse
    error; cached by text (rdflib's parser is slow)."""
    if text not in _QUERY_CACHE:
        from rdflib.plugins.sparql import prepareQuery

        try:
            parsed = prepareQuery(text)
        except Exception as exc:
            _QUERY_CACHE[text] = " ".join(str(exc).split())[:240]
        else:
            iris: set[URIRef] = set()
            _iris_in_algebra(parsed.algebra, iris)
            where: set[URIRef] = set()
            _iris_in_algebra(parsed.algebra.get("p"), where)
            _QUERY_CACHE[text] = (parsed.algebra.name, frozenset(iris), frozenset(where))
    return _QUERY_CACHE[text]


_PREFIXED_GLR = re.compile(r"(?<![\w:/#])glr:([A-Za-z_][\w\-]*)")


# --------------------------------------------------------------------------
# the gate
# --------------------------------------------------------------------------


@dataclass
class _Kb:
    layout: KbLayout
    ontology: Graph
    ontology_terms: set[URIRef]
    modules: dict[Path, Graph]
    module_files: dict[Path, Graph]
    module_terms: dict[str, set[URIRef]]  # namespace -> terms typed in modules of that namespace
    knowledge: Graph


def _load(layout: KbLayout, problems: list[Problem]) -> _Kb:
    ontology = _parse(layout.ontology_dir / ot.ONTOLOGY_TTL, problems, "load") or Graph()
    terms = {s for s in ontology.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith(str(GLR))}
    modules: dict[Path, Graph] = {}
    files: dict[Path, Graph] = {}
    module_terms: dict[str, set[URIRef]] = {}
    knowledge = Graph()
    for prefix, ns in ontology.namespaces():
        knowledge.bind(prefix, ns, override=False)
    for directory in layout.modules:
        graph = Graph()
        for ttl in sorted(directory.rglob("*.ttl")):
            part = _parse(ttl, problems, "load")
            if part is None:
                continue
            files[ttl] = part
            graph += part
            for prefix, ns in part.namespaces():
                knowledge.bind(prefix, ns, override=False)
        modules[directory] = graph
        knowledge += graph
        for module_iri in graph.subjects(RDF.type, GLR.GuidelineModule):
            ns = _namespace(str(module_iri))
            module_terms.setdefault(ns, set()).update(
                s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef) and str(s).startswith(ns)
            )
    return _Kb(layout, ontology, terms, modules, files, module_terms, knowledge)


def _check_term(iri: URIRef, kb: _Kb, *, where: str, source: str, check: str) -> Problem | None:
    text = str(iri)
    if text.startswith(str(GLR)):
        if iri not in kb.ontology_terms:
            return Problem(
                check,
                f"{where} uses {_short(iri, kb.knowledge)}, which the ontology does not define (a typo matches nothing).",
                subject=text,
                source=source,
            )
        return None
    ns = _namespace(text)
    if ns in kb.module_terms and iri not in kb.module_terms[ns]:
        return Problem(
            check,
            f"{where} uses {_short(iri, kb.knowledge)}, which no module file defines (no rdf:type stated for it).",
            subject=text,
            source=source,
        )
    return None


def _ontology_checks(kb: _Kb, *, reason: bool, profile: bool) -> list[CheckResult]:
    layout = kb.layout
    out: list[CheckResult] = []

    def lint(result: CheckResult) -> None:
        graph = Graph()
        graph += kb.ontology
        defined = layout.ontology_dir / ot.DEFINED_CLASSES_TTL
        if defined.is_file():
            extra = _parse(defined, result.problems, result.name)
            if extra is not None:
                graph += extra
        result.problems.extend(ot.lint_ontology(graph))
        n = len(kb.ontology_terms)
        result.detail = f"{n} glr: terms; declarations, datatypes, labels, definitions, header"

    out.append(_timed("ontology structure and documentation", lint))

    defined_path = layout.ontology_dir / ot.DEFINED_CLASSES_TTL

    def with_defined(result: CheckResult) -> Graph:
        graph = Graph()
        graph += kb.ontology
        if defined_path.is_file():
            extra = _parse(defined_path, result.problems, result.name)
            if extra is not None:
                graph += extra
        return graph

    if profile:

        def owlapi(result: CheckResult) -> None:
            graph = with_defined(result)
            report = ot.check_profile(graph)
            if report.in_profile is None:
                result.skipped = report.note
                result.problems.append(Problem(result.name, f"OWL 2 DL profile not checked by the OWL API: {report.note}", severity=Severity.WARNING))
                return
            result.problems.extend(report.violations)
            result.detail = f"{report.checker}: " + ("in profile" if report.in_profile else "NOT in profile") + " (glr.ttl + defined-classes.ttl)"

        out.append(_timed("OWL 2 DL profile", owlapi))

    if reason:

        def hermit(result: CheckResult) -> None:
            graph = with_defined(result)
            report = ot.run_reasoner(graph, reasoner="hermit")
            result.problems.extend(report.problems())
            if report.ok:
                result.detail = f"HermiT: consistent, no unsatisfiable classes (glr.ttl + defined-classes.ttl, {report.seconds:.1f} s)"

        out.append(_timed("DL reasoner", hermit))

    def sync(result: CheckResult) -> None:
        ttl = layout.ontology_dir / ot.ONTOLOGY_TTL
        owl = layout.ontology_dir / ot.ONTOLOGY_OWL
        if not owl.is_file():
            result.problems.append(Problem(result.name, f"{owl.name} is missing; run `glr ontology export`.", source=str(owl)))
        elif not ot.rdfxml_in_sync(ttl, owl):
            result.problems.append(Problem(result.name, f"{owl.name} does not state the same triples as {ttl.name}; run `glr ontology export`.", source=str(owl)))
        else:
            result.detail = "glr.owl states exactly the triples of glr.ttl"

    out.append(_timed("RDF/XML in sync", sync))

    def catalog(result: CheckResult) -> None:
        path = layout.ontology_dir / "catalog-v001.xml"
        if not path.is_file():
            result.problems.append(Problem(result.name, "catalog-v001.xml is missing beside the ontology (Protégé resolves imports with it).", source=str(path)))
            return
        entries = ot.read_catalog(path)
        for name, target in entries:
            file = (path.parent / target).resolve()
            if not file.is_file():
                result.problems.append(Problem(result.name, f"the catalog maps {name} to {target}, which does not exist.", subject=name, source=str(path)))
                continue
            graph = Graph().parse(file, format="xml" if file.suffix in (".owl", ".rdf") else "turtle")
            ids = {str(s) for s in graph.subjects(RDF.type, OWL.Ontology)} | {str(o) for o in graph.objects(None, OWL.versionIRI)}
            if name not in ids:
                result.problems.append(Problem(result.name, f"the catalog maps {name} to {target}, but that file is not the ontology {name}.", subject=name, source=str(path)))
        imports = {str(o) for o in kb.ontology.objects(None, OWL.imports)}
        mapped = {name for name, _ in entries}
        for iri in sorted(imports - mapped):
            result.problems.append(Problem(result.name, f"owl:imports {iri} is not mapped to a local file in catalog-v001.xml (Protégé would need the network).", subject=iri, source=str(path)))
        result.detail = f"{len(entries)} IRIs mapped to local files"

    out.append(_timed("Protégé catalog", catalog))
    return out


def _shacl_check(kb: _Kb) -> CheckResult:
    def run(result: CheckResult) -> None:
        import pyshacl  # heavy; only here

        shapes = Graph()
        files = sorted(kb.layout.kb_shapes_dir.glob("*.ttl"))
        if not files:
            result.problems.append(Problem(result.name, f"no knowledge-base shapes found in {kb.layout.kb_shapes_dir}."))
            return
        for f in files:
            part = _parse(f, result.problems, result.name)
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
            where = _short(focus, data) if focus is not None else "?"
            path_text = f" ({_short(path, data)})" if isinstance(path, URIRef) else ""
            result.problems.append(Problem(result.name, f"{where}{path_text}: {message}", subject=str(focus), severity=severity))
        result.problems.sort(key=lambda p: (p.severity.value, p.message))
        n_rules = len(set(kb.knowledge.subjects(RDF.type, GLR.Rule)))
        n_ev = len(set(kb.knowledge.subjects(RDF.type, GLR.EvidenceStatement)))
        result.detail = f"{len(files)} shape file(s) over {len(kb.modules)} module(s), {n_rules} rules, {n_ev} evidence statements"

    return _timed("knowledge-base shapes (SHACL)", run)


def _rule_checks(kb: _Kb) -> CheckResult:
    def run(result: CheckResult) -> None:
        import pyoxigraph

        rule_count = 0
        producers: dict[Node, list[tuple[Node, str, Node | None]]] = {}
        for rule in kb.knowledge.subjects(RDF.type, GLR.Rule):
            for entry in kb.knowledge.objects(rule, GLR.produces):
                producers.setdefault(entry, []).append((rule, str(kb.knowledge.value(rule, GLR.ruleId)), kb.knowledge.value(rule, GLR.stage)))
        # A rule that reads the very kind it produces only adds to a result an
        # earlier stage made (a priority raise): a sibling of its stage may
        # read that kind too, since neither creates it.
        decorators: set[Node] = set()
        for meta_path, part in kb.module_files.items():
            for rule, query_file in part.subject_objects(GLR.queryFile):
                path = meta_path.parent / str(query_file)
                parsed = _parse_query(path.read_text(encoding="utf-8")) if path.is_file() else None
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
                    rid = str(rid_node) if rid_node is not None else _short(rule, kb.knowledge)
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
                    parsed = _parse_query(text)
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
                                result.problems.append(Problem(result.name, f"rule '{rid}' (stage {own_stage}) reads {_short(entry, kb.knowledge)}, which rule '{other_id}' produces in stage {other_stage}; a rule may use results of earlier stages only.", subject=rid, source=str(query_path)))
                    try:
                        pyoxigraph.Store().query(text)
                    except SyntaxError as exc:
                        result.problems.append(Problem(result.name, f"rule '{rid}': {query_path.name} does not parse as SPARQL (Oxigraph): {exc}", subject=rid, source=str(query_path)))
                    if query_form != "ConstructQuery":
                        result.problems.append(Problem(result.name, f"rule '{rid}': {query_path.name} is not a CONSTRUCT query.", subject=rid, source=str(query_path)))
                    for iri in sorted(iris, key=str):
                        problem = _check_term(iri, kb, where=f"rule '{rid}' ({query_path.name})", source=str(query_path), check=result.name)
                        if problem is not None:
                            result.problems.append(problem)
                    # the result IRI the architecture prescribes
                    rtype = part.value(rule, GLR.resultType)
                    produces = part.value(rule, GLR.produces)
                    cid = kb.knowledge.value(produces, GLR.catalogueId) if produces is not None else None
                    if rtype in _SEGMENTS and cid is not None:
                        needle = f"/{_SEGMENTS[rtype]}/{cid}"
                        if needle not in text:
                            result.problems.append(Problem(result.name, f"rule '{rid}' produces {_short(produces, kb.knowledge)} as {_short(rtype, kb.knowledge)} but its query never builds a result IRI ending in '{needle}'.", subject=rid, source=str(query_path), severity=Severity.WARNING))
                        kind = _KIND_FOR_RESULT[rtype]
                        kinds = set(kb.knowledge.objects(produces, RDF.type))
                        if kinds and kind not in kinds:
                            result.problems.append(Problem(result.name, f"rule '{rid}' has result type {_short(rtype, kb.knowledge)} but produces {_short(produces, kb.knowledge)}, which is not a {_short(kind, kb.knowledge)}.", subject=rid, source=src))
            if rules_dir.is_dir():
                for rq in sorted(rules_dir.glob("*.rq")):
                    if rq.resolve() not in referenced:
                        result.problems.append(Problem(result.name, f"{rq.name} is not the glr:queryFile of any rule (a query without metadata never runs).", subject=rq.stem, source=str(rq)))
        result.detail = f"{rule_count} rules: files, SPARQL syntax (rdflib + Oxigraph), terms, ids"

    return _timed("rules", run)


def _term_checks(kb: _Kb) -> CheckResult:
    """glr: and module terms in module data and in shapes must be defined."""

    def run(result: CheckResult) -> None:
        for path, part in sorted(kb.module_files.items()):
            seen: set[URIRef] = set()
            for s, p, o in part:
                for node in (s, p, o) if p != RDF.type else (s, o):
                    if isinstance(node, URIRef) and node not in seen:
                        seen.add(node)
                        if node == s and not str(node).startswith(str(GLR)):
                            continue  # a module subject is a definition, not a use
                        problem = _check_term(node, kb, where=path.name, source=str(path), check=result.name)
                        if problem is not None:
                            result.problems.append(problem)
        shape_files = sorted(kb.layout.case_shapes_dir.glob("*.ttl")) + sorted(kb.layout.kb_shapes_dir.glob("*.ttl"))
        for path in shape_files:
            part = _parse(path, result.problems, result.name)
            if part is None:
                continue
            used: set[URIRef] = set()
            for triple in part:
                for node in triple:
                    if isinstance(node, URIRef) and str(node).startswith(str(GLR)):
                        used.add(node)
                    elif isinstance(node, Literal) and "glr:" in str(node):
                        used.update(GLR[m] for m in _PREFIXED_GLR.findall(str(node)))
            for iri in sorted(used, key=str):
                problem = _check_term(iri, kb, where=f"shape file {path.name}", source=str(path), check=result.name)
                if problem is not None:
                    result.problems.append(problem)
        result.detail = f"{len(kb.module_files)} module file(s), {len(shape_files)} shape file(s)"

    return _timed("terms defined", run)


def _catalogue_checks(kb: _Kb) -> CheckResult:
    def run(result: CheckResult) -> None:
        by_id: dict[str, list[Node]] = {}
        for entry, cid in kb.knowledge.subject_objects(GLR.catalogueId):
            by_id.setdefault(str(cid), []).append(entry)
        for cid, entries in sorted(by_id.items()):
            if len(set(entries)) > 1:
                names = ", ".join(sorted(_short(e, kb.knowledge) for e in set(entries)))
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
            local = _short(cond, kb.knowledge)
            if str(cond) not in texts and local not in texts:
                result.problems.append(Problem(result.name, f"condition {local} is named by no rule query (no not-recommended result can report it).", subject=str(cond), severity=Severity.WARNING))
        result.detail = f"{len(by_id)} catalogue ids, {len(rule_ids)} rule ids"

    return _timed("catalogue ids", run)


def _promise_checks(kb: _Kb) -> CheckResult:
    """Information needs' affects and catalogue thresholds against what the rules read and compare."""

    def run(result: CheckResult) -> None:
        from .kb_promises import affects_problems, rule_texts, threshold_problems

        queries: dict[URIRef, str] = {}
        for meta, part in kb.module_files.items():
            for rule, query_file in part.subject_objects(GLR.queryFile):
                path = meta.parent / str(query_file)
                if path.is_file() and isinstance(_parse_query(path.read_text(encoding="utf-8")), tuple):
                    queries[rule] = path.read_text(encoding="utf-8")
        rules = rule_texts(kb.knowledge, queries)
        result.problems += affects_problems(kb.knowledge, kb.ontology + kb.knowledge, rules)
        result.problems += threshold_problems(kb.knowledge, rules)
        result.detail = f"{len(rules)} rule(s) read"

    return _timed("texts match the rules", run)


def check_knowledge_base(
    kb: Path | None = None,
    *,
    reason: bool = True,
    profile: bool = True,
) -> KbReport:
    """Run every check over the knowledge base at ``kb`` (default: the bundled one)."""
    layout = resolve_layout(kb)
    load = CheckResult("load")
    started = time.perf_counter()
    data = _load(layout, load.problems)
    load.seconds = time.perf_counter() - started
    load.detail = f"ontology + {len(layout.modules)} module(s): " + ", ".join(m.name for m in layout.modules)
    if not layout.modules:
        load.problems.append(Problem("load", f"no guideline module (a directory with module.ttl) found under {layout.root}."))
    checks = [load]
    checks += _ontology_checks(data, reason=reason, profile=profile)
    checks.append(_shacl_check(data))
    checks.append(_rule_checks(data))
    checks.append(_term_checks(data))
    checks.append(_catalogue_checks(data))
    checks.append(_promise_checks(data))
    return KbReport(layout.root, checks)
