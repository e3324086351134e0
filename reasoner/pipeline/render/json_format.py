"""JSON output: the public contract (keys change only on purpose)."""

from __future__ import annotations

import json

from ..results import RecommendationResult

__all__ = ["render_json"]


def render_json(result: RecommendationResult) -> str:
    return json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"
