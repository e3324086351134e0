"""Types shared by the engines."""

from __future__ import annotations

from rdflib.term import Node

__all__ = ["Triple"]

Triple = tuple[Node, Node, Node]
