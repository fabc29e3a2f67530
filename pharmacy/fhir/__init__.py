"""The FHIR R4 edge (`/fhir/r4`): orders in as a transaction Bundle, prescriptions and
fills out, parsed and validated with `fhir.resources` (its R4B models read R4), mapped to
and from the same services as the API and the pages. Errors are OperationOutcomes."""

from __future__ import annotations

from flask import Flask, Response

from pharmacy.fhir.outcome import FhirError, outcome_for_error, outcome_response
from pharmacy.fhir.views import bp
from pharmacy.http_errors import ERROR_RENDERERS

PREFIX = "/fhir/"


def register_fhir(app: Flask) -> None:
    app.register_error_handler(FhirError, _refused)
    # Every other error under /fhir (access, routing, domain, unexpected) leaves through
    # the app's one error map, as an OperationOutcome.
    app.extensions.setdefault(ERROR_RENDERERS, {})[PREFIX] = outcome_for_error
    app.register_blueprint(bp)


def _refused(error: FhirError) -> Response:
    return outcome_response(error.status, error.issues)
