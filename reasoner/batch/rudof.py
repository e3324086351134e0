"""`--validator pyrudof`: a fast first pass for batch validation, pySHACL for every message.

Why: pySHACL is the reference validator and dominates the time per case
(docs/performance.md). pyrudof (a Rust SHACL engine) validates the same
graph with the same shapes about ten times faster. It is used only to
recognise the common case — a graph with *no* SHACL result at all — and
then returns exactly what pySHACL would (conforms, no results). Any result
from pyrudof (violation, warning or info) sends the case to pySHACL, so
every message a user reads is still pySHACL's. tests/test_batch_validator.py
proves the records are identical to pySHACL-only records on the examples
and on synthetic cases.

The knowledge base's shapes and ontology are loaded into pyrudof once per
worker; each case is staged on top and rolled back.
"""

from __future__ import annotations

from typing import Any

from ..errors import UsageError
from .ntrows import NTNames, case_triples, nt_bytes

__all__ = ["RudofFirstValidator"]


class RudofFirstValidator:
    """A drop-in for ``reasoner.pipeline.validation.validate_graph``."""

    def __init__(self, kb: Any) -> None:
        try:
            import pyrudof
        except ImportError:
            raise UsageError("--validator pyrudof needs pyrudof: pip install pyrudof.") from None
        self._pyrudof = pyrudof
        self._rudof = pyrudof.Rudof(pyrudof.RudofConfig())
        self._rudof.read_shacl(kb.shapes.serialize(format="turtle"), format=pyrudof.ShaclFormat.Turtle)
        self._rudof.read_data(kb.ontology.serialize(format="nt"), format=pyrudof.RDFFormat.NTriples)
        self._names = NTNames()  # IRIs' N-Triples forms, shared by the cases this worker validates
        self.fast = 0
        self.referred = 0

    def clean(self, data: Any) -> bool:
        """True when pyrudof finds no SHACL result of any severity."""
        nt = nt_bytes(case_triples(data), self._names).decode()  # Graph.serialize(format="nt"), one pass
        self._rudof.begin_staging()
        try:
            self._rudof.read_data(nt, format=self._pyrudof.RDFFormat.NTriples, merge=True)
            report = self._rudof.validate_shacl()
        finally:
            self._rudof.rollback_staging()
        return len(report) == 0

    def __call__(self, data: Any, *, shapes: Any, ontology: Any, source: str | None = None) -> Any:
        from ..pipeline.validation import ValidationReport, validate_graph

        try:
            clean = self.clean(data)
        except Exception:  # noqa: BLE001 - any pyrudof trouble: the reference decides
            clean = False
        if clean:
            self.fast += 1
            return ValidationReport(conforms=True, results=(), source=source)
        self.referred += 1
        return validate_graph(data, shapes=shapes, ontology=ontology, source=source)
