"""A cache of the parsed knowledge base, keyed by the content of every file it is read from.

Why: parsing the ontology, the shapes and every module's Turtle with rdflib
took about 0.3 s of a 0.7 s ``glr recommend`` process; unpickling the
parsed result takes about 0.05 s (docs/performance.md).

When the cache is used, and why it cannot go stale:

* The key is a SHA-256 over: a cache format number, the Python and rdflib
  versions, the source of the modules that decide what a load produces
  (knowledge.py, safety.py, vocab.py, this file), and the path and *bytes*
  of every file the load reads — the ontology, every case shape file, every
  ``*.ttl`` of every module (in the order the load reads them). Not
  modification times: content.
* The rule query files are named inside the rule metadata, so they are
  known only after a load; the entry records each query file's path and a
  hash of its bytes, and is used only if all of them still match.
* Only a load that *succeeded* is stored; a broken knowledge base always
  goes through the normal load and gets its normal error.
* Any trouble with the cache (unreadable, corrupt, foreign, a file that
  vanished) falls back to the normal load. Writes are atomic (temporary
  file + rename); at most ``_MAX_ENTRIES`` entries are kept.

The same directory also remembers, per set of rule texts, the rule
footprint (reasoner/kb/footprint.py) and the IRIs the rules mention
(reasoner/kb/mentions.py), and the batch's compiled many-case rules
(reasoner/batch/multicase.py), each keyed by its inputs, the versions and
the package's source (:func:`derived_key`).

The same directory holds rdflib's prepared (parsed and translated) rule
queries, keyed by a SHA-256 of the query text, the Python and rdflib
versions: preparing the 32 bundled rules took about 2 s per process with
the rdflib engine, loading them about 0.03 s. rdflib's algebra nodes
(``CompValue``/``Expr``) cannot be pickled as they are, so they are
written as (class, name, evaluation function, items) and rebuilt with
their constructor.

Where: ``$GLR_CACHE_DIR``, else ``$XDG_CACHE_HOME/glr``, else
``~/.cache/glr``. ``GLR_NO_KB_CACHE=1`` turns it off. Entries are pickles,
so the directory is used only if it belongs to the current user and no one
else can write to it (it is created with mode 0700).
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

__all__ = [
    "cache_directory",
    "load_cached",
    "load_prepared_query",
    "store_prepared_query",
    "prepare_query",
    "load_footprint",
    "store_footprint",
    "load_mentions",
    "store_mentions",
    "derived_key",
    "load_derived",
    "store_derived",
]

_FORMAT = 2
_MAX_ENTRIES = 16
_MAX_QUERIES = 512
_PACKAGE = Path(__file__).resolve().parent.parent


@functools.lru_cache(maxsize=1)
def code_digest() -> bytes:
    """Digest of every Python file of the package, so that any change to the code that
    reads, parses or analyses the knowledge base retires every entry (no hand-kept list)."""
    h = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*.py")):
        h.update(path.relative_to(_PACKAGE).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.digest()


def cache_directory() -> Path | None:
    """Where entries live, or None when the cache is turned off."""
    if os.environ.get("GLR_NO_KB_CACHE", "").strip() not in ("", "0"):
        return None
    explicit = os.environ.get("GLR_CACHE_DIR", "").strip()
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "glr"


def _private(directory: Path) -> bool:
    """Our own directory, writable by no one else (entries are pickles)."""
    try:
        info = directory.stat()
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return False
    return not hasattr(os, "getuid") or info.st_uid == os.getuid()


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _key(inputs: Iterable[Path]) -> str:
    import rdflib

    h = hashlib.sha256()
    h.update(f"glr-kb-cache {_FORMAT} {sys.version} rdflib {rdflib.__version__}\0".encode())
    h.update(code_digest())
    for path in inputs:
        h.update(str(path.resolve()).encode("utf-8", "surrogateescape"))
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def _query_files_match(recorded: list[tuple[str, str]]) -> bool:
    for path, digest in recorded:
        try:
            if _digest(Path(path).read_bytes()) != digest:
                return False
        except OSError:
            return False
    return True


def _prune(directory: Path, pattern: str = "kb-*.pickle", keep: int = _MAX_ENTRIES) -> None:
    try:
        entries = sorted(directory.glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:  # another process pruned at the same time
        return
    for old in entries[keep:]:
        try:
            old.unlink()
        except OSError:
            pass


def load_cached(inputs: Callable[[], list[Path]], load: Callable[[], Any]) -> Any:
    """``load()``'s result, from the cache when every input file is unchanged.

    ``inputs()`` lists the files the load reads, in the order it reads them
    (it may raise OSError; then the cache is skipped).
    """
    directory = cache_directory()
    if directory is None:
        return load()
    try:
        key = _key(inputs())
    except (OSError, ValueError):
        return load()
    entry_path = directory / f"kb-{key}.pickle"
    if _private(directory):
        try:
            entry = pickle.loads(entry_path.read_bytes())
            if entry.get("key") == key and _query_files_match(entry["query_files"]):
                return entry["kb"]
        except Exception:  # noqa: BLE001 - missing, corrupt or foreign entry: load normally
            pass
    kb = load()
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(directory):
            return kb
        query_files = sorted({str(rule.query_path) for rule in kb.rules})
        entry = {
            "key": key,
            "query_files": [(path, _digest(Path(path).read_bytes())) for path in query_files],
            "kb": kb,
        }
        _write(directory, entry_path, pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL))
        _prune(directory)
    except Exception:  # noqa: BLE001 - a cache that cannot be written is only slower
        pass
    return kb


def _write(directory: Path, path: Path, data: bytes) -> None:
    """Atomically: a reader sees the old entry, no entry, or the whole new one."""
    fd, tmp = tempfile.mkstemp(prefix=".glr-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# --------------------------------------------------------------------------- prepared rdflib queries


def _query_key(text: str) -> str:
    import rdflib

    return _digest(f"glr-query-cache {_FORMAT} {sys.version} rdflib {rdflib.__version__}\0{text}".encode("utf-8", "surrogateescape"))


def _rebuild_node(cls: type, name: str, evalfn: Any, items: list[tuple[Any, Any]], extra: dict[str, Any]) -> Any:
    from rdflib.plugins.sparql.parserutils import Expr

    node = cls(name, evalfn) if issubclass(cls, Expr) else cls(name)
    for key, value in items:
        node[key] = value
    node.__dict__.update(extra)
    return node


def _true_filter() -> Any:
    from rdflib.plugins.sparql.operators import TrueFilter

    return TrueFilter


def _reduce_node(node: Any) -> tuple[Any, ...]:
    from rdflib.plugins.sparql.operators import TrueFilter
    from rdflib.plugins.sparql.parserutils import Expr

    if node is TrueFilter:  # rdflib's module-level "no HAVING" filter: its function is a lambda
        return (_true_filter, ())
    bound = node.__dict__.get("_evalfn") if isinstance(node, Expr) else None
    extra = {k: v for k, v in node.__dict__.items() if k not in ("name", "_evalfn")}
    return (_rebuild_node, (type(node), node.name, getattr(bound, "__func__", None), list(dict.items(node)), extra))


def _dump_query(query: Any) -> bytes:
    import copyreg
    import io

    from rdflib.plugins.sparql.parserutils import CompValue, Expr

    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    table = copyreg.dispatch_table.copy()
    table[CompValue] = _reduce_node
    table[Expr] = _reduce_node
    pickler.dispatch_table = table
    pickler.dump(query)
    return buffer.getvalue()


def copy_prepared_query(query: Any) -> Any:
    """A private copy of a prepared query (the same pickling the disk cache uses), for a caller that
    changes its algebra: the query :func:`prepare_query` returns is shared by every caller."""
    return pickle.loads(_dump_query(query))  # noqa: S301 - our own bytes, made just now


def load_prepared_query(text: str) -> Any | None:
    """rdflib's prepared form of ``text`` from the cache, or None."""
    directory = cache_directory()
    if directory is None or not _private(directory):
        return None
    key = _query_key(text)
    try:
        entry = pickle.loads((directory / f"rq-{key}.pickle").read_bytes())
        if entry.get("key") == key and entry.get("text") == text:
            return entry["query"]
    except Exception:  # noqa: BLE001 - missing, corrupt or foreign entry: prepare normally
        pass
    return None


