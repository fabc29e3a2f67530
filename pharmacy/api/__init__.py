"""The JSON API: flask-smorest blueprints with schemas at the edge and thin views."""

from __future__ import annotations

from flask import Flask, Response
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from pharmacy.api import (
    auth,
    batches,
    dispensing,
    formulations,
    money,
    prescriptions,
    printing,
    stock,
    trace,
)
from pharmacy.api import search as search_api
from pharmacy.http_errors import http_error_response

BLUEPRINTS = [
    auth.blp,
    prescriptions.blp,
    prescriptions.prescribers_blp,
    formulations.blp,
    stock.items_blp,
    stock.formulas_blp,
    stock.lots_blp,
    batches.blp,
    batches.fills_blp,
    trace.blp,
    printing.blp,
    dispensing.blp,
    search_api.search_blp,
    money.blp,
    search_api.patients_blp,
    search_api.work_blp,
]


class PharmacyApi(Api):  # type: ignore[misc]
    """flask-smorest, with HTTP errors in our one JSON shape."""

    def handle_http_exception(self, error: HTTPException) -> Response:
        return http_error_response(error)


def register_api(app: Flask) -> Api:
    api = PharmacyApi(app, spec_kwargs={"info": {"description": "LDN compounding pharmacy API"}})
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "opaque token"}
    )
    api.spec.options["security"] = [{"bearer": []}]
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    return api
