"""The prescriber portal: a new-prescription form and the prescriber's own list. The
pharmacist's phone/fax order uses the same form with a prescriber picker."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from pharmacy.auth import allow
from pharmacy.db import parse_id
from pharmacy.services import patient_profile, prescriptions
from pharmacy.services.rules import rules_in_force
from pharmacy.web.blueprint import bp
from pharmacy.web.forms import FormErrors, attempt, load, render_form
from pharmacy.web.rx_form import filler_options, plan_options, prescription_data, step_rows
from schema.prescriptions import STATUSES, PrescriptionIn, PrescriptionQuery

FORM_TEMPLATE = "web/prescription_form.html"


def _form_context(pharmacist: bool) -> dict[str, Any]:
    rules = rules_in_force()
    context: dict[str, Any] = {
        "plan_options": plan_options(rules),
        "filler_options": filler_options(rules),
        # Common LDN indications with their ICD-10-CM codes, offered as suggestions.
        "indication_options": sorted(rules.ldn_indications.items()),
        "pharmacist": pharmacist,
        "today": date.today().isoformat(),
    }
    if pharmacist:
        context["prescriber_options"] = [("", "Choose the prescriber…")] + [
            (str(p.id), f"{p.full_name} (NPI {p.npi})") for p in prescriptions.list_prescribers()
        ]
    return context


def _render(pharmacist: bool, errors: FormErrors | None = None) -> tuple[str, int]:
    context = _form_context(pharmacist)
    values = dict(request.form) if request.method == "POST" else _known_patient()
    context["step_count"] = step_rows(values)
    seen = [] if pharmacist else patient_profile.patients_seen(g.actor)
    if seen:
        context["patient_options"] = [("", "Choose…")] + [
            (str(p.id), f"{p.last_name}, {p.first_name} (born {p.date_of_birth.isoformat()})")
            for p in seen
        ]
    return render_form(FORM_TEMPLATE, errors, values=values, **context)


def _known_patient() -> dict[str, str]:
    """Started from a patient's profile (or the picker): their details filled in."""
    patient_id = parse_id(request.args.get("patient_id", ""))
    if patient_id is None:
        return {}
    return patient_profile.patient_form_values(g.actor, patient_id)


def submit_prescription(*, pharmacist: bool) -> Response | tuple[str, int]:
    if request.method == "GET":
        return _render(pharmacist)
    rules = rules_in_force()
    source = request.form.get("source", "phone") if pharmacist else "prescriber_portal"
    data = prescription_data(rules, source=source, pharmacist=pharmacist)
    try:
        loaded = load(PrescriptionIn(), data)
        rx = attempt(
            lambda: prescriptions.create_prescription(g.actor, loaded, today=date.today())
        )
    except FormErrors as errors:
        return _render(pharmacist, errors)
    if rx.status == "on_hold":
        # Not the reasons themselves: they quote the medications as typed, and a flash
        # travels in the (signed, readable) session cookie. The page below lists them.
        flash(f"{rx.rx_number} was received and is on hold for the pharmacist; "
              "the reasons are listed below.", "warning")
    else:
        flash(f"{rx.rx_number} was submitted for pharmacist verification.", "success")
    return redirect(url_for("web.prescription", prescription_id=rx.id))


@bp.route("/prescriptions/new", methods=["GET", "POST"])
@allow("prescriber")
def new_prescription() -> Response | tuple[str, int]:
    return submit_prescription(pharmacist=False)


@bp.route("/prescriber")
@allow("prescriber")
def prescriber_home() -> str:
    args = {k: v for k, v in request.args.items() if v}
    try:
        query = load(PrescriptionQuery(), args)
    except FormErrors:
        query = load(PrescriptionQuery(), {})
    items, total = prescriptions.list_prescriptions(
        g.actor, status=query.get("status"), sort=query["sort"], page=query["page"],
        per_page=query["per_page"],
    )
    return render_template(
        "web/prescriber_home.html", items=items, total=total, query=query, statuses=STATUSES,
    )
