"""The dataset a `glr serve` endpoint answers over, one named graph per part.

Graph names (stable; the service description lists them with their sizes):

=============================================  ==========================================
``https://w3id.org/glr/graph/ontology``        the OWL ontology (``ontology/glr.ttl``)
``https://w3id.org/glr/graph/kb``              every guideline module: catalogue, evidence,
                                               sources, rule metadata
``<case-iri>/graph/data``                      one case as the rules saw it: the case file
                                               plus the time normalisation (``glr:monthsBeforeAsOf`` …)
``<case-iri>/graph/results``                   that case's derived results and their PROV-O
                                               derivation (``glr:RuleRun`` activities)
=============================================  ==========================================

The default graph of a query is the union of all of them (pyoxigraph's
``use_default_graph_as_union``), so a query without ``GRAPH`` sees the
ontology, the knowledge base and every case at once.

Why the results are computed here rather than read from files: the
endpoint must answer exactly what ``glr recommend`` would, so it runs the
same pipeline (:func:`reasoner.recommend`) on each case at start-up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from rdflib import Graph

    from ..kb.knowledge import KnowledgeBase

__all__ = [
    "ONTOLOGY_GRAPH",
    "KB_GRAPH",
    "CASE_SUFFIXES",
    "case_data_graph",
    "case_results_graph",
    "collect_case_files",
    "ServedCase",
    "SkippedCase",
    "ServedDataset",
    "build_dataset",
]

ONTOLOGY_GRAPH = "https://w3id.org/glr/graph/ontology"
KB_GRAPH = "https://w3id.org/glr/graph/kb"
#: file suffixes picked up when a directory is given (files given by name may use any supported suffix)
CASE_SUFFIXES = (".ttl", ".jsonld")


def case_data_graph(case_iri: str) -> str:
    """Name of the graph holding a case's normalised data."""
    return f"{case_iri}/graph/data"


def case_results_graph(case_iri: str) -> str:
    """Name of the graph holding a case's derived results and derivation."""
    return f"{case_iri}/graph/results"


def _scan(paths: Iterable[str | Path]) -> tuple[list[Path], list["SkippedCase"]]:
    """Files to serve and files refused unread: named files as given; in a named directory,
    regular .ttl/.jsonld files directly inside it (not recursive: ``examples/invalid/`` holds
    cases that must fail validation), never a symlink leading out of it or a pipe or device."""
    from .._runtime.safety import refuse_directory_entry

    files: list[Path] = []
    refused: list[SkippedCase] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for entry in sorted(p for p in path.iterdir() if p.suffix.lower() in CASE_SUFFIXES and not p.is_dir()):
                why = refuse_directory_entry(entry, path)
                if why:
                    refused.append(SkippedCase(str(entry), why, "not read: " + why.split(";")[0]))
                else:
                    files.append(entry)
        else:
            files.append(path)
    seen: set[Path] = set()
    unique = []
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique, refused


def collect_case_files(paths: Iterable[str | Path]) -> list[Path]:
    """The case files :func:`build_dataset` reads (see :func:`_scan`)."""
    return _scan(paths)[0]


@dataclass(frozen=True)
class ServedCase:
    source: str
    case_iri: str
    data_graph: str
    results_graph: str
    results: int  # number of derived results (recommendations, cautions, …)

    def public(self) -> dict[str, object]:
        """For ``/status``: the file's name only, never a machine path."""
        return {"source": Path(self.source).name, "case_iri": self.case_iri, "data_graph": self.data_graph,
                "results_graph": self.results_graph, "results": self.results}


@dataclass(frozen=True)
class SkippedCase:
    """A case not served. ``reason`` is the full message (server log); ``summary`` is what
    ``/status`` shows: it never quotes the file, since a parse error may quote its content."""

    source: str
    reason: str
    summary: str = ""

    def public(self) -> dict[str, str]:
        return {"source": Path(self.source).name, "reason": self.summary or self.reason}


@dataclass
class ServedDataset:
    """The served dataset as N-Quads (what each query worker loads) and what it holds."""

    nquads: bytes
    graph_sizes: dict[str, int]
    cases: list[ServedCase] = field(default_factory=list)
    skipped: list[SkippedCase] = field(default_factory=list)
    knowledge_base_version: str = ""
    #: prefix -> namespace for Turtle answers: what the knowledge base's own files declare
    prefixes: dict[str, str] = field(default_factory=dict)


