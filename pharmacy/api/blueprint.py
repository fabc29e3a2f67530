"""flask-smorest's Blueprint, with each route's argument schema built once."""

from __future__ import annotations

import json
from typing import Any

import flask_smorest
from marshmallow import Schema, missing
from webargs.flaskparser import FlaskParser, is_json_request

from schema.common import JsonNumber


class ExactNumbers(FlaskParser):  # type: ignore[misc]
    """Request bodies parsed with every fractional or exponent number exact: a
    `JsonNumber` (a Decimal that remembers how it was written), never a float that rounds
    `4.50000000000000001` to 4.5 before any schema sees it."""

    def load_json(self, req: Any, schema: Schema) -> Any:
        if not is_json_request(req):
            return missing
        body = req.get_data(cache=True)
        if not body:
            return missing
        try:
            return json.loads(body, parse_float=JsonNumber)
        except ValueError:
            return super().load_json(req, schema)  # webargs reports it as it always has


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]
    ARGUMENTS_PARSER = ExactNumbers()

    def arguments(self, schema: type[Schema] | Schema, *args: Any, **kwargs: Any) -> Any:
        # Given a class, webargs builds a new schema (deep-copying every declared field)
        # on every request; our schemas keep no per-call state, so one instance per route
        # serves them all.
        if isinstance(schema, type):
            schema = schema()
        return super().arguments(schema, *args, **kwargs)
