"""Pytest plugin: every test runs with the network denied (loopback allowed) and its file opens watched.

Enabled for the whole suite by one line in tests/conftest.py::

    from conftest_netguard import deny_network_for_every_test  # noqa: F401

A test that tries a non-loopback connection or name lookup fails, even
when the code under test swallowed the NetworkDenied error. Server tests
keep working: 127.0.0.1, ::1 and 'localhost' are allowed.

A test that opens a file outside the repository, the temp directories,
the Python installation (stdlib, site-packages), the knowledge-base cache
and the runtime's own read-only system files fails too: no parser may be
talked into reading ``/etc/passwd`` or a sibling folder of the checkout (issue 11). Files
opened by native code and by subprocesses are not seen here; the hostile
tests check those through their output.
"""

from __future__ import annotations

import os
import site
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from reasoner._runtime import netguard

ROOT = Path(__file__).resolve().parent.parent


def allowed_read_roots() -> list[str]:
    """Where a test may open files: the repository, temp dirs, the interpreter, the KB cache, system runtime files."""
    from reasoner.kb.cache import cache_directory

    roots = [str(ROOT), tempfile.gettempdir(), "/tmp", "/var/tmp", sys.prefix, sys.base_prefix, sys.exec_prefix]
    roots += site.getsitepackages() + [site.getusersitepackages()]
    roots += [p for p in sys.path if p and os.path.isabs(p)]
    cache = cache_directory()
    if cache is not None:
        roots.append(str(cache))
    roots += list(netguard.SYSTEM_READ_ROOTS)
    # realpaths too: /tmp or the venv may be symlinks
    return sorted({os.path.realpath(r) for r in roots} | set(roots))


_ALLOWED = allowed_read_roots()


@pytest.fixture(autouse=True)
def deny_network_for_every_test() -> Iterator[None]:
    with netguard.deny_network() as attempts, netguard.record_file_opens() as opened:
        yield
    if attempts:
        pytest.fail("test tried to use the network: " + "; ".join(attempts), pytrace=False)
    strays = netguard.outside(opened, _ALLOWED)
    if strays:
        pytest.fail("test opened files outside the repository and temp dirs: " + "; ".join(strays[:10]), pytrace=False)
