"""Where a guideline pack keeps each kind of file, so every loader reads a pack the same way.

Why: a pack (a directory holding module.ttl) carries everything of its own
guideline; the core ontology and case shapes keep only what every guideline
shares. The layout is a convention on sub-directory names, not a list of
modules: a pack added beside the others is found and read with no edit
outside its directory.

    <pack>/module.ttl         the glr:GuidelineModule (label, version, sources)
    <pack>/ontology/*.ttl     its ontology extension (owl:imports the core): joins the ontology
    <pack>/shapes/*.ttl       its case shapes and value sets: join the core case shapes
    <pack>/endpoint/*.rq      its ready-made queries for endpoint users
    <pack>/fixtures/          its example cases with expectations (tests read them)
    <pack>/fhir/data/*.ttl    bulk tables only its FHIR mapping rules read (value-set members,
                              drug tables): parsed by the mapper, never loaded into the knowledge base
    <pack>/**/*.ttl (rest)    catalogue, evidence, rules/*.ttl, codes: the knowledge graph
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["PACK_FILE", "MAPPING_DATA_DIR", "PackFiles", "pack_files", "discover_packs", "is_pack"]

PACK_FILE = "module.ttl"
_ONTOLOGY, _SHAPES, _ENDPOINT, _FIXTURES = "ontology", "shapes", "endpoint", "fixtures"
#: where a pack keeps bulk tables only its FHIR mapping rules read: never loaded into the knowledge base
MAPPING_DATA_DIR = ("fhir", "data")


@dataclass(frozen=True)
class PackFiles:
    """A pack's Turtle files by the graph they join."""

    directory: Path
    ontology: tuple[Path, ...]
    shapes: tuple[Path, ...]
    knowledge: tuple[Path, ...]
    endpoint_queries: tuple[Path, ...]

    def all_turtle(self) -> list[Path]:
        return [*self.ontology, *self.shapes, *self.knowledge]


def is_pack(directory: Path) -> bool:
    return (Path(directory) / PACK_FILE).is_file()


def discover_packs(*roots: Path) -> list[Path]:
    """Every pack directly under the given directories, in name order (a root that is a pack counts)."""
    found: set[Path] = set()
    for root in roots:
        root = Path(root)
        if is_pack(root):
            found.add(root)
        found.update(p.parent for p in root.glob(f"*/{PACK_FILE}"))
    return sorted(found)


def pack_files(directory: Path) -> PackFiles:
    """Sort a pack's files by the graph they join (fixtures are never loaded)."""
    directory = Path(directory)
    ontology, shapes, knowledge = [], [], []
    for ttl in sorted(directory.rglob("*.ttl")):
        parts = ttl.relative_to(directory).parts
        top = parts[0]
        if top == _FIXTURES or parts[:2] == MAPPING_DATA_DIR:
            continue
        {_ONTOLOGY: ontology, _SHAPES: shapes}.get(top, knowledge).append(ttl)
    endpoint = sorted((directory / _ENDPOINT).glob("*.rq"))
    return PackFiles(directory, tuple(ontology), tuple(shapes), tuple(knowledge), tuple(endpoint))
