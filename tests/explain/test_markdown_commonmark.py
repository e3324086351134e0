"""The Markdown plan renders as intended in CommonMark (parsed with markdown-it-py).

Why a parser and not string checks: a nested list indented by two spaces
under "1. " is not nested at all in CommonMark; it becomes a sibling list,
and the premises of item 1 read as free-standing items. Here every
recommendation must be one list item whose own nested list holds its
premises, evidence and trailing Detail line, and every section heading must
be where the result says it is.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

from reasoner import RecommendationResult, load_knowledge_base, recommend
from reasoner.kb.knowledge import discover_modules
from reasoner.pipeline.render import render

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
EXAMPLES = sorted([*(ROOT / "examples").glob("*.ttl"), *(ROOT / "examples").glob("*.jsonld")])
FIXTURES = sorted((ROOT / "tests" / "rules" / "cases").glob("*/fires-*.ttl"))[:6]
OWN = sorted((HERE / "cases").glob("*.ttl"))

SECTIONS = (
    ("Recommended next steps", "recommendations"),
    ("Deferred until the items above are dealt with", None),
    ("Not indicated now", "not_recommended"),
    ("Cautions", "cautions"),
    ("Information that would change this plan", "information_needs"),
    ("Findings this plan did not consider", "unconsidered_findings"),
    ("Interpretive assessments", "assessments"),
)


@pytest.fixture(scope="module")
def kb_with_explain_module():
    return load_knowledge_base(modules=[*discover_modules(), HERE / "explain-module"])


def _text(node: SyntaxTreeNode) -> str:
    """The raw inline source of a list item's first paragraph."""
    paragraph = node.children[0]
    assert paragraph.type == "paragraph", node.pretty()
    return paragraph.children[0].content


def _sections(tree: SyntaxTreeNode) -> dict[str, list[SyntaxTreeNode]]:
    found: dict[str, list[SyntaxTreeNode]] = {}
    current = None
    for node in tree.children:
        if node.type == "heading":
            current = node.children[0].content
            assert current not in found, f"heading {current!r} twice"
            found[current] = []
        elif current is not None:
            found[current].append(node)
    return found


def _own(lines: list[str]) -> list[str]:
    """An item's own explanation: the lines before the interaction blocks (issue 16) that follow it."""
    return lines[: next((i for i, line in enumerate(lines) if line.startswith("⚠ Interaction")), len(lines))]


def _check(result: RecommendationResult, markdown: str) -> None:
    tree = SyntaxTreeNode(MarkdownIt("commonmark").parse(markdown))
    assert tree.children[0].type == "heading" and tree.children[0].tag == "h1"
    sections = _sections(tree)
    headings = list(sections)
    expected = [title for title, key in SECTIONS if key and getattr(result, key)]
    if any(r.deferred_by for r in result.recommendations):
        expected.insert(1, SECTIONS[1][0])
    assert [h for h in headings if h in dict(SECTIONS)] == expected
    assert headings[-1] == "Sources" or not any(r.evidence for r in result.recommendations)
    # every recommendation: one item of an ordered list, its explanation a nested list inside it
    items = [
        item
        for title in ("Recommended next steps", "Deferred until the items above are dealt with")
        for block in sections.get(title, [])
        if block.type == "ordered_list"
        for item in block.children
    ]
    shown = [r for r in result.recommendations if not r.deferred_by] + [r for r in result.recommendations if r.deferred_by]
    assert len(items) == len(shown)
    for item, rec in zip(items, shown):
        assert _text(item).startswith(f"**{rec.label}**"), _text(item)
        nested = [child for child in item.children if child.type == "bullet_list"]
        assert len(nested) == 1, item.pretty()
        every = [_text(sub) for sub in nested[0].children]
        lines = _own(every)
        interaction_parts = ("⚠ Interaction", "Reason (", "Evidence [", "Background [", "Detail: interaction ")
        assert all(line.startswith(interaction_parts) for line in every[len(lines):]), every[len(lines):]
        assert [line for line in lines if line.startswith("Because: ")] == [f"Because: {p.text}" for p in rec.premises]
        assert sum(line.startswith(("Evidence [", "Background [")) for line in lines) == len(rec.evidence)
        assert lines[-1].startswith(f"Detail: id {rec.id} ")
    # the other lists: one bullet item per result, its explanation nested inside it
    for title, key in SECTIONS[2:]:
        blocks = [b for b in sections.get(title, []) if b.type == "bullet_list"]
        if not getattr(result, key):
            continue
        assert len(blocks) == 1, title
        assert len(blocks[0].children) == len(getattr(result, key)), title
        if key != "unconsidered_findings":
            for item, entry in zip(blocks[0].children, getattr(result, key)):
                assert _text(item).startswith(f"**{entry.label}**")
                nested = [child for child in item.children if child.type == "bullet_list"]
                assert len(nested) == 1 and _own([_text(c) for c in nested[0].children])[-1].startswith(f"Detail: id {entry.id}")


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
@pytest.mark.parametrize("case", EXAMPLES + FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_plan_structure_in_commonmark(kb, case: Path, engine: str) -> None:
    result = recommend(case, kb=kb, engine=engine)
    assert result.validation.conforms, case
    _check(result, render(result, "markdown"))


@pytest.mark.parametrize("case", OWN, ids=lambda p: p.name)
def test_plan_structure_with_deferred_items(kb_with_explain_module, case: Path) -> None:
    result = recommend(case, kb=kb_with_explain_module)
    assert any(r.deferred_by for r in result.recommendations)
    _check(result, render(result, "markdown"))


def test_ten_or_more_items_nest_under_a_wider_marker(kb_with_explain_module) -> None:
    """'10. ' is four columns wide: the nested list must follow it, or item 10 loses its explanation."""
    result = recommend(HERE / "cases" / "red-flag.ttl", kb=kb_with_explain_module)
    assert len(result.recommendations) >= 10, [r.id for r in result.recommendations]
    _check(result, render(result, "markdown"))
