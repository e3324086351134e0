"""Wall-clock limits for query execution.

Why: a rule is data, and so is a case. A pathological property path, a
catastrophic regular expression or a cartesian product must end the run
with a clear error (exit code 3), not hang a night's batch.

One call does it::

    from reasoner._runtime.limits import run_with_time_limit
    triples = run_with_time_limit(lambda: list(store.query(text)), 5.0,
                                  what="rule repeat-lumbar-ct", native=True)

Materialise the result *inside* the callable (``list(...)``): engines
evaluate lazily, so the work happens while iterating.

How, measured on CPython 3.11 (see docs/performance.md):

* **Pure-Python engines (rdflib)** on the main thread: ``SIGALRM`` via
  ``setitimer``. The handler raises between bytecodes, and CPython's regex
  engine checks for signals too, so a catastrophic ``REGEX`` stops on time.
  Cost: two ``setitimer`` calls (~2 µs).
* **Native engines (pyoxigraph)**, or any call off the main thread: the
  callable runs on a helper thread and the caller waits with a timeout.
  pyoxigraph releases the GIL while evaluating, so the caller regains
  control on time; a signal handler would only run once the native call
  had finished on its own (a 30 s query ignored a 1 s alarm). The stuck
  helper is then *abandoned*: an asynchronous exception is queued to stop
  it at its next Python instruction, and a fresh helper serves the next
  call. Native work cannot be killed from inside the process; when that
  matters (long batch runs) recycle the worker process. Cost: one thread hand-off (~20-40 µs) in isolation, but
  far more when the two threads trade the GIL while results are converted
  (~13 ms for a case's 32 queries); so :func:`run_steps_with_time_limit`
  runs a whole case's queries in one hand-off, each still under its own
  limit.

Raises :class:`QueryTimeout`, a :class:`~reasoner.errors.RuleExecutionError`
(exit code 3).
"""

from __future__ import annotations

import ctypes
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import RuleExecutionError, UsageError

__all__ = [
    "DEFAULT_QUERY_SECONDS",
    "QueryTimeout",
    "run_with_time_limit",
    "query_time_limit",
    "run_steps_with_time_limit",
]

T = TypeVar("T")

#: Default wall-clock limit for one rule query. A rule over one case takes
#: milliseconds; 10 s is three orders of magnitude of headroom.
DEFAULT_QUERY_SECONDS = 10.0
_ENV = "GLR_QUERY_TIMEOUT"


def query_time_limit() -> float | None:
    """The limit in force: ``GLR_QUERY_TIMEOUT`` seconds if set (0 = none), else the default."""
    raw = os.environ.get(_ENV)
    if raw is None or not raw.strip():
        return DEFAULT_QUERY_SECONDS
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"{_ENV} must be a number of seconds, not '{raw}'.") from None
    return value if value > 0 else None


class QueryTimeout(RuleExecutionError):
    """A query ran past its wall-clock limit."""

    def __init__(self, what: str, seconds: float, *, source: str | None = None) -> None:
        self.what = what
        self.seconds = seconds
        super().__init__(
            f"{what} exceeded its time limit of {seconds:g} s and was stopped; "
            "the rule (or the case) makes the query engine do unbounded work. "
            f"Raise the limit with the {_ENV} environment variable (seconds) if the work is legitimate.",
            source=source,
        )


class _Expired(BaseException):
    """Raised inside the timed code. BaseException, so `except Exception` cannot swallow it."""


# --------------------------------------------------------------------------- signal path

_alarm_active = False


def _on_alarm(signum: int, frame: Any) -> None:
    if _alarm_active:
        raise _Expired()


def _can_use_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _run_with_alarm(fn: Callable[[], T], seconds: float, what: str) -> T:
    global _alarm_active
    if _alarm_active:  # nested: the outer limit already covers this call
        return fn()
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    try:
        try:
            _alarm_active = True
            # Re-fire every 50 ms after expiry in case timed code swallows the first one.
            # Armed inside the try: a very short limit may expire before fn even starts.
            signal.setitimer(signal.ITIMER_REAL, seconds, 0.05)
            return fn()
        finally:
            _disarm(previous)
    except _Expired:  # raised in fn, or anywhere between arming and disarming
        raise QueryTimeout(what, seconds) from None


def _disarm(previous: Any) -> None:
    """Stop the timer and restore the handler, even if a re-fired alarm lands while doing so."""
    global _alarm_active
    while True:
        try:
            _alarm_active = False
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
            signal.signal(signal.SIGALRM, previous)
            return
        except _Expired:  # the 50 ms re-fire arrived during the disarming itself: disarm again
            continue


# --------------------------------------------------------------------------- thread path


class _Helper:
    """A daemon thread that runs callables handed to it, one at a time."""

    def __init__(self) -> None:
        self.inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._loop, name="glr-query", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while True:
            job = self.inbox.get()
            if job is None:
                return
            fn, box, done = job
            try:
                box.append((True, fn()))
            except BaseException as exc:  # handed back to the caller
                box.append((False, exc))
            finally:
                done.set()


