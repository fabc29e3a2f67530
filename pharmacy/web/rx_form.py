"""The new-prescription form (prescriber portal and the pharmacist's phone/fax order):
form fields → the dict `schema.prescriptions.PrescriptionIn` loads. The form chooses a
fixed dose, a seeded titration template or a custom plan; the template's steps come from
the engine so the page never holds a plan of its own."""

from __future__ import annotations

from datetime import date
from typing import Any

from pharmacy.compounding.fillers import usable_fillers
from pharmacy.compounding.rules import Rules
from pharmacy.compounding.titration import TitrationStep, template_steps
from pharmacy.compounding.units import plain
from pharmacy.web.forms import checkbox, compact, lines, submitted, text

MAX_STEPS = 20
MIN_STEP_ROWS = 6
FIXED = "fixed"
CUSTOM = "custom"
TEMPLATE_PREFIX = "template:"

TEMPLATE_NAMES = {
    "standard-1.5": "Standard: 1.5 mg, +1.5 mg every 2 weeks to 4.5 mg",
    "standard-1.5-weekly": "Standard, weekly steps: 1.5 mg, +1.5 mg weekly to 4.5 mg",
    "sensitive-0.5": "Sensitive: 0.5 mg, +0.5 mg weekly to 4.5 mg",
    "sensitive-1": "Sensitive: 1 mg, +0.5 mg weekly to 4.5 mg",
}


def template_label(code: str, steps: tuple[TitrationStep, ...]) -> str:
    described = TEMPLATE_NAMES.get(code)
    if described:
        return described
    return code + ": " + ", ".join(f"{plain(s.dose_mg)} mg × {s.days} d" for s in steps)


def plan_options(rules: Rules) -> list[tuple[str, str]]:
    options = [(FIXED, "Fixed dose (no titration)")]
    for code in rules.titration_templates:
        options.append((TEMPLATE_PREFIX + code, template_label(code, template_steps(code, rules))))
    options.append((CUSTOM, "Custom titration plan"))
    return options


def filler_options(rules: Rules) -> list[tuple[str, str]]:
    def label(filler: Any) -> str:
        return f"{filler.name} ({filler.note})" if filler.note else filler.name

    return [(f.code, label(f)) for f in usable_fillers(rules)]


def step_rows(values: dict[str, str]) -> int:
    filled = 0
    for index in range(MAX_STEPS):
        if values.get(f"titration.{index}.dose_mg") or values.get(f"titration.{index}.days"):
            filled = index + 1
    return min(MAX_STEPS, max(MIN_STEP_ROWS, filled + 2))


def custom_steps() -> list[dict[str, Any]]:
    steps = []
    for index in range(MAX_STEPS):
        dose = text(f"titration.{index}.dose_mg")
        days = text(f"titration.{index}.days")
        if dose is None and days is None:
            continue
        steps.append(compact({"dose_mg": dose, "days": days}))
    return steps


def plan_fields(rules: Rules) -> dict[str, Any]:
    """`dose_mg` or `titration` from the plan picker."""
    plan = submitted().get("plan", FIXED)
    if plan.startswith(TEMPLATE_PREFIX):
        code = plan.removeprefix(TEMPLATE_PREFIX)
        if code not in rules.titration_templates:
            return {"titration": []}  # the schema names the field: at least one step
        return {
            "titration": [
                {"dose_mg": str(step.dose_mg), "days": step.days}
                for step in template_steps(code, rules)
            ]
        }
    if plan == CUSTOM:
        return {"titration": custom_steps()}
    return compact({"dose_mg": text("dose_mg")})


def prescription_data(rules: Rules, *, source: str, pharmacist: bool) -> dict[str, Any]:
    """The dict for `PrescriptionIn().load`: strings as typed, the schema does the typing."""
    dosage_form = text("dosage_form")
    data: dict[str, Any] = {
        "patient": compact(
            {
                "first_name": text("patient.first_name"),
                "last_name": text("patient.last_name"),
                "date_of_birth": text("patient.date_of_birth"),
                "address": text("patient.address"),
                "phone": text("patient.phone"),
                "language": text("patient.language"),
                "allergies": lines("patient.allergies"),
                "current_medications": lines("patient.current_medications"),
                "conditions": lines("patient.conditions"),
            }
        ),
        "indication": compact(
            {"text": text("indication.text"), "icd10": text("indication.icd10")}
        )
        or None,
        "source": source,
        "dosage_form": dosage_form,
        "dose_basis": text("dose_basis"),
        "quantity": text("quantity"),
        "days_supply": text("days_supply"),
        "refills": text("refills"),
        "notes": text("notes"),
        "opioid_attestation": checkbox("opioid_attestation"),
    }
    if dosage_form == "liquid":
        data["concentration_mg_per_ml"] = text("concentration_mg_per_ml")
        data["syringe_ml"] = text("syringe_ml")
    else:
        data["strength_mg"] = text("strength_mg")
        data["filler"] = text("filler")
    if pharmacist:
        data["prescriber_id"] = text("prescriber_id")
    data.update(plan_fields(rules))
    return compact(data)


def preview_start() -> date:
    raw = submitted().get("start_on", "")
    try:
        return date.fromisoformat(raw) if raw else date.today()
    except ValueError:
        return date.today()
