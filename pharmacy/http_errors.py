"""The one place that maps domain errors (and every HTTP error) to responses, for the API
and the pages alike.

JSON errors have the shape `{"code": status, "message": str, "errors": {field: [messages]}}`.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from pharmacy.compounding.errors import FormulationError
from pharmacy.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    TooManyAttempts,
    Unauthorized,
)

# Most specific first: the first class an error is an instance of gives its status.
STATUS_BY_ERROR: tuple[tuple[type[DomainError], int], ...] = (
    (Invalid, 422),
    (Conflict, 409),
    (NotFound, 404),
    (Forbidden, 403),
    (Unauthorized, 401),
    (TooManyAttempts, 429),
)


def status_for(error: DomainError) -> int:
    for kind, status in STATUS_BY_ERROR:
        if isinstance(error, kind):
            return status
    return 400


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """webargs nests messages by location and by nested schema; callers want
    `{"patient.first_name": ["…"]}`."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict):
                flat.update(flatten_messages(value, name))
            elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                flat[name] = list(value)
            elif isinstance(value, list):
                for item in value:
                    flat.update(flatten_messages(item, name))
            else:
                flat[name] = [str(value)]
    elif isinstance(messages, list):
        flat[prefix or "_schema"] = [str(m) for m in messages]
    else:
        flat[prefix or "_schema"] = [str(messages)]
    return flat


def _strip_location(messages: dict[str, Any]) -> dict[str, Any]:
    if set(messages) <= {"json", "query", "form", "headers", "view_args", "files"}:
        merged: dict[str, Any] = {}
        for value in messages.values():
            if isinstance(value, dict):
                merged.update(value)
            else:
                merged.setdefault("_schema", []).extend(value)
        return merged
    return messages


# app.extensions[ERROR_RENDERERS]: {path prefix: render(status, message, errors)}, for an
# edge whose errors have a format of their own (registered by that edge).
ERROR_RENDERERS = "error_renderers"


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.is_json


def error_response(
    status: int, message: str, errors: dict[str, list[str]] | None = None
) -> Response:
    for prefix, render in current_app.extensions.get(ERROR_RENDERERS, {}).items():
        if request.path.startswith(prefix):
            # An edge with an error format of its own (FHIR: an OperationOutcome).
            rendered: Response = render(status, message, errors)
            return rendered
    if wants_json():
        response = jsonify({"code": status, "message": message, "errors": errors or {}})
        response.status_code = status
        return response
    html = render_template("error.html", status=status, message=message, errors=errors or {})
    return Response(html, status=status, mimetype="text/html")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> Response:
        return error_response(status_for(error), error.message, error.errors)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        return http_error_response(error)

    @app.errorhandler(FormulationError)
    def _formulation(error: FormulationError) -> Response:
        return error_response(
            422, f"{error.field}: {error.message}", {error.field: [error.message]}
        )

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        # Log the type and place only: an exception's text may carry patient data.
        app.logger.error(
            "unhandled %s at %s %s", type(error).__name__, request.method, request.url_rule
        )
        return error_response(500, "Something went wrong on our side; nothing was saved.")

    @app.errorhandler(DBAPIError)
    def _database(error: DBAPIError) -> Response:
        if not error.connection_invalidated:
            return _unexpected(error)
        # The server dropped the connection (a restart, say): the transaction is gone, the
        # pool will connect afresh, and the same request can simply be sent again.
        app.logger.warning(
            "lost the database connection at %s %s", request.method, request.url_rule
        )
        response = error_response(
            503, "The database connection was lost; nothing was saved. Please try again."
        )
        response.headers["Retry-After"] = "1"
        return response


def http_error_response(error: HTTPException) -> Response:
    status = error.code or 500
    errors: dict[str, list[str]] = {}
    message = error.description or error.name
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if messages:
        errors = flatten_messages(_strip_location(messages))
        if status == 422:
            message = "Some fields are invalid: " + ", ".join(sorted(errors))
    if status == 400 and "JSON" in f"{message} {messages}":
        message = "The request body is not valid JSON."
    if status == 413:
        message = "The request body is too large."
    response = error_response(status, message, errors)
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response