_helper_lock = threading.Lock()
_helpers: dict[int, _Helper] = {}  # one per calling thread


def _raise_in_thread(thread: threading.Thread) -> None:
    if thread.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(thread.ident), ctypes.py_object(_Expired)
        )


def _hand_to_helper(fn: Callable[[], Any]) -> tuple[int, _Helper, list[tuple[bool, Any]], threading.Event]:
    """Give ``fn`` to the calling thread's helper (a fresh one if the last was abandoned)."""
    caller = threading.get_ident()
    with _helper_lock:
        helper = _helpers.get(caller)
        if helper is None or not helper.thread.is_alive():
            helper = _helpers[caller] = _Helper()
    box: list[tuple[bool, Any]] = []
    done = threading.Event()
    helper.inbox.put((fn, box, done))
    return caller, helper, box, done


def _abandon(caller: int, helper: _Helper) -> None:
    """Stop waiting for a stuck helper: stop it at its next Python instruction, never reuse it."""
    with _helper_lock:
        if _helpers.get(caller) is helper:
            del _helpers[caller]
    _raise_in_thread(helper.thread)
    helper.inbox.put(None)  # if it ever comes back, let it end


def _run_on_helper(fn: Callable[[], T], seconds: float, what: str) -> T:
    caller, helper, box, done = _hand_to_helper(fn)
    if not done.wait(seconds):
        _abandon(caller, helper)
        raise QueryTimeout(what, seconds)
    ok, value = box[0]
    if ok:
        return value  # type: ignore[no-any-return]
    if isinstance(value, _Expired):
        raise QueryTimeout(what, seconds) from None
    raise value


# --------------------------------------------------------------------------- many limited steps, one hand-off

_stepping = threading.local()  # set on the helper thread while run_steps_with_time_limit runs


class _Steps:
    """Which limited step the helper is in, read by the waiting caller."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.count = 0
        self.what = "a query"
        self.seconds: float | None = None
        self.started = time.monotonic()

    def begin(self, what: str, seconds: float | None) -> None:
        with self.lock:
            self.count += 1
            self.what, self.seconds, self.started = what, seconds, time.monotonic()

    def end(self) -> None:
        with self.lock:
            self.count += 1
            self.seconds = None  # between steps: nothing is being limited


def run_steps_with_time_limit(fn: Callable[[], T]) -> T:
    """Run ``fn`` (a sequence of native queries) on a helper thread, with one hand-off in all.

    Why: handing every query of a case to the helper thread separately cost
    about a third of Oxigraph's rule time (thread switches at CPython's
    5 ms GIL switch interval while the helper converts results).

    Inside ``fn``, each ``run_with_time_limit(..., native=True)`` call does
    not hop threads: it marks the start of a step with its own limit and
    runs in place. The caller sleeps until ``fn`` ends or the running step
    passes its limit; then it raises :class:`QueryTimeout` naming that step
    and abandons the helper, exactly as for a single native call.
    """
    if getattr(_stepping, "steps", None) is not None:  # already inside: nothing to add
        return fn()
    steps = _Steps()

    def stepped() -> T:
        _stepping.steps = steps
        try:
            return fn()
        finally:
            _stepping.steps = None

    caller, helper, box, done = _hand_to_helper(stepped)
    while True:
        with steps.lock:
            seconds, started, what, count = steps.seconds, steps.started, steps.what, steps.count
        remaining = None if seconds is None else started + seconds - time.monotonic()
        if remaining is not None and remaining <= 0:
            with steps.lock:
                still_running = steps.count == count
            if still_running:
                _abandon(caller, helper)
                raise QueryTimeout(what, seconds)  # type: ignore[arg-type]
            continue
        # Sleep until the run ends or the current step's deadline; between steps
        # (nothing limited) look again after 50 ms, a step may be starting.
        if done.wait(remaining if remaining is not None else 0.05):
            break
    ok, value = box[0]
    if ok:
        return value  # type: ignore[no-any-return]
    if isinstance(value, _Expired):
        raise QueryTimeout(steps.what, steps.seconds or 0) from None
    raise value


# --------------------------------------------------------------------------- entry point


def run_with_time_limit(
    fn: Callable[[], T],
    seconds: float | None,
    *,
    what: str = "a query",
    native: bool = False,
) -> T:
    """Call ``fn()`` and return its result, or raise :class:`QueryTimeout` after ``seconds``.

    ``native=True`` for engines that run outside the interpreter (pyoxigraph);
    ``seconds`` of ``None`` or ``<= 0`` means no limit.
    Exceptions raised by ``fn`` propagate unchanged.
    """
    steps: _Steps | None = getattr(_stepping, "steps", None)
    if steps is not None and native:  # inside run_steps_with_time_limit: the waiting caller keeps time
        steps.begin(what, seconds if seconds is not None and seconds > 0 else None)
        try:
            return fn()
        finally:
            steps.end()
    if seconds is None or seconds <= 0:
        return fn()
    if not native and _can_use_alarm():
        return _run_with_alarm(fn, seconds, what)
    return _run_on_helper(fn, seconds, what)
