"""Check a case graph against the case shapes before any rule runs.

Why a module of its own: an invalid case must never reach the rules, and
every entry point (CLI, API, batch, server) must judge a case the same way
and explain the verdict in the same words. This module runs the SHACL
shapes in ``shapes/case/`` with pySHACL and turns SHACL's result graph into
typed records (:class:`ValidationResult`) that keep SHACL's own fields —
focus node, path, value, message, severity, source shape — instead of
flattening them into strings.

Severities are used honestly: only ``sh:Violation`` blocks a case;
``sh:Warning`` and ``sh:Info`` are reported and let it through. A case that
does not conform is *not* an error (it is a report with ``conforms ==
False``, CLI exit 1); a broken shapes file is (:class:`KnowledgeBaseError`).

pySHACL is run offline: no inference, no owl:imports followed. The data
graph it sees is the case merged with the ontology, so that ``sh:class``
and ``sh:targetClass`` follow ``rdfs:subClassOf`` (a ``glr:Seroma`` is a
``glr:ClinicalFinding``). This is what pySHACL's ``ont_graph`` option
does; the merge is done here instead so the graph can cache parsed SPARQL
(see :class:`_PreparedQueryGraph`), so a second engine can be given the
very same data graph, and so the ontology is not copied for every case
(merged_data.py lends a graph that already holds it).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import NamespaceManager
from rdflib.query import Result
from rdflib.term import Node

from ..errors import KnowledgeBaseError
from ..kb.cache import prepare_query
from ..paths import SHAPES_DIR
from ..vocab import GLR, RDF, RDFS, SH, XSD
from .merged_data import merged_with_ontology

if TYPE_CHECKING:
    from rdflib.plugins.sparql.sparql import Query

__all__ = [
    "Severity",
    "ValidationResult",
    "ValidationReport",
    "CASE_SHAPES_DIR",
    "load_case_shapes",
    "validate_graph",
]

CASE_SHAPES_DIR = SHAPES_DIR / "case"


class Severity(enum.Enum):
    """SHACL severity of a result; only VIOLATION makes a case non-conforming."""

    VIOLATION = "Violation"
    WARNING = "Warning"
    INFO = "Info"

    @property
    def blocks(self) -> bool:
        """Whether a result of this severity stops the case reaching the rules."""
        return self is Severity.VIOLATION

    @property
    def rank(self) -> int:
        """Sort order: most serious first."""
        return {Severity.VIOLATION: 0, Severity.WARNING: 1, Severity.INFO: 2}[self]


_SEVERITY_OF: dict[Node, Severity] = {
    SH.Violation: Severity.VIOLATION,
    SH.Warning: Severity.WARNING,
    SH.Info: Severity.INFO,
}

# Compact names for the human-readable report only; JSON keeps full IRIs.
_DISPLAY_PREFIXES: tuple[tuple[str, str], ...] = (
    ("glr", str(GLR)),
    ("glrs", "https://w3id.org/glr/shapes/case#"),
    ("rdf", str(RDF)),
    ("rdfs", str(RDFS)),
    ("xsd", str(XSD)),
    ("sh", str(SH)),
)


def _compact(text: str) -> str:
    """Shorten a full IRI to prefix:name when it is in a well-known namespace."""
    for prefix, namespace in _DISPLAY_PREFIXES:
        if text.startswith(namespace):
            local = text[len(namespace):]
            if local and all(ch.isalnum() or ch in "-_." for ch in local):
                return f"{prefix}:{local}"
    if text.startswith(("http://", "https://", "urn:")):
        return f"<{text}>"
    return text


def _compact_in(text: str) -> str:
    """Compact every <IRI> written inside a rendered path or value."""
    out = []
    rest = text
    while "<" in rest and ">" in rest[rest.index("<"):]:
        start = rest.index("<")
        end = rest.index(">", start)
        inner = rest[start + 1:end]
        out.append(rest[:start])
        out.append(_compact(inner) if inner.startswith(("http://", "https://", "urn:")) else f"<{inner}>")
        rest = rest[end + 1:]
    out.append(rest)
    return "".join(out)


def _display(text: str) -> str:
    """A path or value for humans: a bare IRI compacted, IRIs inside <…> compacted."""
    if text.startswith(("http://", "https://", "urn:")) and " " not in text:
        return _compact(text)
    return _compact_in(text)


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, with SHACL's own fields kept apart.

    ``focus_node``, ``path`` and ``value`` are full IRIs or N3 literals (a
    path that is not a plain property is written in SPARQL property-path
    syntax, e.g. ``^<…#hasImaging>``); ``focus_label`` is the node's
    rdfs:label so a clinician can recognise it.
    """

    severity: Severity
    focus_node: str
    focus_label: str | None
    path: str | None
    value: str | None
    message: str
    source_shape: str | None

    def sort_key(self) -> tuple[int, str, str, str, str, str]:
        """Deterministic order: severity, then node, property, message, value.

        A blank node's id changes from run to run, so it is ordered by its
        label first; its id only breaks remaining ties.
        """
        node = f"_:{self.focus_label or ''}" if self.focus_node.startswith("_:") else self.focus_node
        return (self.severity.rank, node, self.path or "", self.message, self.value or "", self.focus_node)

    def to_json(self) -> dict[str, Any]:
        """The JSON form: one object per result (keys are part of the CLI contract)."""
        return {
            "severity": self.severity.value,
            "focus_node": self.focus_node,
            "focus_label": self.focus_label,
            "path": self.path,
            "value": self.value,
            "message": self.message,
            "shape": self.source_shape,
        }

    def to_text(self) -> str:
        """One line: severity | node ("label") | path | value | message."""
        node = _compact(self.focus_node)
        if self.focus_label:
            node += f' ("{self.focus_label}")'
        parts = [self.severity.value, node]
        parts.append(f"path {_display(self.path)}" if self.path else "path -")
        parts.append(f"value {_display(self.value)}" if self.value else "value -")
        parts.append(self.message)
        return " | ".join(parts)


