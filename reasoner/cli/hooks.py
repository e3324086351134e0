"""`glr hooks`: the CDS Hooks 2.0 service on 127.0.0.1 (see docs/cds-hooks.md).

Binding to any other address requires --auth-config (JWT bearer checking
with an issuer allow-list and configured JWKS); without it the command
refuses to start (exit 2).
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("hooks", help="serve CDS Hooks 2.0 (discovery, patient-view, order-select, order-sign)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1; anything else needs --auth-config)")
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument("--base-url", help="the service's public URL (for links and the JWT audience); default http://HOST:PORT")
    parser.add_argument("--feedback-db", type=Path, help="SQLite file that card outcomes are appended to")
    parser.add_argument("--auth-config", type=Path, help="JSON: {\"issuers\": {\"<iss>\": {\"jwks\": {\"keys\": [...]}}}}")
    parser.add_argument("--fhir-server", metavar="URL", action="append", default=[], help="FHIR server base the service may fetch missing prefetch from (repeatable; default: none, prefetch only)")
    parser.add_argument("--kb", metavar="DIR", action="append", type=Path, help="guideline module directory (repeatable)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import UsageError
    from ..hooks import FeedbackLog, create_app, load_auth_config
    from ._common import knowledge_base_from_args

    if args.host not in ("127.0.0.1", "localhost", "::1") and args.auth_config is None:
        raise UsageError(f"refusing to listen on {args.host} without --auth-config: an exposed CDS service must check JWT bearer tokens.")
    auth = load_auth_config(args.auth_config) if args.auth_config else None
    feedback = FeedbackLog(args.feedback_db) if args.feedback_db else None
    app = create_app(knowledge_base_from_args(args), base_url=args.base_url or f"http://{args.host}:{args.port}", feedback=feedback, auth=auth, fhir_servers=tuple(args.fhir_server))
    import uvicorn

    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0
