"""The pharmacist workbench: queues, the prescription review with its decisions
(verify with an electronic signature, reject, override an opioid hold), and phone/fax
orders entered on behalf of a prescriber."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from pharmacy.auth import allow
from pharmacy.services import prescriptions
from pharmacy.web import extras
from pharmacy.web.blueprint import bp
from pharmacy.web.forms import FormErrors, attempt, checkbox, load
from pharmacy.web.prescriber import submit_prescription
from schema.prescriptions import ReasonIn, VerifyIn

QUEUES = (
    ("submitted", "New — to verify"),
    ("on_hold", "On hold"),
    ("verified", "Verified — ready to compound"),
)
QUEUE_SIZE = 50


@bp.route("/pharmacist")
@allow("pharmacist")
def pharmacist_home() -> str:
    queues = []
    for status, title in QUEUES:
        items, total = prescriptions.list_prescriptions(
            g.actor, status=status, sort="created_at", page=1, per_page=QUEUE_SIZE
        )
        queues.append({"status": status, "title": title, "items": items, "total": total})
    return render_template(
        "web/pharmacist_home.html", queues=queues, extra=extras.pharmacist_queues(g.actor)
    )


@bp.route("/pharmacist/orders/new", methods=["GET", "POST"])
@allow("pharmacist")
def phone_order() -> Response | tuple[str, int]:
    return submit_prescription(pharmacist=True)


@bp.route("/prescriptions/<int:prescription_id>")
@allow("prescriber", "pharmacist", "technician")
def prescription(prescription_id: int) -> tuple[str, int]:
    return review_page(prescription_id)


def review_page(prescription_id: int, errors: FormErrors | None = None,
            action: str = "") -> tuple[str, int]:
    rx = prescriptions.get_prescription(g.actor, prescription_id)
    context = {
        "rx": rx,
        "errors": errors.errors if errors else {},
        "form_message": errors.message if errors else "",
        "failed_action": action,
        "values": dict(request.form) if request.method == "POST" else {},
        "verify_meaning": prescriptions.VERIFY_MEANING,
        "extra": extras.prescription_extras(g.actor, rx),
        "fill_values": dict(request.form) if action == "fill" else {},
        "fill_steps": request.form.getlist("steps") if action == "fill" else [],
        "allergies_on_file": []
        if g.actor.role == "prescriber"
        else prescriptions.allergies_only_on_file(rx),
    }
    return render_template("web/prescription.html", **context), errors.status if errors else 200


@bp.route("/prescriptions/<int:prescription_id>/verify", methods=["POST"])
@allow("pharmacist")
def verify(prescription_id: int) -> Response | tuple[str, int]:
    try:
        data = load(VerifyIn(), {
            "password": request.form.get("password", ""),
            "acknowledge_warnings": checkbox("acknowledge_warnings"),
        })
        rx = attempt(lambda: prescriptions.verify_prescription(
            g.actor, prescription_id, password=data["password"],
            acknowledge_warnings=data["acknowledge_warnings"],
        ))
    except FormErrors as errors:
        return review_page(prescription_id, errors, "verify")
    flash(f"{rx.rx_number} verified and signed by {rx.signature_name}.", "success")
    return redirect(url_for("web.prescription", prescription_id=rx.id))


def _reason_action(prescription_id: int, action: str) -> Response | tuple[str, int]:
    try:
        data = load(ReasonIn(), {"reason": request.form.get("reason", "")})
        if action == "reject":
            rx = attempt(lambda: prescriptions.reject_prescription(
                g.actor, prescription_id, reason=data["reason"]))
            flash(f"{rx.rx_number} rejected; the prescriber sees your reason.", "success")
        else:
            rx = attempt(lambda: prescriptions.override_hold(
                g.actor, prescription_id, reason=data["reason"]))
            flash(f"Hold on {rx.rx_number} overridden; it is ready to verify.", "success")
    except FormErrors as errors:
        return review_page(prescription_id, errors, action)
    return redirect(url_for("web.prescription", prescription_id=rx.id))


@bp.route("/prescriptions/<int:prescription_id>/reject", methods=["POST"])
@allow("pharmacist")
def reject(prescription_id: int) -> Response | tuple[str, int]:
    return _reason_action(prescription_id, "reject")


@bp.route("/prescriptions/<int:prescription_id>/override-hold", methods=["POST"])
@allow("pharmacist")
def override_hold(prescription_id: int) -> Response | tuple[str, int]:
    return _reason_action(prescription_id, "override")
