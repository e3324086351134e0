"""Run the endpoint: in the foreground (`glr serve`) or on a background thread (tests, notebooks).

    >>> from reasoner.server import EndpointThread            # doctest: +SKIP
    >>> with EndpointThread(["examples/"]) as endpoint:       # doctest: +SKIP
    ...     print(endpoint.sparql_url)                        # http://127.0.0.1:<free port>/sparql
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from .app import ServerSettings, create_app

if TYPE_CHECKING:
    from ..kb.knowledge import KnowledgeBase
    from .dataset import ServedDataset

__all__ = ["free_port", "EndpointThread", "serve_forever"]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago on ``host``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


#: request-line and header bytes h11 accepts before answering a bare "Invalid HTTP request"; above the
#: app's own URL limit (ServerSettings.max_url_query_bytes), so a long GET query gets 414 with a hint instead
_MAX_REQUEST_HEAD_BYTES = 256 * 1024


def _uvicorn_config(app: Any, host: str, port: int, log_level: str) -> Any:
    import uvicorn

    return uvicorn.Config(
        app, host=host, port=port, log_level=log_level, lifespan="on", access_log=log_level == "info",
        http="h11", h11_max_incomplete_event_size=_MAX_REQUEST_HEAD_BYTES,
    )


def serve_forever(dataset: "ServedDataset", settings: ServerSettings, *, host: str = "127.0.0.1", port: int = 7878, log_level: str = "info") -> None:
    """Serve until Ctrl-C or SIGTERM, then shut down gracefully and return (a normal stop, not an error)."""
    import signal

    import uvicorn

    class _Server(uvicorn.Server):
        # uvicorn re-raises the stopping signal after shutdown (exit status 130 / -15);
        # for `glr serve` a stop by signal is the ordinary way to end, so it returns instead.
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    _Server(_uvicorn_config(create_app(dataset, settings), host, port, log_level)).run()


class EndpointThread:
    """An endpoint on 127.0.0.1 and a free port, served by uvicorn on a daemon thread."""

    def __init__(
        self,
        paths: Iterable[str | Path] = (),
        *,
        kb: "KnowledgeBase | None" = None,
        dataset: "ServedDataset | None" = None,
        settings: ServerSettings = ServerSettings(),
        engine: str = "oxigraph",
        host: str = "127.0.0.1",
        port: int | None = None,
    ) -> None:
        if dataset is None:
            from ..pipeline.run import default_knowledge_base
            from .dataset import build_dataset

            dataset = build_dataset(paths, kb=kb or default_knowledge_base(), engine=engine)
        self.dataset = dataset
        self.settings = settings
        self.host = host
        self.port = port or free_port(host)
        self.app = create_app(dataset, settings)
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def sparql_url(self) -> str:
        return f"{self.base_url}/sparql"

    def start(self, timeout: float = 60.0) -> "EndpointThread":
        import uvicorn

        self._server = uvicorn.Server(_uvicorn_config(self.app, self.host, self.port, "warning"))
        self._thread = threading.Thread(target=self._server.run, name="glr-endpoint", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the endpoint did not start on {self.base_url}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)

    def __enter__(self) -> "EndpointThread":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
