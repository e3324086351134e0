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

#: answers kept at most; past that the memo starts again (patterns about case nodes, e.g.
#: "has this case node a label here?", would otherwise grow it with every case of a batch)
_LIMIT = 50_000


class MemoGraph(Graph):
    """A :class:`rdflib.Graph` over the same store, whose ``triples`` answers are memoised."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._answers: dict[Any, tuple[Any, ...]] = {}

    def triples(self, triple: Any) -> Generator[Any, None, None]:  # type: ignore[override]
        if isinstance(triple[1], Path):
            yield from super().triples(triple)
            return
        answer = self._answers.get(triple)
        if answer is None:
            if len(self._answers) >= _LIMIT:
                self._answers.clear()
            answer = self._answers[triple] = tuple(super().triples(triple))
        yield from answer

    def add(self, triple: Any) -> Any:
        self._answers.clear()
        return super().add(triple)

    def addN(self, quads: Any) -> Any:  # noqa: N802 - rdflib's name
        self._answers.clear()
        return super().addN(quads)

    def remove(self, triple: Any) -> Any:
        self._answers.clear()
        return super().remove(triple)

    def parse(self, *args: Any, **kwargs: Any) -> Any:
        self._answers.clear()
        try:
            return super().parse(*args, **kwargs)
        finally:
            self._answers.clear()


def memoised(graph: Graph) -> MemoGraph:
    """``graph`` itself if it already memoises, else a memoising graph over its store."""
    if isinstance(graph, MemoGraph):
        return graph
    return MemoGraph(store=graph.store, identifier=graph.identifier, namespace_manager=graph.namespace_manager)
