"""flask-smorest's Blueprint, with each route's argument schema built once."""

from __future__ import annotations

from typing import Any

import flask_smorest
from marshmallow import Schema


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]
    def arguments(self, schema: type[Schema] | Schema, *args: Any, **kwargs: Any) -> Any:
        # Given a class, webargs builds a new schema (deep-copying every declared field)
        # on every request; our schemas keep no per-call state, so one instance per route
        # serves them all.
        if isinstance(schema, type):
            schema = schema()
        return super().arguments(schema, *args, **kwargs)
