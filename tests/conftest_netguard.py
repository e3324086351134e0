"""Pytest plugin: every test runs with the network denied (loopback allowed).

Enabled for the whole suite by one line in tests/conftest.py::

    from conftest_netguard import deny_network_for_every_test  # noqa: F401

A test that tries a non-loopback connection or name lookup fails, even
when the code under test swallowed the NetworkDenied error. Server tests
keep working: 127.0.0.1, ::1 and 'localhost' are allowed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reasoner._runtime import netguard


@pytest.fixture(autouse=True)
def deny_network_for_every_test() -> Iterator[None]:
    with netguard.deny_network() as attempts:
        yield
    if attempts:
        pytest.fail("test tried to use the network: " + "; ".join(attempts), pytrace=False)
