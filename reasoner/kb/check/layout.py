"""Which knowledge base ``glr check --kb DIR`` checks: where its ontology, shapes and modules are."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import ontology_tools as ot
from ...paths import knowledge_root

__all__ = ["KbLayout", "resolve_layout"]


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
