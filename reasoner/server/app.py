"""The Starlette application behind `glr serve`.

Routes:

* ``GET /sparql?query=…``, ``POST /sparql`` (``application/x-www-form-urlencoded``
  or ``application/sparql-query``): the SPARQL 1.1 Protocol query operation,
  with ``default-graph-uri`` / ``named-graph-uri`` and content negotiation.
* ``GET /sparql`` without a query: the SPARQL 1.1 Service Description (Turtle).
* ``GET /``: the query page (static files under ``static/``, no external URL).
* ``GET /queries``: the ready-made queries of ``queries/endpoint/`` and of each pack's ``endpoint/``, as JSON.

There is no update operation: update requests are answered 403.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, AsyncIterator
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..kb.packs import discover_packs, pack_files
from ..paths import QUERIES_DIR
from .description import service_description
from .worker import Job, WorkerPool

if TYPE_CHECKING:
    from .dataset import ServedDataset

__all__ = ["ServerSettings", "create_app", "ENDPOINT_QUERIES_DIR", "endpoint_query_files", "read_endpoint_queries", "STATIC_DIR"]

ENDPOINT_QUERIES_DIR = QUERIES_DIR / "endpoint"
STATIC_DIR = Path(__file__).resolve().parent / "static"

_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'"


@dataclass(frozen=True)
class ServerSettings:
    """Limits and policies of one endpoint (the CLI options of `glr serve`)."""

    timeout: float = 10.0  #: wall-clock seconds per query (queueing + evaluation)
    max_results: int = 10_000  #: solutions (SELECT) or triples (CONSTRUCT/DESCRIBE) per query
    workers: int = 2  #: query worker processes
    cors_origins: tuple[str, ...] = ()  #: origins allowed by CORS; none: CORS off
    max_request_bytes: int = 1_000_000  #: largest POST body accepted
    quick_lane_seconds: float = 1.0  #: limit on the extra worker used when all regular ones are busy (0: no quick lane)
    max_url_query_bytes: int = 8192  #: longest GET query string; longer answers 414 "send it as POST"


def endpoint_query_files(*directories: Path) -> list[Path]:
    """The given directories' *.rq; by default the shared queries/endpoint/ and every pack's endpoint/."""
    if directories:
        return sorted(p for d in directories for p in d.glob("*.rq"))
    return sorted([*ENDPOINT_QUERIES_DIR.glob("*.rq"), *(q for pack in discover_packs(QUERIES_DIR) for q in pack_files(pack).endpoint_queries)])


def read_endpoint_queries(*directories: Path) -> list[dict[str, str]]:
    """Each ready-made query: name (file stem), title (first comment line), description, text."""
    out = []
    for path in endpoint_query_files(*directories):
        text = path.read_text(encoding="utf-8")
        comments = []
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            comments.append(line.lstrip("#").strip())
        title = comments[0] if comments else path.stem
        description = " ".join(c for c in comments[1:] if c)
        out.append({"name": path.stem, "title": title, "description": description, "query": text})
    return out


def _error(status: int, message: str) -> PlainTextResponse:
    return PlainTextResponse(message.rstrip() + "\n", status_code=status)


async def _read_body(request: Request, limit: int) -> bytes | None:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(dataset: "ServedDataset", settings: ServerSettings = ServerSettings()) -> Starlette:
    """An ASGI app serving ``dataset``; its worker pool starts and stops with the app's lifespan."""
    pool = WorkerPool(
        dataset.nquads, prefixes=dataset.prefixes, size=settings.workers, timeout=settings.timeout, quick_lane_seconds=settings.quick_lane_seconds
    )
    queries = read_endpoint_queries()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await pool.start()
        try:
            yield
        finally:
            await pool.close()

    async def run_query(request: Request, query: str, default_graphs: list[str], named_graphs: list[str]) -> Response:
        job = Job(
            query=query,
            accept=request.headers.get("accept"),
            default_graph_uris=tuple(default_graphs),
            named_graph_uris=tuple(named_graphs),
            max_results=settings.max_results,
        )
        reply = await pool.run(job)
        return Response(reply.body, status_code=reply.status, media_type=reply.media_type, headers=reply.headers)

    async def sparql(request: Request) -> Response:
        params = request.query_params
        if request.method in ("GET", "HEAD"):
            if len(request.scope.get("query_string", b"")) > settings.max_url_query_bytes:
                return _error(
                    414,
                    f"the URL's query string is longer than {settings.max_url_query_bytes} bytes; send it as POST "
                    "(Content-Type: application/sparql-query, the query as the body).",
                )
            if "update" in params:
                return _error(403, "this endpoint is read-only: SPARQL Update is not offered (and never over GET).")
            if "query" not in params:
                endpoint = str(request.url.replace(query=""))
                body = service_description(endpoint, dataset, timeout=settings.timeout, max_results=settings.max_results)
                return Response(body, media_type="text/turtle; charset=utf-8")
            queries_given = params.getlist("query")
            if len(queries_given) != 1:
                return _error(400, "give exactly one 'query' parameter.")
            return await run_query(request, queries_given[0], params.getlist("default-graph-uri"), params.getlist("named-graph-uri"))

        body = await _read_body(request, settings.max_request_bytes)
        if body is None:
            return _error(413, f"the request body is larger than {settings.max_request_bytes} bytes.")
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/sparql-update":
            return _error(403, "this endpoint is read-only: SPARQL Update requests are refused.")
        if content_type == "application/sparql-query":
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                return _error(400, "the query is not UTF-8 text.")
            return await run_query(request, text, params.getlist("default-graph-uri"), params.getlist("named-graph-uri"))
        if content_type == "application/x-www-form-urlencoded":
            try:
                form = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
            except UnicodeDecodeError:
                return _error(400, "the form is not UTF-8 text.")
            if "update" in form:
                return _error(403, "this endpoint is read-only: SPARQL Update requests are refused.")
            if len(form.get("query", [])) != 1:
                return _error(400, "give exactly one 'query' field in the form.")
            return await run_query(request, form["query"][0], form.get("default-graph-uri", []), form.get("named-graph-uri", []))
        return _error(
            415,
            "POST a query as application/sparql-query or as the 'query' field of an "
            f"application/x-www-form-urlencoded form (got '{content_type or 'no content type'}').",
        )

    async def page(request: Request) -> Response:
        return FileResponse(STATIC_DIR / "index.html", headers={"Content-Security-Policy": _CSP})

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        allowed = {"query.js": "text/javascript", "query.css": "text/css"}
        if name not in allowed:
            return _error(404, "not found.")
        return FileResponse(STATIC_DIR / name, media_type=allowed[name], headers={"Content-Security-Policy": _CSP})

    async def ready_made(request: Request) -> Response:
        return JSONResponse(queries)

    async def status(request: Request) -> Response:
        return JSONResponse(
            {
                "knowledge_base": dataset.knowledge_base_version,
                "graphs": dataset.graph_sizes,
                # file names only, and a summary for skipped files: no machine paths, no quoted content
                "cases": [c.public() for c in dataset.cases],
                "skipped": [s.public() for s in dataset.skipped],
                "limits": {"timeout_seconds": settings.timeout, "max_results": settings.max_results, "workers": settings.workers},
                "workers_replaced": pool.killed,
                "workers_busy": pool.busy,
            }
        )

    routes = [
        Route("/sparql", sparql, methods=["GET", "POST"], name="sparql"),
        Route("/", page, methods=["GET"]),
        Route("/static/{name}", static, methods=["GET"]),
        Route("/queries", ready_made, methods=["GET"]),
        Route("/status", status, methods=["GET"]),
    ]
    middleware = []
    if settings.cors_origins:
        from starlette.middleware import Middleware
        from starlette.middleware.cors import CORSMiddleware

        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["Accept", "Content-Type"],
            )
        )
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.pool = pool
    app.state.dataset = dataset
    return app


