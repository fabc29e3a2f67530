from __future__ import annotations

from datetime import date
from typing import Any

from pharmacy.api.blueprint import Blueprint
from pharmacy.auth import allow, require_actor
from pharmacy.models import Prescriber, Prescription
from pharmacy.services import prescriptions
from schema.prescriptions import (
    CorrectionIn,
    PrescriberOut,
    PrescriptionIn,
    PrescriptionOut,
    PrescriptionPage,
    PrescriptionQuery,
    ReasonIn,
    VerifyIn,
)

blp = Blueprint(
    "prescriptions", __name__, url_prefix="/api/v1/prescriptions", description="LDN prescriptions"
)
prescribers_blp = Blueprint(
    "prescribers", __name__, url_prefix="/api/v1/prescribers", description="Prescribers"
)


@blp.route("", methods=["POST"])
@allow("prescriber", "pharmacist")
@blp.arguments(PrescriptionIn)
@blp.response(201, PrescriptionOut)
def create(data: dict[str, Any]) -> Prescription:
    """Submit a prescription (a prescriber for themself; a pharmacist for a phone/fax order)."""
    return prescriptions.create_prescription(require_actor(), data, today=date.today())


@blp.route("", methods=["GET"])
@allow("prescriber", "pharmacist", "technician")
@blp.arguments(PrescriptionQuery, location="query")
@blp.response(200, PrescriptionPage)
def index(args: dict[str, Any]) -> dict[str, Any]:
    """List prescriptions (a prescriber sees only their own), paginated and filtered."""
    items, total = prescriptions.list_prescriptions(
        require_actor(),
        status=args.get("status"),
        sort=args["sort"],
        page=args["page"],
        per_page=args["per_page"],
    )
    return {
        "items": items,
        "meta": {"page": args["page"], "per_page": args["per_page"], "total": total},
    }


@blp.route("/<int:prescription_id>", methods=["GET"])
@allow("prescriber", "pharmacist", "technician")
@blp.response(200, PrescriptionOut)
def show(prescription_id: int) -> Prescription:
    return prescriptions.get_prescription(require_actor(), prescription_id)


@blp.route("/<int:prescription_id>/verify", methods=["POST"])
@allow("pharmacist")
@blp.arguments(VerifyIn)
@blp.response(200, PrescriptionOut)
def verify(data: dict[str, Any], prescription_id: int) -> Prescription:
    """Verify with an electronic signature (the pharmacist's password re-entered)."""
    return prescriptions.verify_prescription(
        require_actor(),
        prescription_id,
        password=data["password"],
        acknowledge_warnings=data["acknowledge_warnings"],
    )


@blp.route("/<int:prescription_id>/reject", methods=["POST"])
@allow("pharmacist")
@blp.arguments(ReasonIn)
@blp.response(200, PrescriptionOut)
def reject(data: dict[str, Any], prescription_id: int) -> Prescription:
    return prescriptions.reject_prescription(
        require_actor(), prescription_id, reason=data["reason"]
    )


@blp.route("/<int:prescription_id>/override-hold", methods=["POST"])
@allow("pharmacist")
@blp.arguments(ReasonIn)
@blp.response(200, PrescriptionOut)
def override_hold(data: dict[str, Any], prescription_id: int) -> Prescription:
    """Release an opioid (or attestation) hold, with the pharmacist's reason."""
    return prescriptions.override_hold(require_actor(), prescription_id, reason=data["reason"])


@blp.route("/<int:prescription_id>/void", methods=["POST"])
@allow("pharmacist")
@blp.arguments(ReasonIn)
@blp.response(200, PrescriptionOut)
def void(data: dict[str, Any], prescription_id: int) -> Prescription:
    """Void a prescription entered in error (it is kept, marked void with the reason)."""
    return prescriptions.void_prescription(require_actor(), prescription_id, reason=data["reason"])


@blp.route("/<int:prescription_id>/correct", methods=["POST"])
@allow("pharmacist")
@blp.arguments(CorrectionIn)
@blp.response(201, PrescriptionOut)
def correct(data: dict[str, Any], prescription_id: int) -> Prescription:
    """Correct a prescription: a new version through intake, the old one voided with the
    reason. Not possible once dispensed."""
    return prescriptions.correct_prescription(
        require_actor(),
        prescription_id,
        data["prescription"],
        reason=data["reason"],
        today=date.today(),
    )


@prescribers_blp.route("", methods=["GET"])
@allow("pharmacist", "technician")
@prescribers_blp.response(200, PrescriberOut(many=True))
def list_prescribers() -> list[Prescriber]:
    return prescriptions.list_prescribers()
