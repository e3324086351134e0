"""Where batch cases come from: a directory, an N-Quads/TriG file, or NDJSON.

Why a module of its own: the three input shapes are read differently, but
every case leaves here as a :class:`CaseItem` with a stable, unique
``source`` string — the key the output records and ``--resume`` use.

* a directory: every non-hidden file below it (sorted), each one case.
  Files with an extension the loader does not know still become cases,
  and so error records: nothing is dropped silently. Symlinks leading
  outside the directory and non-regular files become error records
  without being read (:func:`refuse_directory_entry`).
* ``.nq`` / ``.trig``: one case per named graph, ``FILE#<graph IRI>``.
  Parsed with pyoxigraph (native, streaming, no network, no entities).
  Triples in the default graph belong to no case and become one error record.
* ``.ndjson`` / ``.jsonl``: one JSON-LD document per line, ``FILE:LINE``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .._runtime.safety import refuse_directory_entry  # shared with `glr serve`
from ..errors import InputError

__all__ = ["CaseItem", "iter_cases", "refuse_directory_entry", "CONTAINER_SUFFIXES", "NDJSON_SUFFIXES"]

CONTAINER_SUFFIXES = {".nq": "application/n-quads", ".nquads": "application/n-quads", ".trig": "application/trig"}
NDJSON_SUFFIXES = {".ndjson", ".jsonl"}


@dataclass(frozen=True)
class CaseItem:
    """One case to process: a file path, or bytes already cut out of a bigger file."""

    source: str
    path: str | None = None
    data: bytes | None = None
    rdf_format: str | None = None  # loader format name for ``data``
    error: str | None = None  # set when the case could not even be cut out


def _directory(root: Path) -> Iterator[CaseItem]:
    entries = sorted(
        p
        for p in root.rglob("*")
        if not p.is_dir() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )
    for path in entries:
        refusal = refuse_directory_entry(path, root)
        if refusal:
            yield CaseItem(source=str(path), error=refusal)
        else:
            yield CaseItem(source=str(path), path=str(path))


def _ndjson(path: Path) -> Iterator[CaseItem]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            yield CaseItem(source=f"{path}:{number}", data=line, rdf_format="json-ld")


def _container(path: Path) -> Iterator[CaseItem]:
    import pyoxigraph as ox

    fmt = ox.RdfFormat.from_media_type(CONTAINER_SUFFIXES[path.suffix.lower()])
    graphs: dict[str, list[ox.Triple]] = {}
    default: list[ox.Triple] = []
    try:
        for quad in ox.parse(path=str(path), format=fmt):
            triple = ox.Triple(quad.subject, quad.predicate, quad.object)
            if isinstance(quad.graph_name, ox.DefaultGraph):
                default.append(triple)
            else:
                graphs.setdefault(str(quad.graph_name.value), []).append(triple)
    except (SyntaxError, ValueError, OSError) as exc:
        detail = " ".join(str(exc).split())[:400]
        raise InputError(
            f"the batch file could not be parsed, so none of its cases were processed: {detail}",
            source=str(path),
        ) from None
    for name, triples in graphs.items():
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        yield CaseItem(source=f"{path}#{name}", data=data, rdf_format="nt")
    if default:
        yield CaseItem(
            source=f"{path}#default-graph",
            error=f"{len(default)} triples are in the default graph; in a batch file every case "
            "must be a named graph (N-Quads: a fourth term on every line; TriG: GRAPH <iri> { ... }).",
        )


def iter_cases(input_path: str | Path) -> Iterator[CaseItem]:
    """Every case in the input, in a stable order."""
    path = Path(input_path)
    if path.is_dir():
        yield from _directory(path)
        return
    if not path.is_file():
        raise InputError("no such file or directory.", source=str(path))
    suffix = path.suffix.lower()
    if suffix in CONTAINER_SUFFIXES:
        yield from _container(path)
    elif suffix in NDJSON_SUFFIXES:
        yield from _ndjson(path)
    else:  # a single case file is a batch of one
        yield CaseItem(source=str(path), path=str(path))
