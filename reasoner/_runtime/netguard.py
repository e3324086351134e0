"""Deny network access from this Python process, loopback excepted.

Why: the reasoner parses files from outside. Nothing in it needs the
network, so a parser or query engine that tries to reach out (a remote
JSON-LD ``@context``, ``owl:imports``, a SPARQL ``SERVICE`` clause) is a
bug or an attack. The test suite installs this guard for every test, and
a deployment may install it for the whole process (``glr`` commands other
than ``serve`` never need a socket beyond loopback).

What it covers: every connection and name lookup made through Python's
``socket`` module (``urllib``, ``http.client``, ``httpx``, rdflib's SERVICE
support). What it cannot cover: sockets opened by native code, such as
pyoxigraph's own HTTP client. Those are stopped earlier, by refusing
``SERVICE``, ``LOAD`` and ``FROM`` in rule queries
(:func:`reasoner._runtime.safety.reject_network_query`).

Usage::

    from reasoner._runtime import netguard
    with netguard.deny_network() as attempts:
        ...                       # any non-loopback connect raises NetworkDenied
    assert not attempts           # and every attempt is recorded, even if swallowed

    netguard.install()            # for the rest of the process
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import sys
import threading
from collections.abc import Iterator
from typing import Any

__all__ = [
    "NetworkDenied",
    "deny_network",
    "expect_denial",
    "install",
    "uninstall",
    "attempts",
    "is_loopback",
]

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", ""}


class NetworkDenied(ConnectionRefusedError):
    """Raised instead of opening a non-loopback connection or resolving a remote name."""


_lock = threading.Lock()
_depth = 0
_attempts: list[str] = []
_expected: list[str] = []
_expecting = 0
_report_to_stderr = False
_originals: dict[str, Any] = {}


def is_loopback(host: Any) -> bool:
    """True for 127.0.0.0/8, ::1, 'localhost' and the like (and for Unix-socket paths)."""
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _deny(what: str) -> None:
    with _lock:
        (_expected if _expecting else _attempts).append(what)
    if _report_to_stderr:
        print(f"glr-netguard: blocked {what}", file=sys.stderr, flush=True)
    raise NetworkDenied(f"network access is disabled in this process (blocked {what})")


def _check_address(sock: socket.socket, address: Any, verb: str) -> None:
    family = getattr(sock, "family", None)
    if family not in (socket.AF_INET, socket.AF_INET6):
        return  # AF_UNIX (multiprocessing, forkserver) and friends stay local
    host = address[0] if isinstance(address, tuple) and address else address
    if not is_loopback(host):
        _deny(f"{verb} to {address!r}")


def _install_patches() -> None:
    orig_connect = socket.socket.connect
    orig_connect_ex = socket.socket.connect_ex
    orig_sendto = socket.socket.sendto
    orig_getaddrinfo = socket.getaddrinfo
    orig_gethostbyname = socket.gethostbyname
    orig_gethostbyname_ex = socket.gethostbyname_ex
    _originals.update(
        connect=orig_connect,
        connect_ex=orig_connect_ex,
        sendto=orig_sendto,
        getaddrinfo=orig_getaddrinfo,
        gethostbyname=orig_gethostbyname,
        gethostbyname_ex=orig_gethostbyname_ex,
    )

    def connect(self: socket.socket, address: Any) -> Any:
        _check_address(self, address, "connection")
        return orig_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> Any:
        _check_address(self, address, "connection")
        return orig_connect_ex(self, address)

    def sendto(self: socket.socket, data: Any, *args: Any) -> Any:
        if args:
            _check_address(self, args[-1], "datagram")
        return orig_sendto(self, data, *args)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not is_loopback(host):
            _deny(f"name lookup of {host!r}")
        return orig_getaddrinfo(host, *args, **kwargs)

    def gethostbyname(host: str) -> str:
        if not is_loopback(host):
            _deny(f"name lookup of {host!r}")
        return orig_gethostbyname(host)

    def gethostbyname_ex(host: str) -> Any:
        if not is_loopback(host):
            _deny(f"name lookup of {host!r}")
        return orig_gethostbyname_ex(host)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = sendto  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = getaddrinfo
    socket.gethostbyname = gethostbyname
    socket.gethostbyname_ex = gethostbyname_ex


def _remove_patches() -> None:
    socket.socket.connect = _originals["connect"]  # type: ignore[method-assign]
    socket.socket.connect_ex = _originals["connect_ex"]  # type: ignore[method-assign]
    socket.socket.sendto = _originals["sendto"]  # type: ignore[method-assign]
    socket.getaddrinfo = _originals["getaddrinfo"]
    socket.gethostbyname = _originals["gethostbyname"]
    socket.gethostbyname_ex = _originals["gethostbyname_ex"]
    _originals.clear()


def install(*, report_to_stderr: bool = False) -> None:
    """Deny non-loopback network access until :func:`uninstall` (calls nest)."""
    global _depth, _report_to_stderr
    with _lock:
        if _depth == 0:
            _install_patches()
        _depth += 1
        _report_to_stderr = _report_to_stderr or report_to_stderr


def uninstall() -> None:
    """Undo one :func:`install`; the last one restores the socket module."""
    global _depth, _report_to_stderr
    with _lock:
        if _depth == 0:
            return
        _depth -= 1
        if _depth == 0:
            _remove_patches()
            _report_to_stderr = False


def attempts() -> list[str]:
    """Every blocked attempt so far in this process (oldest first)."""
    with _lock:
        return list(_attempts)


@contextlib.contextmanager
def deny_network() -> Iterator[list[str]]:
    """Deny network access inside the block; yields the list of attempts made in it."""
    with _lock:
        start = len(_attempts)
    install()
    seen: list[str] = []
    try:
        yield seen
    finally:
        uninstall()
        with _lock:
            seen.extend(_attempts[start:])


@contextlib.contextmanager
def expect_denial() -> Iterator[list[str]]:
    """Inside the block, blocked attempts are expected (tests of the guard itself).

    They are collected in the yielded list instead of counting as violations.
    """
    global _expecting
    with _lock:
        start = len(_expected)
        _expecting += 1
    seen: list[str] = []
    try:
        yield seen
    finally:
        with _lock:
            _expecting -= 1
            seen.extend(_expected[start:])