def _store_entry(kind: str, key: str, data: Callable[[], bytes], keep: int) -> None:
    """Write one ``<kind>-<key>.pickle`` entry atomically and prune old ones; any failure only costs speed."""
    directory = cache_directory()
    if directory is None:
        return
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(directory):
            return
        _write(directory, directory / f"{kind}-{key}.pickle", data())
        _prune(directory, f"{kind}-*.pickle", keep)
    except Exception:  # noqa: BLE001
        pass


def store_prepared_query(text: str, query: Any) -> None:
    """Remember rdflib's prepared form of ``text``; any failure only costs speed."""
    key = _query_key(text)
    _store_entry("rq", key, lambda: _dump_query({"key": key, "text": text, "query": query}), _MAX_QUERIES)


@functools.lru_cache(maxsize=1024)
def prepare_query(text: str) -> Any:
    """rdflib's prepared form of ``text``: from memory, from the cache, or parsed now and remembered.

    Raises whatever rdflib raises for a query that does not parse. A
    prepared query is never modified by evaluation, so sharing one is safe.
    """
    query = load_prepared_query(text)
    if query is None:
        from rdflib.plugins.sparql import prepareQuery

        query = prepareQuery(text)
        store_prepared_query(text, query)
    return query


# --------------------------------------------------------------------------- rule footprints

