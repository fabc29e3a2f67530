"""The live preview behind the prescription form: directions and the dated schedule from
the engine's one prescription assessment, for whatever the form holds so far (a GET:
nothing changes). The submit runs the same assessment, so the preview never shows as fine
what the submit will refuse."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from pharmacy.auth import allow
from pharmacy.compounding import directions, opioids, titration
from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.prescription import assess_prescription
from pharmacy.compounding.units import format_ml, plain
from pharmacy.http_errors import flatten_messages
from pharmacy.services import pricing
from pharmacy.services.prescriptions import prescription_request
from pharmacy.services.printing.dose_charts import chart_json, plan_chart
from pharmacy.services.rules import rules_in_force
from pharmacy.web.blueprint import bp
from pharmacy.web.forms import lines
from pharmacy.web.rx_form import prescription_data, preview_start
from schema.prescriptions import PrescriptionIn

PLAN_FIELDS = ("dosage_form", "strength_mg", "concentration_mg_per_ml", "dose_mg", "titration")
# A fixed dose previewed before the prescriber says for how long: a month's directions.
PREVIEW_DAYS = 30
NOTHING_YET: dict[str, Any] = {"ok": False, "errors": {}, "directions": [], "schedule": []}


def _plan_errors(messages: Any, data: dict[str, Any]) -> dict[str, list[str]]:
    """Errors on the plan fields the prescriber has filled in: a field not typed yet is
    not an error while they are still typing (the submit says what is missing)."""
    flat = flatten_messages(messages)
    return {
        k: v for k, v in flat.items()
        if k.split(".")[0] in PLAN_FIELDS and k.split(".")[0] in data
    }


def _opioid_flags(matches: Any) -> list[dict[str, str]]:
    """The opioids found in the medications typed so far, to flag beside the field."""
    return [
        {"medication": m.medication, "ingredient": m.ingredient, "severity": m.severity,
         "washout": m.washout_text}
        for m in matches
    ]


def _language(loaded: dict[str, Any], rules: Any) -> str:
    """The patient's language as the form holds it, for the chart's dates and words."""
    lang = (loaded.get("patient") or {}).get("language")
    return lang if lang in rules.label_languages else "en"


# POST too, so the medications typed (with the language, the only patient details the
# preview reads) stay out of URLs and access logs; the page sends its CSRF token with it.
# A GET previews the dose plan alone: patient details in its query string are refused,
# never read, so no client comes to rely on putting them in a URL.
PATIENT_IN_URL = "Patient details are sent in a POST body, never in the URL."


@bp.route("/preview/directions", methods=["GET", "POST"])
@allow("prescriber", "pharmacist")
def preview_directions() -> Response | tuple[Response, int]:
    if request.method == "GET":
        in_url = sorted({name for name in request.args if name.startswith("patient.")})
        if in_url:
            return jsonify({**NOTHING_YET, "errors": {n: [PATIENT_IN_URL] for n in in_url}}), 400
    rules = rules_in_force()
    data = prescription_data(rules, source="prescriber_portal", pharmacist=False)
    # Until the plan can be assessed, the same opioid screen assess_prescription runs.
    flags = _opioid_flags(opioids.screen_medications(lines("patient.current_medications"), rules))
    try:
        loaded = PrescriptionIn(partial=True).load(data)
        errors: dict[str, list[str]] = {}
    except ValidationError as error:
        loaded = error.valid_data if isinstance(error.valid_data, dict) else {}
        errors = _plan_errors(error.messages, data)
    form = loaded.get("dosage_form")
    per_unit = loaded.get("strength_mg" if form == "capsule" else "concentration_mg_per_ml")
    if errors:
        return jsonify({**NOTHING_YET, "errors": errors, "opioids": flags})
    if form is None or per_unit is None:
        return jsonify({**NOTHING_YET, "opioids": flags})
    if not loaded.get("titration") and loaded.get("dose_mg") is None and form != "capsule":
        return jsonify({**NOTHING_YET, "opioids": flags})
    if not loaded.get("titration") and loaded.get("quantity") is None:
        loaded.setdefault("days_supply", PREVIEW_DAYS)
    start = preview_start()
    try:
        assessment = assess_prescription(prescription_request(loaded), rules, start=start)
    except FormulationError as error:
        return jsonify({**NOTHING_YET, "errors": {error.field: [error.message]},
                        "opioids": flags})
    steps = list(assessment.plan.steps)
    needed = assessment.quantity_needed
    # The leaflet's dose chart, drawn from the same plan and made here as SVG.
    chart = plan_chart(steps, start, dosage_form=form, per_unit_mg=per_unit,
                       lang=_language(loaded, rules))
    return jsonify({
        "ok": True,
        "errors": {},
        "directions": list(assessment.direction_lines),
        "schedule": [
            {
                "start": directions.format_day(entry.start),
                "end": directions.format_day(entry.end),
                "dose_mg": plain(entry.dose_mg),
                "days": entry.days,
            }
            for entry in titration.dated_schedule(steps, start)
        ],
        "total_days": titration.total_days(steps),
        "chart": chart_json(chart),
        "quantity_needed": (
            f"{plain(needed)} capsules" if form == "capsule" else f"{format_ml(needed)} mL"
        ),
        "acknowledgements": list(assessment.acknowledgements),
        "warnings": list(assessment.warnings),
        "opioids": _opioid_flags(assessment.opioid_matches),
        # DOMAIN.md §12: labelled an estimate (the fill's price comes from its batch).
        "estimate": pricing.estimate_for_plan(
            dosage_form=form,
            dose_basis=loaded.get("dose_basis") or "hcl",
            strength=per_unit,
            quantity=assessment.quantity,
            days=assessment.days_supply,
            refills=int(loaded.get("refills") or 0),
        ),
    })
