"""Output formats for results and validation reports; one module per format."""

from __future__ import annotations

from ...errors import UsageError
from ..results import RecommendationResult

__all__ = ["FORMATS", "render"]

FORMATS = ("markdown", "json", "turtle", "jsonld")


def render(result: RecommendationResult, fmt: str) -> str:
    """Render a result in one of FORMATS."""
    if fmt == "markdown":
        from .markdown import render_markdown

        return render_markdown(result)
    if fmt == "json":
        from .json_format import render_json

        return render_json(result)
    if fmt in ("turtle", "jsonld"):
        from .rdf import render_rdf

        return render_rdf(result, fmt)
    raise UsageError(f"unknown output format '{fmt}'; choose one of: {', '.join(FORMATS)}.")
