"""`glr serve`: a read-only SPARQL 1.1 Protocol endpoint over the ontology, the knowledge base and cases.

Modules, one job each:

* :mod:`.dataset` — run the pipeline on each case, name the graphs, dump N-Quads
* :mod:`.guard` — refuse updates, ``SERVICE`` and ``LOAD`` on the parsed query
* :mod:`.negotiation` — pick the response format from ``Accept``
* :mod:`.worker` — evaluate in worker processes with a time limit and a result cap
* :mod:`.description` — the SPARQL 1.1 Service Description
* :mod:`.app` — the Starlette routes
* :mod:`.runner` — uvicorn in the foreground or on a thread

Needs the ``serve`` extra (starlette, uvicorn); importing this package
without it raises ImportError naming them.
"""

from __future__ import annotations

from .dataset import (
    KB_GRAPH,
    ONTOLOGY_GRAPH,
    ServedCase,
    ServedDataset,
    SkippedCase,
    build_dataset,
    case_data_graph,
    case_results_graph,
)
from .guard import Decision, Verdict, check_query

try:
    from .app import ServerSettings, create_app, read_endpoint_queries
    from .runner import EndpointThread, free_port, serve_forever
except ModuleNotFoundError as exc:  # starlette / uvicorn missing
    if exc.name not in ("starlette", "uvicorn"):
        raise
    raise ImportError(
        f"`glr serve` needs '{exc.name}'; install the server extra: pip install 'glr[serve]' "
        "(or: pip install starlette uvicorn)."
    ) from None

__all__ = [
    "ONTOLOGY_GRAPH",
    "KB_GRAPH",
    "case_data_graph",
    "case_results_graph",
    "build_dataset",
    "ServedCase",
    "ServedDataset",
    "SkippedCase",
    "check_query",
    "Decision",
    "Verdict",
    "ServerSettings",
    "create_app",
    "read_endpoint_queries",
    "EndpointThread",
    "free_port",
    "serve_forever",
]
