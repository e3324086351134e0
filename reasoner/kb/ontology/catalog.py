"""The Protégé catalog: the (import IRI, local file) pairs a catalog-v001.xml maps.

Why: Protégé resolves owl:imports offline through it; checks read it the same way.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ['read_catalog']


def read_catalog(path: Path) -> list[tuple[str, str]]:
    """The (IRI, local file) pairs of a Protégé ``catalog-v001.xml`` (OASIS XML catalog)."""
    from defusedxml import ElementTree

    tree = ElementTree.parse(path)
    ns = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"
    return [(el.get("name", ""), el.get("uri", "")) for el in tree.getroot().iter(f"{ns}uri")]