_NO_BOUND = "*"  # stored for a set of rules that can read any predicate


def _footprint_key(texts: Iterable[str]) -> str:
    return derived_key("footprint", texts)


def load_footprint(texts: list[str]) -> tuple[bool, frozenset[str] | None]:
    """(found, predicates) remembered for exactly these rule texts; predicates None means any."""
    directory = cache_directory()
    if directory is None or not _private(directory):
        return False, None
    try:
        key = _footprint_key(texts)
        entry = pickle.loads((directory / f"fp-{key}.pickle").read_bytes())
        if entry.get("key") == key:
            found = entry["predicates"]
            return True, None if found == _NO_BOUND else frozenset(found)
    except Exception:  # noqa: BLE001 - missing, corrupt or foreign entry: compute normally
        pass
    return False, None


def store_footprint(texts: list[str], predicates: frozenset[str] | None) -> None:
    """Remember what these rule texts can read; any failure only costs speed."""
    try:
        key = _footprint_key(texts)
    except OSError:  # the package's own source is unreadable: do without the cache
        return
    value: Any = _NO_BOUND if predicates is None else sorted(str(p) for p in predicates)
    _store_entry("fp", key, lambda: pickle.dumps({"key": key, "predicates": value}), _MAX_ENTRIES)


# --------------------------------------------------------------------------- IRIs the rules mention


def _mentions_key(texts: Iterable[str]) -> str:
    return derived_key("mentions", texts)


def load_mentions(texts: list[str]) -> frozenset[str] | None:
    """The IRIs remembered as mentioned by exactly these rule texts, or None."""
    directory = cache_directory()
    if directory is None or not _private(directory):
        return None
    try:
        key = _mentions_key(texts)
        entry = pickle.loads((directory / f"mn-{key}.pickle").read_bytes())
        if entry.get("key") == key:
            return frozenset(entry["iris"])
    except Exception:  # noqa: BLE001 - missing, corrupt or foreign entry: compute normally
        pass
    return None


def store_mentions(texts: list[str], iris: frozenset[str]) -> None:
    """Remember what these rule texts mention; any failure only costs speed."""
    try:
        key = _mentions_key(texts)
    except OSError:
        return
    value = sorted(str(i) for i in iris)
    _store_entry("mn", key, lambda: pickle.dumps({"key": key, "iris": value}), _MAX_ENTRIES)


# --------------------------------------------------------------------------- derived state, keyed by its inputs

_MEMO: dict[str, bytes] = {}  # this process's entries, as pickled (each load gets its own objects)


def derived_key(kind: str, parts: Iterable[str]) -> str:
    """A key for state derived from ``parts`` by this package's code: also the Python, rdflib and
    pyoxigraph versions and the package's source (any code change retires every entry)."""
    import pyoxigraph
    import rdflib

    h = hashlib.sha256(f"glr-{kind} {_FORMAT} {sys.version} rdflib {rdflib.__version__} pyoxigraph {pyoxigraph.__version__}\0".encode())
    h.update(code_digest())
    for part in parts:
        h.update(b"\0")
        h.update(part.encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def load_derived(kind: str, key: str) -> Any | None:
    """The state stored under ``key`` (a fresh copy on every call), or None."""
    directory = cache_directory()
    if directory is None:  # the cache is turned off, the memory of this process too
        return None
    data = _MEMO.get(key)
    if data is None:
        if not _private(directory):
            return None
        try:
            data = (directory / f"{kind}-{key}.pickle").read_bytes()
        except OSError:
            return None
    try:
        entry = pickle.loads(data)
        if entry.get("key") == key:
            _MEMO[key] = data
            return entry["state"]
    except Exception:  # noqa: BLE001 - corrupt or foreign entry: compute normally
        pass
    return None


def store_derived(kind: str, key: str, state: Any) -> None:
    """Remember ``state`` under ``key``, in this process and on disk; any failure only costs speed."""
    if cache_directory() is None:
        return
    try:
        data = pickle.dumps({"key": key, "state": state}, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - state that cannot be pickled is simply not remembered
        return
    _MEMO[key] = data
    _store_entry(kind, key, lambda: data, _MAX_ENTRIES)
