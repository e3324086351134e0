"""The benchmark's synthetic cases for tests: the generator, and cases prepared as batch workers prepare them."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def synthetic() -> ModuleType:
    """benchmarks/synthetic.py, loaded once (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location("glr_synthetic", ROOT / "benchmarks" / "synthetic.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def prepared_cases(kb: Any, count: int, *, seed: int, picks: tuple[int, ...] | None = None) -> list[Any]:
    """Synthetic cases ``picks`` (default: all ``count``) parsed and normalised, validation deferred,
    as reasoner/batch/many.py prepares them; each named ``case-N``."""
    from reasoner.batch.many import defer_validation
    from reasoner.pipeline.loading import parse_case_bytes
    from reasoner.pipeline.run import prepare_case

    texts = synthetic().generate_cases(count, seed=seed)
    prepared = []
    for n in picks if picks is not None else range(count):
        graph = parse_case_bytes(texts[n].encode(), source=f"case-{n}", rdf_format="turtle")
        prepared.append(prepare_case(graph, kb=kb, validator=defer_validation, source=f"case-{n}"))
    return prepared
