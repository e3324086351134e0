"""The suite itself (issue 12): it reads nothing outside the repository and
keeps its knowledge-base cache to the session."""

from __future__ import annotations

import os
import re
from pathlib import Path

from reasoner.kb.cache import cache_directory

ROOT = Path(__file__).resolve().parent.parent


def test_the_knowledge_base_cache_belongs_to_this_session() -> None:
    directory = cache_directory()
    assert directory is not None and directory.name.startswith("glr-test-cache-")
    assert Path(os.environ["GLR_CACHE_DIR"]) == directory
    assert not directory.is_relative_to(ROOT) and not directory.is_relative_to(Path.home() / ".cache")
    # the run's one cache, shared by its pytest-xdist workers (made by the controlling process)
    assert os.environ.get("GLR_TEST_RUN_CACHE_DIR") == str(directory)


def test_no_test_reads_the_shared_folder_beside_the_checkout() -> None:
    """../shared exists only beside some checkouts; the seed audit is scripts/audit-source."""
    offenders = [
        p.name
        for p in sorted(ROOT.joinpath("tests").rglob("*.py"))
        if p.name != Path(__file__).name and re.search(r"""["']shared["']|\.\./shared""", p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
