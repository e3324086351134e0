"""Keep out of a multi-case store the case and derived triples no rule can read.

Why: about two thirds of the triples the rules derive are provenance and
premise links (``prov:used``, ``glr:premise`` …) that no rule reads, and a
case carries labels no rule reads either. Each one still cost a term
conversion and an insertion, and made the store larger (issue 17, tenth
pass). The derivation graphs keep every triple: only what the store holds
for later queries changes.

Why the answers are the same: when every rule names its predicates (no
variable predicate, no negated property set: ``rules_predicates`` is not
None), a triple pattern or path step can only match a triple whose
predicate it names. A triple with another predicate can change an answer
in one way only: by making its subject or object a node of the case graph,
which a path of length zero may then match (reasoner/batch/slim.py,
:func:`~reasoner.batch.slim.zero_length_nodes`). Those nodes are known — the
IRIs returned there (a variable end must also be bound by a real triple of
a read predicate, which is kept) — so a triple naming one of them is kept.
When either set is unknown, every triple is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["ReadFilter"]


@dataclass(frozen=True)
class ReadFilter:
    """Which triples a multi-case store must hold for the rules to give the same answers."""

    #: the predicates some rule can match (IRIs)
    predicates: frozenset[str]
    #: the IRIs a path of length zero may need as nodes of a case graph
    nodes: frozenset[str]

    @classmethod
    def of(cls, predicates: frozenset[Any] | None, nodes: frozenset[str] | None) -> ReadFilter | None:
        """The filter, or None when either set is unknown (then the store keeps everything)."""
        if predicates is None or nodes is None:
            return None
        return cls(frozenset(str(p) for p in predicates), nodes)

    def keeps(self, s: Any, p: Any, o: Any) -> bool:
        """True when some rule may read the triple (``s``, ``p``, ``o``) in a case graph."""
        return str(p) in self.predicates or str(s) in self.nodes or str(o) in self.nodes

    def kept(self, triples: list[tuple[Any, Any, Any]]) -> list[tuple[Any, Any, Any]]:
        """``triples`` without those no rule may read, in their order."""
        predicates, nodes = self.predicates, self.nodes
        return [t for t in triples if str(t[1]) in predicates or str(t[0]) in nodes or str(t[2]) in nodes]
