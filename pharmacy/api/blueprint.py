"""flask-smorest's Blueprint, with each route's argument schema built once."""

from __future__ import annotations

from typing import Any

import flask_smorest
from flask import Request
from marshmallow import Schema
from webargs.flaskparser import FlaskParser


class _Parser(FlaskParser):
    """webargs' parser, reading a JSON body the app has already parsed."""

    def _raw_load_json(self, req: Request) -> Any:
        # The JSON guard (pharmacy/app.py) parsed the body before any view, and Flask keeps
        # what it parsed; webargs would parse it a second time. An ASCII body is UTF-8 as
        # it is, so both parses agree; any other goes webargs' way (UTF-8 only).
        if req.content_length and req.is_json and req.get_data(cache=True).isascii():
            return req.get_json(silent=True)
        return super()._raw_load_json(req)


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]
    ARGUMENTS_PARSER = _Parser()

    def arguments(self, schema: type[Schema] | Schema, *args: Any, **kwargs: Any) -> Any:
        # Given a class, webargs builds a new schema (deep-copying every declared field)
        # on every request; our schemas keep no per-call state, so one instance per route
        # serves them all.
        if isinstance(schema, type):
            schema = schema()
        return super().arguments(schema, *args, **kwargs)
