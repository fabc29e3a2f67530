"""The app factory: it only wires configuration, the database, access control, error
handling, the API, the web pages and the CLI together."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, redirect, request, session, url_for
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from pharmacy import audit
from pharmacy.auth import (
    PUBLIC,
    WEB_SESSION_KEY,
    bearer_token,
    declared_roles,
    token_only,
    use_light_hashing_for_tests,
)
from pharmacy.config import TESTING, load_settings
from pharmacy.db import MAX_ID, Database
from pharmacy.errors import Forbidden, Unauthorized
from pharmacy.http_errors import register_error_handlers

_UNSTORABLE = re.compile("[\ud800-\udfff\x00]")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Methods that change nothing: their sign-in reads in a read transaction of its own.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class DecimalJSONProvider(DefaultJSONProvider):
    """Decimals leave as JSON numbers (the API promises numbers, not strings)."""

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, Decimal):
            return int(o) if o == o.to_integral_value() else float(o)
        return DefaultJSONProvider.default(o)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse request JSON, refusing (as invalid JSON) what would break later: nesting
        deep enough to exhaust the stack, and lone surrogates or NUL characters that the
        databases cannot store."""
        try:
            value = super().loads(s, **kwargs)
        except RecursionError as error:
            raise ValueError("JSON nested too deeply") from error
        if _has_unstorable_text(value):
            raise ValueError("JSON text holds a lone surrogate or a NUL character")
        return value


def _has_unstorable_text(value: Any) -> bool:
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is not None
    if isinstance(value, dict):
        return any(_has_unstorable_text(k) or _has_unstorable_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_unstorable_text(v) for v in value)
    return False


class IdConverter(IntegerConverter):
    """`<int:…>` in a URL: at most the largest 32-bit id, so a huge number is a 404 rather
    than an overflow in the database driver."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = IdConverter
    app.json = DecimalJSONProvider(app)
    settings = load_settings(Path(app.instance_path), config)
    app.config.update(settings.flask_config())
    if settings.env == TESTING:
        use_light_hashing_for_tests()
    register_database(app)
    register_error_handlers(app)
    register_access_control(app)
    register_json_guard(app)
    register_security_headers(app)
    register_api(app)
    register_fhir(app)
    register_web(app)
    register_cli(app)
    return app


def register_database(app: Flask) -> None:
    if app.config["DATABASE_URL"].startswith("sqlite:///"):
        Path(app.config["DATABASE_URL"].removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    database = Database(app.config["DATABASE_URL"])
    app.extensions["pharmacy_db"] = database

    @app.teardown_request
    def _end_unfinished_write(_error: BaseException | None) -> None:
        database.end_unfinished_write()

    @app.teardown_appcontext
    def _end_session(_error: BaseException | None) -> None:
        database.remove()


def _resolve_actor() -> audit.Actor | None:
    from pharmacy.services import accounts
    from pharmacy.services.uow import current_db

    token = bearer_token()
    if token is not None:
        if request.method in READ_METHODS:
            # Checked against the database all the same; only the columns are read.
            return accounts.actor_for_token(token)
        # The token is read in the transaction the request's use case runs in.
        current_db().begin_write()
        # Kept for the request, so its rows stay in the session's identity map.
        g.signed_in_user = accounts.user_for_token(token)
        return None if g.signed_in_user is None else accounts.actor_of(g.signed_in_user)
    if token_only(request.path):
        return None
    sid = session.get(WEB_SESSION_KEY)
    if not sid:
        return None
    from flask import current_app

    actor = accounts.actor_for_web_session(sid, current_app.config["SESSION_IDLE_MINUTES"])
    if actor is None:
        session.pop(WEB_SESSION_KEY, None)
    return actor


def _record_denied(actor: audit.Actor, endpoint: str) -> None:
    from pharmacy.services.uow import current_db

    with current_db().transaction() as db_session:
        audit.record(
            db_session,
            actor,
            "access.denied",
            "endpoint",
            endpoint,
            after={"method": request.method},
        )


def register_json_guard(app: Flask) -> None:
    """A JSON body is parsed once, strictly, before any view: malformed, too deeply nested
    or not storable text is a 400 here instead of an error deeper in."""

    @app.before_request
    def _parse_json_body() -> None:
        if "\x00" in request.path or any("\x00" in v for v in request.args.values()):
            # No text the pharmacy keeps holds a NUL, and PostgreSQL cannot store one.
            raise BadRequest("The request holds a NUL character.")
        if request.mimetype in _FORM_TYPES and any("\x00" in v for v in request.form.values()):
            raise BadRequest("The request holds a NUL character.")
        if request.is_json and request.content_length:
            try:
                request.get_json()
            except BadRequest as error:
                raise BadRequest("The request body is not valid JSON.") from error


def register_access_control(app: Flask) -> None:
    @app.before_request
    def _authorize() -> Response | None:
        endpoint = request.endpoint
        if endpoint is None:
            return None  # routing answers 404/405 itself
        roles = declared_roles(app, endpoint)
        actor = _resolve_actor()
        g.actor = actor
        if roles is None:
            raise Forbidden("This endpoint declares no roles, so no one may call it.")
        if roles == PUBLIC:
            return None
        if actor is None:
            if not token_only(request.path) and "web.login" in app.view_functions:
                return redirect(url_for("web.login", next=request.path))  # type: ignore[return-value]
            raise Unauthorized("Sign in first: send 'Authorization: Bearer <token>'.")
        if actor.role not in roles:
            _record_denied(actor, endpoint)
            raise Forbidden("Your role may not do this.")
        return None


SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    (
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    ),
)


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        # One pass over the few headers already set (a page may set its own policy),
        # rather than a case-insensitive search of them for each security header.
        present = {name.lower() for name, _value in response.headers}
        for name, value in SECURITY_HEADERS:
            if name.lower() not in present:
                response.headers.add(name, value)
        if not request.path.startswith("/static/"):
            # Patient data and PDFs must not linger in shared caches or browser history.
            response.headers["Cache-Control"] = "no-store"
        return response


def register_api(app: Flask) -> None:
    from pharmacy.api import register_api as register

    register(app)


def register_fhir(app: Flask) -> None:
    from pharmacy.fhir import register_fhir as register

    register(app)


def register_web(app: Flask) -> None:
    from pharmacy.web import register_web as register

    register(app)


def register_cli(app: Flask) -> None:
    from pharmacy.cli import register_commands

    register_commands(app)
