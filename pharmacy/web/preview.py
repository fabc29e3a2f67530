"""The live preview behind the prescription form: directions and the dated schedule, from
the engine's own functions, for whatever the form holds so far (a GET: nothing changes)."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from pharmacy.auth import allow
from pharmacy.compounding import directions, titration
from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.units import format_ml, plain
from pharmacy.errors import _flatten
from pharmacy.services.liquid_checks import check_liquid_doses
from pharmacy.services.web_support import rules_in_force
from pharmacy.web.blueprint import bp
from pharmacy.web.rx_form import prescription_data, preview_start
from schema.prescriptions import PrescriptionIn

PLAN_FIELDS = ("dosage_form", "strength_mg", "concentration_mg_per_ml", "dose_mg", "titration")


def _plan_errors(messages: Any, data: dict[str, Any]) -> dict[str, list[str]]:
    """Errors on the plan fields the prescriber has filled in: a field not typed yet is
    not an error while they are still typing (the submit says what is missing)."""
    flat = _flatten(messages)
    return {
        k: v for k, v in flat.items()
        if k.split(".")[0] in PLAN_FIELDS and k.split(".")[0] in data
    }


@bp.route("/preview/directions")
@allow("prescriber", "pharmacist")
def preview_directions() -> Response:
    rules = rules_in_force()
    data = prescription_data(rules, source="prescriber_portal", pharmacist=False)
    try:
        loaded = PrescriptionIn(partial=True).load(data)
        errors: dict[str, list[str]] = {}
    except ValidationError as error:
        loaded = error.valid_data if isinstance(error.valid_data, dict) else {}
        errors = _plan_errors(error.messages, data)
    form = loaded.get("dosage_form")
    per_unit = loaded.get("strength_mg" if form == "capsule" else "concentration_mg_per_ml")
    if errors or form is None or per_unit is None:
        return jsonify({"ok": False, "errors": errors, "directions": [], "schedule": []})
    if loaded.get("titration"):
        steps = [titration.TitrationStep(s["dose_mg"], s["days"]) for s in loaded["titration"]]
    elif loaded.get("dose_mg") is not None or form == "capsule":
        dose = loaded.get("dose_mg", per_unit)
        steps = [titration.TitrationStep(dose, loaded.get("days_supply") or 30)]
    else:
        return jsonify({"ok": False, "errors": {}, "directions": [], "schedule": []})
    start = preview_start()
    try:
        if len(steps) == 1 and not loaded.get("titration"):
            lines = [directions.fixed_directions(
                form, steps[0].dose_mg,
                strength_mg=per_unit if form == "capsule" else None,
                concentration_mg_per_ml=per_unit if form == "liquid" else None,
                rules=rules,
            )]
        else:
            lines = directions.titration_directions(form, steps, per_unit, start, rules)
        if form == "capsule":
            needed = f"{titration.capsules_for_plan(steps, per_unit)} capsules"
        else:
            # The submit checks each dose against the syringe; so does the preview, so it
            # never shows as fine what the submit will refuse.
            check_liquid_doses(
                concentration=per_unit,
                doses=[step.dose_mg for step in steps],
                syringe_ml=loaded.get("syringe_ml"),
                rules=rules,
            )
            needed = f"{format_ml(titration.volume_for_plan(steps, per_unit))} mL"
        acknowledgements = titration.validate_steps(
            steps, rules, basis=loaded.get("dose_basis") or "hcl"
        )
    except FormulationError as error:
        return jsonify({"ok": False, "errors": {error.field: [error.message]},
                        "directions": [], "schedule": []})
    schedule = [
        {
            "start": directions.format_day(entry.start),
            "end": directions.format_day(entry.end),
            "dose_mg": plain(entry.dose_mg),
            "days": entry.days,
        }
        for entry in titration.dated_schedule(steps, start)
    ]
    return jsonify({
        "ok": True,
        "errors": {},
        "directions": lines,
        "schedule": schedule,
        "total_days": titration.total_days(steps),
        "quantity_needed": needed,
        "acknowledgements": acknowledgements,
    })
