"""Who may call what. Every endpoint declares its roles with `@allow(...)` or `@public`;
a request to an endpoint with no declaration is denied before the view runs."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import Flask, current_app, g, request

from pharmacy.audit import Actor

F = TypeVar("F", bound=Callable[..., Any])

ALLOWED_ROLES_ATTR = "_allowed_roles"
# The key in Flask's signed session cookie that holds the browser's server-side session id.
WEB_SESSION_KEY = "sid"
PUBLIC = frozenset({"*"})
# Paths that authenticate with a bearer token only, never the browser's cookie (so CSRF
# does not apply), and answer 401 rather than redirect to the sign-in page: the JSON API
# and the FHIR endpoint.
TOKEN_ONLY_PREFIXES = ("/api/", "/fhir/")

# Endpoints registered by libraries rather than by us, declared here because we cannot
# decorate them.
LIBRARY_ENDPOINTS: dict[str, frozenset[str]] = {
    "static": PUBLIC,
    "api-docs.openapi_json": PUBLIC,
}

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def use_light_hashing_for_tests() -> None:
    """argon2id with small cost parameters, so a test suite that creates many users runs
    fast. Only `PHARMACY_ENV=testing` calls this; hashes keep their own parameters, so
    verification is unaffected either way."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    _DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the user exists, so timing does not tell."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def allow(*roles: str) -> Callable[[F], F]:
    """Declare which roles may call a view."""
    unknown = set(roles) - {"admin", "pharmacist", "technician", "prescriber"}
    if unknown or not roles:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def mark(view: F) -> F:
        setattr(view, ALLOWED_ROLES_ATTR, frozenset(roles))
        return view

    return mark


def public(view: F) -> F:
    setattr(view, ALLOWED_ROLES_ATTR, PUBLIC)
    return view


def declared_roles(app: Flask, endpoint: str) -> frozenset[str] | None:
    if endpoint in LIBRARY_ENDPOINTS:
        return LIBRARY_ENDPOINTS[endpoint]
    view = app.view_functions.get(endpoint)
    roles = getattr(view, ALLOWED_ROLES_ATTR, None)
    return roles if isinstance(roles, frozenset) else None


def current_actor() -> Actor | None:
    return g.get("actor")


def require_actor() -> Actor:
    actor = current_actor()
    if actor is None:  # pragma: no cover - the before_request hook guarantees one
        raise RuntimeError("no authenticated actor")
    return actor


def token_only(path: str) -> bool:
    return path.startswith(TOKEN_ONLY_PREFIXES)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def app_db() -> Any:
    return current_app.extensions["pharmacy_db"]