@dataclass(frozen=True)
class ValidationReport:
    """The verdict on one case graph: conforms iff no result is a Violation."""

    conforms: bool
    results: tuple[ValidationResult, ...]
    source: str | None

    @property
    def violations(self) -> tuple[ValidationResult, ...]:
        """Results that block the case."""
        return tuple(r for r in self.results if r.severity is Severity.VIOLATION)

    @property
    def warnings(self) -> tuple[ValidationResult, ...]:
        """Results reported to the user that do not block the case (warnings and infos)."""
        return tuple(r for r in self.results if r.severity is not Severity.VIOLATION)

    def to_text(self) -> str:
        """Human-readable report: a summary line, then one line per result."""
        where = f"{self.source}: " if self.source else ""
        verdict = "conforms" if self.conforms else "does not conform"
        n_v, n_w = len(self.violations), len(self.warnings)
        lines = [
            f"{where}{verdict} ({n_v} violation{'s' if n_v != 1 else ''}, "
            f"{n_w} warning{'s' if n_w != 1 else ''})"
        ]
        lines.extend(r.to_text() for r in self.results)
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """Machine-readable report: {"conforms", "source", "violations", "warnings"}."""
        return {
            "conforms": self.conforms,
            "source": self.source,
            "violations": [r.to_json() for r in self.violations],
            "warnings": [r.to_json() for r in self.warnings],
        }


def load_case_shapes(shapes_dir: Path | None = None) -> Graph:
    """Load every ``*.ttl`` in the case shapes directory into one graph.

    Files are read in name order so the graph (and any error) is the same
    on every machine. A missing directory or an unreadable file is a broken
    knowledge base, not a bad case.
    """
    directory = shapes_dir if shapes_dir is not None else CASE_SHAPES_DIR
    if not directory.is_dir():
        raise KnowledgeBaseError("the case shapes directory does not exist.", source=str(directory))
    files = sorted(directory.glob("*.ttl"))
    if not files:
        raise KnowledgeBaseError("the case shapes directory holds no .ttl files.", source=str(directory))
    shapes = Graph()
    for file in files:
        try:
            shapes.parse(file, format="turtle")
        except Exception as exc:  # rdflib raises many types; report them all as a broken KB
            detail = " ".join(str(exc).split())[:400]
            raise KnowledgeBaseError(f"the shapes file is not valid Turtle: {detail}", source=str(file)) from None
    return shapes


def validate_graph(
    data: Graph,
    *,
    shapes: Graph,
    ontology: Graph,
    source: str | None = None,
) -> ValidationReport:
    """Validate a case graph; the caller's graph is never modified.

    The shapes see ``data`` merged with ``ontology`` (merged_data.py), so
    class hierarchy and labels are visible to them; no inference is run and
    nothing is fetched. ``source`` (usually the file name) is carried into
    the report.
    """
    import pyshacl  # here: a batch of valid cases never runs pySHACL (0.07 s of each worker's start)

    try:
        with merged_with_ontology(data, ontology, _PreparedQueryGraph) as merged:
            _conforms, results_graph, _text = pyshacl.validate(
                merged,
                shacl_graph=shapes,
                inference="none",
                advanced=False,
                abort_on_first=False,
                allow_infos=True,
                allow_warnings=True,
                do_owl_imports=False,
            )
    except Exception as exc:  # pySHACL reports broken shapes/SPARQL as various runtime errors
        detail = " ".join(str(exc).split())[:400]
        raise KnowledgeBaseError(f"the case shapes could not be run: {type(exc).__name__}: {detail}") from None
    if not isinstance(results_graph, Graph):
        raise KnowledgeBaseError("pySHACL returned no results graph.")
    results = tuple(
        sorted(
            (_read_result(results_graph, node, data=data, shapes=shapes, ontology=ontology)
             for node in results_graph.subjects(RDF.type, SH.ValidationResult)
             # nested results (sh:detail, e.g. under sh:node) explain a top-level one; not reported twice
             if (None, SH.detail, node) not in results_graph),
            key=ValidationResult.sort_key,
        )
    )
    conforms = not any(r.severity.blocks for r in results)
    return ValidationReport(conforms=conforms, results=results, source=source)


