"""CDS Hooks 2.0 service whose cards carry the explanation.

    prefetch   request prefetch → a FHIR Bundle (missing items listed: unknown)
    cards      explained results → spec-conformant cards
    feedback   card outcomes → SQLite, and the per-card report
    auth       JWT bearer checking (issuer allow-list, configured JWKS)
    service    the Starlette app tying them together
"""

from __future__ import annotations

from .auth import AuthConfig, AuthError, load_auth_config
from .feedback import FeedbackLog
from .service import create_app

__all__ = ["AuthConfig", "AuthError", "FeedbackLog", "create_app", "load_auth_config"]
