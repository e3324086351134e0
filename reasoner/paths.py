"""Where the bundled knowledge lives: the checkout, or the installed wheel."""

from __future__ import annotations

from pathlib import Path

__all__ = ["knowledge_root", "ONTOLOGY_DIR", "SHAPES_DIR", "QUERIES_DIR", "CONTEXT_DIR"]

_PACKAGE = Path(__file__).resolve().parent


def knowledge_root() -> Path:
    """Directory holding ontology/, shapes/ and queries/.

    A wheel carries them under reasoner/_bundled; a checkout (editable
    install) has them beside the package.
    """
    bundled = _PACKAGE / "_bundled"
    if (bundled / "ontology").is_dir():
        return bundled
    return _PACKAGE.parent


ONTOLOGY_DIR = knowledge_root() / "ontology"
SHAPES_DIR = knowledge_root() / "shapes"
QUERIES_DIR = knowledge_root() / "queries"
CONTEXT_DIR = _PACKAGE / "context"