# --- parsing each SPARQL constraint once ------------------------------------------


class _PreparedQueryGraph(Graph):
    """A graph that parses each distinct SPARQL text only once.

    Why: pySHACL runs a SHACL-SPARQL constraint once per focus node and
    hands rdflib the query *text* each time; rdflib re-parses it every time,
    and parsing was about nine tenths of validation time (about 1 s for the
    seed case, 0.1 s with this cache). The query text and the bindings are
    unchanged, so results are identical. A prepared query is not modified
    by evaluation, so sharing it between threads is safe. The prepared form
    is also kept on disk (reasoner/kb/cache.py): parsing the three
    constraints took about 0.15 s of every process.
    """

    def query(  # type: ignore[override]
        self,
        query_object: str | Query,
        processor: str = "sparql",
        result: str = "sparql",
        initNs: Mapping[str, Any] | None = None,  # noqa: N803 (rdflib's name)
        initBindings: Mapping[str, Node] | None = None,  # noqa: N803 (rdflib's name)
        use_store_provided: bool = True,
        **kwargs: Any,  # rdflib's own pass-through to the query processor; not an option of ours
    ) -> Result:
        if isinstance(query_object, str) and not initNs:
            query_object = prepare_query(query_object)  # memory, then disk, then rdflib's parser
        return super().query(query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs)


# --- reading SHACL's results graph -------------------------------------------------

_N3 = NamespaceManager(Graph(), bind_namespaces="none")
_N3.bind("xsd", XSD)


def _render_node(node: Node) -> str:
    """IRIs as plain strings, literals in N3 (datatype visible), blank nodes as _:id."""
    if isinstance(node, URIRef):
        return str(node)
    if isinstance(node, Literal):
        return node.n3(_N3)
    if isinstance(node, BNode):
        return f"_:{node}"
    return str(node)


def _render_path(graph: Graph, path: Node) -> str:
    """A SHACL path as SPARQL property-path text with full IRIs in <…>."""
    if isinstance(path, URIRef):
        return str(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _bracket(graph, inverse)
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_bracket(graph, p) for p in Collection(graph, alternatives)) + ")"
    for predicate, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = graph.value(path, predicate)
        if inner is not None:
            return _bracket(graph, inner) + suffix
    if graph.value(path, RDF.first) is not None:
        return "/".join(_bracket(graph, p) for p in Collection(graph, path))
    return _render_node(path)


def _bracket(graph: Graph, path: Node) -> str:
    rendered = _render_path(graph, path)
    return f"<{rendered}>" if isinstance(path, URIRef) else rendered


def _first_text(values: Iterable[Node]) -> str | None:
    """Pick one text deterministically, preferring English or untagged literals."""
    literals = [v for v in values if isinstance(v, Literal)]
    if not literals:
        return None
    preferred = [v for v in literals if v.language in (None, "en")] or literals
    return sorted(str(v) for v in preferred)[0]


def _label(node: Node, graphs: tuple[Graph, ...]) -> str | None:
    """rdfs:label of a node from the case first, then the ontology."""
    for graph in graphs:
        label = _first_text(graph.objects(node, RDFS.label))
        if label is not None:
            return label
    return None


def _source_shape(shape: Node | None, shapes: Graph) -> str | None:
    """Name the shape a result came from; an anonymous property shape is named by its node shape."""
    if shape is None:
        return None
    if isinstance(shape, URIRef):
        return str(shape)
    for owner_property in (SH.property, SH.sparql):
        for owner in shapes.subjects(owner_property, shape):
            if isinstance(owner, URIRef):
                return str(owner)
    return None


def _read_result(results: Graph, node: Node, *, data: Graph, shapes: Graph, ontology: Graph) -> ValidationResult:
    focus = results.value(node, SH.focusNode)
    path = results.value(node, SH.resultPath)
    value = results.value(node, SH.value)
    severity = _SEVERITY_OF.get(results.value(node, SH.resultSeverity), Severity.VIOLATION)
    shape = results.value(node, SH.sourceShape)
    message = _first_text(results.objects(node, SH.resultMessage))
    if message is None:
        message = _first_text(shapes.objects(shape, SH.message)) if shape is not None else None
    if message is None:
        message = "The case does not meet a shape's constraint (no message was given; please report this)."
    return ValidationResult(
        severity=severity,
        focus_node=_render_node(focus) if focus is not None else "",
        focus_label=_label(focus, (data, ontology)) if focus is not None else None,
        path=_render_path(results, path) if path is not None else None,
        value=_render_node(value) if value is not None and value != focus else None,
        message=message,
        source_shape=_source_shape(shape, shapes),
    )
