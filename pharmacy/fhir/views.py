"""The FHIR R4 endpoint's routes: thin views over the edge's mapping and the services.
JSON only (application/fhir+json); every error is an OperationOutcome."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, request

from pharmacy.auth import allow, public, require_actor
from pharmacy.fhir.capability import capability_statement
from pharmacy.fhir.codes import MIMETYPE
from pharmacy.fhir.outbound import medication_dispense, medication_request, searchset
from pharmacy.fhir.outcome import fhir_json, refuse
from pharmacy.fhir.search import dispense_query, request_query
from pharmacy.fhir.transaction import receive
from pharmacy.services.prescriptions import get_prescription
from pharmacy.services.prescriptions.electronic import prescription_fills, search_prescriptions

bp = Blueprint("fhir", __name__, url_prefix="/fhir/r4")
JSON_TYPES = (MIMETYPE, "application/json")


@bp.before_request
def _json_only() -> None:
    if request.accept_mimetypes and not request.accept_mimetypes.best_match(JSON_TYPES):
        raise refuse(406, f"Only JSON is served ({MIMETYPE}).", code="not-supported")
    if request.method == "POST" and not request.is_json:
        raise refuse(415, f"Send the Bundle as {MIMETYPE}.", code="not-supported")


@bp.route("", methods=["POST"])
@allow("prescriber", "pharmacist")
def transaction() -> Response:
    """A transaction Bundle holding one LDN order."""
    bundle = receive(require_actor(), request.get_json(silent=True), today=date.today())
    return fhir_json(bundle.model_dump_json())


@bp.route("/metadata", methods=["GET"])
@public
def metadata() -> Response:
    return fhir_json(
        capability_statement(request.base_url.removesuffix("/metadata")).model_dump_json()
    )


@bp.route("/MedicationRequest/<int:prescription_id>", methods=["GET"])
@allow("prescriber", "pharmacist", "technician")
def read_medication_request(prescription_id: int) -> Response:
    rx = get_prescription(require_actor(), prescription_id)
    return fhir_json(medication_request(rx).model_dump_json())


@bp.route("/MedicationRequest", methods=["GET"])
@allow("prescriber", "pharmacist", "technician")
def search_medication_requests() -> Response:
    search = request_query(request.args)
    items, total = search_prescriptions(
        require_actor(),
        patient_id=search.patient_id,
        statuses=search.statuses,
        offset=search.offset,
        count=search.count,
    )
    links = search.links(request.base_url, total)
    return fhir_json(
        searchset([medication_request(rx) for rx in items], total, links).model_dump_json()
    )


@bp.route("/MedicationDispense", methods=["GET"])
@allow("prescriber", "pharmacist", "technician")
def search_medication_dispenses() -> Response:
    prescription_id = dispense_query(request.args)
    rx, fills = prescription_fills(require_actor(), prescription_id)
    dispenses = [medication_dispense(rx, fill) for fill in fills]
    return fhir_json(searchset(dispenses, len(dispenses), {"self": request.url}).model_dump_json())
