"""pyrudof as the second-opinion tests run it: data and shapes read from files, all results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyrudof  # a test dependency: fail loudly, never skip
from rdflib import Graph


def rudof_report(data: Graph, shapes: Graph, tmp_path: Path) -> Any:
    """pyrudof's validation report for ``data`` against ``shapes``."""
    data_file = tmp_path / "data.nt"
    shapes_file = tmp_path / "shapes.ttl"
    data_file.write_bytes(data.serialize(format="nt", encoding="utf-8"))
    shapes_file.write_bytes(shapes.serialize(format="turtle", encoding="utf-8"))
    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    rudof.read_data(str(data_file), format=pyrudof.RDFFormat.NTriples)
    rudof.read_shacl(str(shapes_file))
    return rudof.validate_shacl()
