"""Search, patients, today's work and refill requests."""

from __future__ import annotations

from datetime import date
from typing import Any

from pharmacy.api.blueprint import Blueprint
from pharmacy.auth import allow, require_actor
from pharmacy.services import dashboard, patient_profile, refills, search
from schema.search import (
    DashboardOut,
    PatientPage,
    PatientProfileOut,
    PatientQuery,
    RefillCloseIn,
    RefillDueOut,
    RefillRequestIn,
    RefillRequestOut,
    SearchPage,
    SearchQuery,
)

search_blp = Blueprint("search", __name__, url_prefix="/api/v1/search",
                       description="Find anything from one search box")
patients_blp = Blueprint("patients", __name__, url_prefix="/api/v1/patients",
                         description="Patients and their profiles")
work_blp = Blueprint("work", __name__, url_prefix="/api/v1",
                     description="Today's work and refill requests")
STAFF_AND_PRESCRIBERS = ("pharmacist", "technician", "prescriber")


@search_blp.route("", methods=["GET"])
@allow(*STAFF_AND_PRESCRIBERS)
@search_blp.arguments(SearchQuery, location="query")
@search_blp.response(200, SearchPage)
def find(args: dict[str, Any]) -> dict[str, Any]:
    """Typed, ranked results for an Rx number, a patient's name (part of it, any case or
    accents), a date of birth, a phone, a prescriber's name or NPI, or a lot number. A
    prescriber finds only their own patients and prescriptions."""
    return search.search(require_actor(), args["q"], page=args["page"], per_page=args["per_page"])


@patients_blp.route("", methods=["GET"])
@allow(*STAFF_AND_PRESCRIBERS)
@patients_blp.arguments(PatientQuery, location="query")
@patients_blp.response(200, PatientPage)
def index(args: dict[str, Any]) -> dict[str, Any]:
    """Patients by name or phone (`q`) and date of birth (a prescriber: their own)."""
    items, total = search.list_patients(
        require_actor(), q=args.get("q"), date_of_birth=args.get("date_of_birth"),
        page=args["page"], per_page=args["per_page"],
    )
    return {"items": items,
            "meta": {"page": args["page"], "per_page": args["per_page"], "total": total}}


@patients_blp.route("/<int:patient_id>", methods=["GET"])
@allow(*STAFF_AND_PRESCRIBERS)
@patients_blp.response(200, PatientProfileOut)
def show(patient_id: int) -> dict[str, Any]:
    """The patient's profile: details, allergies, reported medications, prescriptions with
    their fills and lots, label prints, opioid holds and overrides."""
    return patient_profile.patient_profile(require_actor(), patient_id)


@work_blp.route("/dashboard", methods=["GET"])
@allow("pharmacist", "technician")
@work_blp.response(200, DashboardOut)
def today() -> dict[str, Any]:
    """The counters of today's work for the caller's role."""
    return {"counters": dashboard.dashboard(require_actor(), today=date.today())}


@work_blp.route("/refills-due", methods=["GET"])
@allow(*STAFF_AND_PRESCRIBERS)
@work_blp.response(200, RefillDueOut(many=True))
def refills_due() -> list[dict[str, Any]]:
    """Prescriptions with refills left whose supply runs out soon (a prescriber: own)."""
    return dashboard.refills_due(require_actor(), today=date.today())


@work_blp.route("/refill-requests", methods=["GET"])
@allow("pharmacist", "technician", "prescriber")
@work_blp.response(200, RefillRequestOut(many=True))
def refill_queue() -> list[dict[str, Any]]:
    """Open refill requests, oldest first (a prescriber: for their own prescriptions)."""
    return [refills.request_data(r) for r in refills.refill_queue(require_actor())]


@work_blp.route("/refill-requests", methods=["POST"])
@allow("pharmacist", "prescriber")
@work_blp.arguments(RefillRequestIn)
@work_blp.response(201, RefillRequestOut)
def request_refill(data: dict[str, Any]) -> dict[str, Any]:
    """Record a refill request (a pharmacist: taken by phone, fax or in person)."""
    request = refills.request_refill(
        require_actor(), data["prescription_id"], source=data["source"],
        requested_by_name=data["requested_by_name"], note=data["note"],
    )
    return refills.request_data(request)


@work_blp.route("/refill-requests/<int:request_id>/close", methods=["POST"])
@allow("pharmacist")
@work_blp.arguments(RefillCloseIn)
@work_blp.response(200, RefillRequestOut)
def close_request(data: dict[str, Any], request_id: int) -> dict[str, Any]:
    """Close a request: done, or declined with the reason."""
    request = refills.close_refill_request(
        require_actor(), request_id, outcome=data["outcome"], note=data["note"]
    )
    return refills.request_data(request)