def _add_graph(store: object, graph: "Graph", name: str) -> None:
    import pyoxigraph as ox

    data = graph.serialize(format="nt", encoding="utf-8")
    store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(name))  # type: ignore[attr-defined]


def _summary(exc: Exception) -> str:
    from ..errors import InputError, UnsafeInputError

    if isinstance(exc, UnsafeInputError):
        return "refused as unsafe input (see the server log)"
    if isinstance(exc, InputError):
        return "not readable as a case graph (see the server log)"
    return f"could not be processed: {type(exc).__name__} (see the server log)"


def _count_results(result: object) -> int:
    kinds = ("recommendations", "not_recommended", "cautions", "information_needs", "assessments")
    return sum(len(getattr(result, k, ())) for k in kinds)


#: from this many cases on, start-up reasons over them as ``glr batch`` does, many per Oxigraph store
#: (reasoner/batch/many.py): setting that up costs ~0.6 s, less than it saves from here on
MANY_CASES = 25


def _answers(files: list[Path], *, kb: "KnowledgeBase", engine: str, as_of: dt.date | str | None) -> list[object]:
    """Per file, what :func:`reasoner.recommend` returns for it (or raises): one by one, or,
    for many cases on Oxigraph, a store of cases at a time with the same answers
    (tests/test_batch_multicase.py; tests/test_serve.py compares the two datasets)."""
    from ..pipeline.run import recommend

    if engine != "oxigraph" or len(files) < MANY_CASES:
        answers: list[object] = []
        for path in files:
            try:
                answers.append(recommend(path, kb=kb, as_of=as_of, engine=engine))
            except Exception as exc:  # noqa: BLE001 - the caller decides, as before, what stops the server
                answers.append(exc)
        return answers
    from ..batch.many import reason_many
    from ..batch.sources import CaseItem
    from ..batch.worker import BatchConfig, worker_state

    config = BatchConfig(engine=engine, as_of=as_of)  # type: ignore[arg-type]  (prepare_case takes a date too)
    state = worker_state(config, kb)
    answers = []
    for start in range(0, len(files), config.cases_per_store):
        chunk = files[start : start + config.cases_per_store]
        answers.extend(reason_many([CaseItem(source=str(p), path=str(p)) for p in chunk], state))
    return answers


def build_dataset(
    paths: Iterable[str | Path],
    *,
    kb: "KnowledgeBase",
    engine: str = "oxigraph",
    as_of: dt.date | str | None = None,
) -> ServedDataset:
    """Run the pipeline on every case and gather ontology, knowledge base and cases into one dataset.

    A case that cannot be read, does not conform, or has no case IRI is
    skipped and listed in ``skipped`` with the reason; it never stops the server.
    """
    import pyoxigraph as ox

    from ..errors import GlrError

    store = ox.Store()
    _add_graph(store, kb.ontology, ONTOLOGY_GRAPH)
    _add_graph(store, kb.knowledge, KB_GRAPH)
    served: list[ServedCase] = []
    files, skipped = _scan(paths)
    taken: dict[str, str] = {}
    for path, answer in zip(files, _answers(files, kb=kb, engine=engine, as_of=as_of)):
        if isinstance(answer, GlrError):
            skipped.append(SkippedCase(str(path), str(answer), _summary(answer)))
            continue
        if isinstance(answer, BaseException):
            raise answer
        if not answer.validation.conforms:
            skipped.append(SkippedCase(str(path), "does not conform to the case shapes (run `glr validate` on it)"))
            continue
        result = answer
        case_iri = result.case
        if case_iri in taken:
            skipped.append(SkippedCase(
                str(path),
                f"the same case (<{case_iri}>) as {taken[case_iri]}, which is served",
                f"the same case as {Path(taken[case_iri]).name}, which is served",
            ))
            continue
        taken[case_iri] = str(path)
        data_name, results_name = case_data_graph(case_iri), case_results_graph(case_iri)
        _add_graph(store, result.case_graph, data_name)
        _add_graph(store, result.derivation_graph, results_name)
        served.append(ServedCase(str(path), case_iri, data_name, results_name, _count_results(result)))
    sizes = {}
    for graph in store.named_graphs():
        sizes[graph.value] = sum(1 for _ in store.quads_for_pattern(None, None, None, graph))
    return ServedDataset(
        nquads=store.dump(format=ox.RdfFormat.N_QUADS),
        graph_sizes=dict(sorted(sizes.items())),
        cases=served,
        skipped=skipped,
        knowledge_base_version=kb.version,
        prefixes=dict(kb.prefixes),
    )
