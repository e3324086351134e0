"""Deny network access from this Python process, loopback excepted; record the files it opens.

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

The same module records file opens (:func:`record_file_opens`, an audit
hook): the test suite fails a test that opens a file outside the
repository, the temp directories and the runtime's own read-only files.

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
import os
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
    "record_file_opens",
    "outside",
    "SYSTEM_READ_ROOTS",
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


# --------------------------------------------------------------------------- file opens

#: Files the runtime itself reads outside any project directory (MIME table, time zone, TLS roots).
SYSTEM_READ_ROOTS = ("/dev", "/proc", "/sys", "/usr/lib", "/usr/share", "/usr/local/lib", "/etc/mime.types",
                     "/etc/localtime", "/etc/ssl", "/etc/pki", "/etc/ca-certificates", "/etc/os-release")

_file_lock = threading.Lock()
_file_recorders: list[list[str]] = []
_file_hook_added = False


def _on_audit(event: str, args: tuple[Any, ...]) -> None:
    if event != "open" or not _file_recorders or not args:
        return
    path = args[0]
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, str):
        return  # an already open descriptor
    path = os.path.realpath(path)  # a symlink counts as the file it leads to
    with _file_lock:
        for recorder in _file_recorders:
            recorder.append(path)


@contextlib.contextmanager
def record_file_opens() -> Iterator[list[str]]:
    """Inside the block, the absolute path of every file this process opens is appended to the yielded list.

    Why: a parser told to resolve ``file:///etc/passwd`` (a JSON-LD context,
    an XML entity) or a symlink out of an input directory reads a file and
    may never say so. Python's audit hook sees every ``open`` (``open()``,
    ``io.open``, ``os.open``), whatever library makes it; native code
    (pyoxigraph, the JVM) is not seen. The hook is added once per process
    and costs nothing while no block is active.
    """
    global _file_hook_added
    seen: list[str] = []
    with _file_lock:
        if not _file_hook_added:
            sys.addaudithook(_on_audit)
            _file_hook_added = True
        _file_recorders.append(seen)
    try:
        yield seen
    finally:
        with _file_lock:  # by identity: nested recorders may hold equal lists
            _file_recorders[:] = [r for r in _file_recorders if r is not seen]


def outside(paths: list[str], roots: list[str]) -> list[str]:
    """The paths (deduplicated, in order) that lie under none of ``roots``."""
    prefixes = [os.path.abspath(r) for r in roots]
    found: list[str] = []
    for path in paths:
        if not any(path == p or path.startswith(p.rstrip(os.sep) + os.sep) for p in prefixes) and path not in found:
            found.append(path)
    return found
