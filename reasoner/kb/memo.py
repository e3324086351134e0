"""A graph that remembers the answers to the triple patterns asked of it.

Why: explaining a result reads the same knowledge-base facts for every
case (a rule's evidence, its source, labels, catalogue ids); through
rdflib's in-memory store each lookup costs several microseconds, and they
made up about 40% of explanation time in `glr batch` (docs/performance.md).
The knowledge base does not change after it is loaded, so its graphs
answer each pattern once; any change through the graph forgets every
answer, so a caller that does change it still reads the truth.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from rdflib import Graph
from rdflib.paths import Path

__all__ = ["MemoGraph", "memoised"]

#: answers kept at most; past that the memo starts again. Patterns naming a node the graph does not
#: hold (e.g. "has this case node a label here?") are answered without being kept, so only
#: patterns about the graph's own nodes are, and the limit is a guard rather than the rule.
_LIMIT = 50_000


class MemoGraph(Graph):
    """A :class:`rdflib.Graph` over the same store, whose ``triples`` answers are memoised."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._answers: dict[Any, tuple[Any, ...]] = {}
        self._held: tuple[set[Any], set[Any]] | None = None  # (subjects, objects), worked out on first use
        self.generation = 0  # counts changes made through this graph: a copy taken at one generation is stale at the next

    def triples(self, triple: Any) -> Generator[Any, None, None]:  # type: ignore[override]
        subject, predicate, obj = triple
        if isinstance(predicate, Path):
            yield from super().triples(triple)
            return
        if self._held is None:
            self._held = ({t[0] for t in super().triples((None, None, None))}, {t[2] for t in super().triples((None, None, None))})
        if (subject is not None and subject not in self._held[0]) or (obj is not None and obj not in self._held[1]):
            return  # a node the graph does not hold in that place: no answer, and nothing to keep
        answer = self._answers.get(triple)
        if answer is None:
            if len(self._answers) >= _LIMIT:
                self._answers.clear()
            answer = self._answers[triple] = tuple(super().triples(triple))
        yield from answer

    def _forget(self) -> None:
        self._answers.clear()
        self._held = None
        self.generation += 1

    def add(self, triple: Any) -> Any:
        self._forget()
        return super().add(triple)

    def addN(self, quads: Any) -> Any:  # noqa: N802 - rdflib's name
        self._forget()
        return super().addN(quads)

    def remove(self, triple: Any) -> Any:
        self._forget()
        return super().remove(triple)

    def parse(self, *args: Any, **kwargs: Any) -> Any:
        self._forget()
        try:
            return super().parse(*args, **kwargs)
        finally:
            self._forget()


def memoised(graph: Graph) -> MemoGraph:
    """``graph`` itself if it already memoises, else a memoising graph over its store."""
    if isinstance(graph, MemoGraph):
        return graph
    return MemoGraph(store=graph.store, identifier=graph.identifier, namespace_manager=graph.namespace_manager)
