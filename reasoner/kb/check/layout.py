"""Which knowledge base ``glr check --kb DIR`` checks: where its ontology, shapes and modules are."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import ontology as ot
from ..packs import discover_packs, is_pack
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
    # a pack has ontology/ and shapes/ of its own: those are its extension, not a knowledge root
    own_root = not is_pack(kb) and ((kb / "ontology").is_dir() or (kb / "queries").is_dir())
    root = kb if own_root else bundled
    ontology_dir = root / "ontology" if (root / "ontology" / ot.ONTOLOGY_TTL).is_file() else bundled / "ontology"
    shapes = root / "shapes" if (root / "shapes").is_dir() else bundled / "shapes"
    modules = tuple(discover_packs(kb / "queries" if (kb / "queries").is_dir() else kb))
    return KbLayout(root if root != bundled else kb, ontology_dir, shapes / "kb", shapes / "case", modules)
