"""Imports inside reasoner/ run one way: down the layers of docs/architecture.md.

Why: a folder that imports a folder above it (the CLI wiring from a
library, the pipeline from the knowledge-base loader) makes every layer
depend on every other. The layers are listed here, top first; a module may
import a module of a lower layer or of its own unit, never one above it or
a sibling unit of its own layer. Imports under ``if TYPE_CHECKING:`` are
annotations only and are not counted; imports inside functions are.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: top first; each layer is a set of independent units (module-name prefixes under reasoner.)
LAYERS: tuple[tuple[str, ...], ...] = (
    ("cli",),
    ("remote", "server", "hooks", "__init__"),
    ("batch",),  # glr serve's start-up reasons over many cases as a batch does (server/dataset.py)
    ("pipeline.run", "pipeline"),
    ("pipeline.render",),
    ("pipeline.results",),  # the package: re-exports the three below
    ("pipeline.results.explainer",),
    ("pipeline.results.records",),
    ("pipeline.results.json_contract",),
    ("pipeline.inference", "pipeline.validation", "pipeline.unconsidered", "pipeline.interactions", "pipeline.loading"),
    # what the explanation and the stages share: knowledge-base facts per knowledge base, reads of
    # a derivation, the derivation itself (kept as triples until a graph is needed)
    ("pipeline.results.kbfacts", "pipeline.results.lookups", "pipeline.derivation"),
    ("pipeline.merged_data",),
    ("pipeline.timeline", "pipeline.plainview"),
    ("pipeline.pendingcase",),  # the normalised case graph, built when first used
    ("pipeline.fastturtle",),
    ("pipeline.memorygraph", "pipeline.storeorder"),  # rdflib graphs built in bulk; answers in rdflib's order
    ("pipeline.engines",),
    ("fhir",),
    ("kb.check",),
    ("kb.ontology",),  # export, DL, profile, lint, catalog, case view: over the loader, never under it
    ("kb",),
    ("_runtime",),
    ("errors", "vocab", "paths"),
)


def _module_name(package_dir: Path, path: Path) -> str:
    parts = list(path.relative_to(package_dir).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def _unit(name: str) -> tuple[int, str]:
    """(layer index, unit) of a module name relative to reasoner; longest prefix wins."""
    best: tuple[int, str] | None = None
    for depth, units in enumerate(LAYERS):
        for unit in units:
            if (name == unit or name.startswith(unit + ".")) and (best is None or len(unit) > len(best[1])):
                best = (depth, unit)
    if best is None:
        raise AssertionError(f"reasoner.{name} belongs to no layer; add it to LAYERS in {Path(__file__).name}")
    return best


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _targets(package_dir: Path, path: Path, modules: set[str]) -> list[tuple[int, str]]:
    """(line, imported module relative to reasoner) for every import of the package in one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    name = _module_name(package_dir, path)
    package = name.split(".") if path.name == "__init__.py" and name != "__init__" else name.split(".")[:-1]
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Import, ast.ImportFrom)) or node.lineno in skip:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name.removeprefix("reasoner.")) for a in node.names if a.name.startswith("reasoner.")]
            continue
        if node.level:
            base = package[: len(package) - (node.level - 1)]
            target = ".".join([*base, *([node.module] if node.module else [])])
        elif node.module and (node.module == "reasoner" or node.module.startswith("reasoner.")):
            target = node.module.removeprefix("reasoner").lstrip(".")
        else:
            continue
        for alias in node.names:
            sub = f"{target}.{alias.name}".lstrip(".")
            found.append((node.lineno, sub if sub in modules else (target or "__init__")))
    return found


def upward_imports(package_dir: Path) -> list[str]:
    """Every import in package_dir that runs up a layer or across to a sibling unit."""
    files = sorted(package_dir.rglob("*.py"))
    modules = {_module_name(package_dir, p) for p in files}
    problems = []
    for path in files:
        here = _module_name(package_dir, path)
        depth, unit = _unit(here)
        for line, target in _targets(package_dir, path, modules):
            t_depth, t_unit = _unit(target)
            if t_unit != unit and t_depth <= depth:
                where = path.relative_to(package_dir.parent).as_posix()
                problems.append(f"{where}:{line} imports reasoner.{target} ({t_unit}, layer {t_depth}) from {unit} (layer {depth})")
    return problems


def test_imports_run_down_the_layers() -> None:
    assert upward_imports(ROOT / "reasoner") == []


def test_an_upward_import_is_caught(tmp_path: Path) -> None:
    copy = tmp_path / "reasoner"
    shutil.copytree(ROOT / "reasoner", copy, ignore=shutil.ignore_patterns("__pycache__", "*.ttl", "*.rq", "*.js"))
    planted = copy / "kb" / "knowledge.py"
    planted.write_text(planted.read_text(encoding="utf-8") + "\n\ndef _planted():\n    from ..cli import main\n", encoding="utf-8")
    problems = upward_imports(copy)
    assert len(problems) == 1 and problems[0].startswith("reasoner/kb/knowledge.py:") and "reasoner.cli" in problems[0], problems


def test_a_sibling_import_is_caught(tmp_path: Path) -> None:
    copy = tmp_path / "reasoner"
    shutil.copytree(ROOT / "reasoner", copy, ignore=shutil.ignore_patterns("__pycache__", "*.ttl", "*.rq", "*.js"))
    planted = copy / "server" / "guard.py"
    planted.write_text(planted.read_text(encoding="utf-8") + "\nfrom ..hooks import cards\n", encoding="utf-8")
    assert [p for p in upward_imports(copy) if "server/guard.py" in p], "server importing hooks must be refused"


def test_every_module_has_a_layer() -> None:
    for path in (ROOT / "reasoner").rglob("*.py"):
        _unit(_module_name(ROOT / "reasoner", path))
