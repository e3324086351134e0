"""CDS Hooks 2.0 JWT bearer authentication (spec §Trusting CDS Clients).

Why: once the service listens beyond 127.0.0.1, only EHRs the operator
trusts may call it. A request must carry ``Authorization: Bearer <JWT>``
signed (RS384 or ES384; never ``alg: none``) by a key from the JWKS the
operator configured for the token's issuer, with ``aud`` = the service URL
called, and unexpired. Keys come only from configuration, never fetched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt

from ..errors import InputError

__all__ = ["AuthConfig", "AuthError", "load_auth_config", "verify_bearer"]

ALGORITHMS = ["RS384", "ES384"]


class AuthError(Exception):
    """The request is not authenticated (HTTP 401); the message says why."""


@dataclass(frozen=True)
class AuthConfig:
    """Issuer → its JWKS (the allow-list)."""

    issuers: dict[str, dict[str, Any]]


def load_auth_config(path: str | Path) -> AuthConfig:
    """Read ``{"issuers": {"<iss>": {"jwks": {"keys": [...]}}}}``."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
        issuers = {iss: spec["jwks"] for iss, spec in doc["issuers"].items()}
        for jwks in issuers.values():
            if not isinstance(jwks.get("keys"), list):
                raise KeyError("keys")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(
            f"not a usable auth configuration ({type(exc).__name__}: {exc}); expected "
            '{"issuers": {"<issuer>": {"jwks": {"keys": [ ... ]}}}}.',
            source=str(p),
        ) from None
    return AuthConfig(issuers=issuers)


def verify_bearer(header: str | None, *, config: AuthConfig, audience: str) -> dict[str, Any]:
    """The verified claims, or AuthError."""
    if not header or not header.startswith("Bearer "):
        raise AuthError("a bearer token is required (Authorization: Bearer <JWT>).")
    token = header[len("Bearer "):].strip()
    try:
        head = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise AuthError(f"the token is not a JWT: {exc}.") from None
    if head.get("alg") not in ALGORITHMS:
        raise AuthError(f"token algorithm {head.get('alg')!r} is refused; use RS384 or ES384 (unsigned tokens are never accepted).")
    issuer = claims.get("iss")
    if issuer not in config.issuers:
        raise AuthError(f"issuer {issuer!r} is not on this service's allow-list.")
    keys = [k for k in config.issuers[issuer]["keys"] if head.get("kid") in (None, k.get("kid"))]
    if not keys:
        raise AuthError(f"no configured key of issuer {issuer!r} has kid {head.get('kid')!r}.")
    for key in keys:
        try:
            return jwt.decode(
                token,
                key=jwt.PyJWK(key).key,
                algorithms=ALGORITHMS,
                audience=audience,
                issuer=issuer,
                options={"require": ["exp", "iss", "aud", "jti"]},
            )
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as exc:
            raise AuthError(f"the token was refused: {exc}.") from None
    raise AuthError("the token's signature does not match any configured key of its issuer.")
