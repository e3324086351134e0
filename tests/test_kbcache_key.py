"""The KB cache key comes from the package's own files, found automatically, not from a hand-kept list."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reasoner.kb import cache

ROOT = Path(__file__).resolve().parent.parent


def _digest_of(package: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    monkeypatch.setattr(cache, "_PACKAGE", package)
    cache.code_digest.cache_clear()
    try:
        return cache.code_digest()
    finally:
        cache.code_digest.cache_clear()


def test_any_package_file_changes_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "reasoner"
    shutil.copytree(ROOT / "reasoner", copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = _digest_of(copy, monkeypatch)
    assert _digest_of(copy, monkeypatch) == before
    (copy / "kb" / "packs.py").write_text((copy / "kb" / "packs.py").read_text() + "\n# changed\n")
    edited = _digest_of(copy, monkeypatch)
    assert edited != before
    (copy / "kb" / "new_reader.py").write_text('"""A module no list names."""\n')
    assert _digest_of(copy, monkeypatch) != edited
