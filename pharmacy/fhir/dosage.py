"""How an LDN order is to be taken and supplied: `dosageInstruction` (a fixed dose, or a
titration of several instructions with `sequence` and `boundsDuration`) and
`dispenseRequest`. What the pharmacy cannot honour is refused, saying why."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pharmacy.fhir.codes import BEDTIME, SNOMED_ORAL_ROUTE, SNOMED_SYSTEM
from pharmacy.fhir.mapping import Mapped, concept_texts, given, number, unsupported
from pharmacy.fhir.medication import Medicine

ONCE_DAILY = "LDN is taken once a day, at bedtime"
DAYS = {"d": 1, "day": 1, "days": 1, "wk": 7, "week": 7, "weeks": 7}
CAPSULE_UNITS = {"capsule", "capsules", "cap", "caps", "{capsule}", "{capsules}", "{cap}"}
ML_UNITS = {"ml", "milliliter", "milliliters", "millilitre", "millilitres"}
ORAL_WORDS = ("oral", "by mouth", "po", "swallow")
DOSAGE_HANDLED = {
    "sequence",
    "timing",
    "doseAndRate",
    "route",
    "text",
    "patientInstruction",
    "additionalInstruction",
    "method",
    "extension",
    "id",
    "modifierExtension",
}
DOSAGE_REFUSED = {
    "asNeededBoolean": "LDN is taken every day, not as needed",
    "asNeededCodeableConcept": "LDN is taken every day, not as needed",
    "site": "an oral medicine has no body site",
    "maxDosePerPeriod": "the dose is fixed by the plan; a maximum is not printed",
    "maxDosePerAdministration": "the dose is fixed by the plan; a maximum is not printed",
    "maxDosePerLifetime": "the dose is fixed by the plan; a maximum is not printed",
}
REPEAT_REFUSED = (
    "boundsRange",
    "boundsPeriod",
    "count",
    "countMax",
    "duration",
    "durationMax",
    "durationUnit",
    "frequencyMax",
    "periodMax",
    "dayOfWeek",
    "timeOfDay",
    "offset",
)


def read_dosage(request: Any, path: str, medicine: Medicine, mapped: Mapped) -> None:
    """A fixed dose (one instruction) or a titration (several, each with `sequence` and
    `boundsDuration`), every one once daily at bedtime, by mouth."""
    instructions = list(request.dosageInstruction or ())
    where = f"{path}.dosageInstruction"
    if not instructions:
        raise unsupported(
            where, "Give the dose: a dosageInstruction with doseAndRate.doseQuantity."
        )
    paths = [f"{where}[{i}]" for i in range(len(instructions))]
    doses = [_dose_mg(ins, p, medicine, mapped) for ins, p in zip(instructions, paths, strict=True)]
    if len(instructions) == 1:
        if (
            instructions[0].timing
            and instructions[0].timing.repeat
            and (instructions[0].timing.repeat.boundsDuration is not None)
        ):
            raise unsupported(
                f"{paths[0]}.timing.repeat.boundsDuration",
                "A fixed dose runs for the days' supply: give it as "
                "dispenseRequest.expectedSupplyDuration (a titration is several instructions "
                "with sequence and boundsDuration).",
            )
        mapped.put("dose_mg", number(doses[0]), f"{paths[0]}.doseAndRate[0].doseQuantity.value")
        return
    order = _titration_order(instructions, paths)
    mapped.put("titration", [], where)
    for position, index in enumerate(order):
        repeat = instructions[index].timing.repeat
        days = _days(
            repeat.boundsDuration if repeat else None,
            f"{paths[index]}.timing.repeat.boundsDuration",
            "Each step of a titration gives its length in timing.repeat.boundsDuration",
        )
        mapped.data["titration"].append({"dose_mg": number(doses[index]), "days": days})
        mapped.where[f"titration.{position}"] = paths[index]
        mapped.where[f"titration.{position}.dose_mg"] = (
            f"{paths[index]}.doseAndRate[0].doseQuantity.value"
        )
        mapped.where[f"titration.{position}.days"] = (
            f"{paths[index]}.timing.repeat.boundsDuration.value"
        )


def _titration_order(instructions: list[Any], paths: list[str]) -> list[int]:
    sequences = [ins.sequence for ins in instructions]
    for index, sequence in enumerate(sequences):
        if sequence is None:
            raise unsupported(
                f"{paths[index]}.sequence",
                "Several dosageInstructions are a titration: number each step with sequence.",
            )
        if sequences.count(sequence) > 1:
            raise unsupported(
                f"{paths[index]}.sequence",
                f"Instructions with the same sequence are taken together; {ONCE_DAILY}.",
            )
    return sorted(range(len(instructions)), key=lambda i: sequences[i])


def _dose_mg(instruction: Any, path: str, medicine: Medicine, mapped: Mapped) -> Decimal:
    if instruction.modifierExtension:
        raise unsupported(f"{path}.modifierExtension", "No modifier extension is understood.")
    refused = sorted(given(instruction) & set(DOSAGE_REFUSED))
    if refused:
        raise unsupported(f"{path}.{refused[0]}", f"Not honoured: {DOSAGE_REFUSED[refused[0]]}.")
    for name in sorted(given(instruction) - DOSAGE_HANDLED - set(DOSAGE_REFUSED)):
        mapped.not_kept(f"{path}.{name}", f"{name}: not used by the pharmacy.")
    for name in ("text", "patientInstruction", "additionalInstruction", "method"):
        if name in given(instruction):
            mapped.not_kept(
                f"{path}.{name}",
                "the pharmacy writes the directions from the dose and timing (USP <17>).",
            )
    _check_route(instruction.route, f"{path}.route")
    _check_bedtime(instruction.timing, f"{path}.timing")
    return _dose_quantity(instruction.doseAndRate or [], f"{path}.doseAndRate", medicine)


def _check_route(route: Any, path: str) -> None:
    if route is None:
        return
    oral = any(
        c.system == SNOMED_SYSTEM and c.code == SNOMED_ORAL_ROUTE for c in route.coding or ()
    )
    words = " ".join(concept_texts(route)).lower()
    if not oral and not any(word in words.split() or word in words for word in ORAL_WORDS):
        raise unsupported(path, "LDN is taken by mouth; the route must be oral.")


def _check_bedtime(timing: Any, path: str) -> None:
    repeat = timing.repeat if timing is not None else None
    if timing is not None and (timing.event or timing.code):
        which = "event" if timing.event else "code"
        raise unsupported(
            f"{path}.{which}", f"Give the timing as repeat.when = ['HS']: {ONCE_DAILY}."
        )
    if repeat is None or list(repeat.when or ()) != [BEDTIME]:
        raise unsupported(
            f"{path}.repeat.when",
            f"{ONCE_DAILY}: timing.repeat.when must be ['HS'] (at bedtime).",
        )
    for name in REPEAT_REFUSED:
        if getattr(repeat, name, None) not in (None, []):
            raise unsupported(f"{path}.repeat.{name}", f"Not honoured: {ONCE_DAILY}.")
    frequency = repeat.frequency if repeat.frequency is not None else 1
    period = repeat.period if repeat.period is not None else Decimal(1)
    unit = repeat.periodUnit or "d"
    if frequency != 1 or period != 1 or unit != "d":
        raise unsupported(
            f"{path}.repeat",
            f"{frequency} time(s) every {number(Decimal(period))} {unit} cannot be honoured: "
            f"{ONCE_DAILY}.",
        )


def _dose_quantity(dose_and_rate: list[Any], path: str, medicine: Medicine) -> Decimal:
    if len(dose_and_rate) != 1 or dose_and_rate[0].doseQuantity is None:
        raise unsupported(path, "Give one doseAndRate with a doseQuantity (mg, or mL of a liquid).")
    entry = dose_and_rate[0]
    for name in ("rateRatio", "rateRange", "rateQuantity", "doseRange"):
        if getattr(entry, name) is not None:
            raise unsupported(f"{path}[0].{name}", "Give one dose per day as doseQuantity.")
    quantity, where = entry.doseQuantity, f"{path}[0].doseQuantity"
    if quantity.comparator:
        raise unsupported(f"{where}.comparator", "A dose is an exact amount.")
    if quantity.value is None:
        raise unsupported(f"{where}.value", "Give the dose's value.")
    unit = (quantity.code or quantity.unit or "").strip().lower()
    if unit == "mg":
        return Decimal(quantity.value)
    if unit in ML_UNITS and medicine.dosage_form == "liquid":
        return Decimal(quantity.value) * medicine.strength
    raise unsupported(
        f"{where}.unit",
        "Give the dose in mg" + (" or mL" if medicine.dosage_form == "liquid" else "") + ".",
    )


def _days(duration: Any, path: str, missing: str) -> int:
    if duration is None or duration.value is None:
        raise unsupported(path, f"{missing}, in days.")
    unit = (duration.code or duration.unit or "").strip().lower()
    if unit not in DAYS or duration.comparator:
        raise unsupported(f"{path}.unit", "Give the length in days (UCUM 'd') or weeks ('wk').")
    days = Decimal(duration.value) * DAYS[unit]
    if days != days.to_integral_value():
        raise unsupported(f"{path}.value", "Give a whole number of days.")
    return int(days)


def read_dispense(request: Any, path: str, medicine: Medicine, mapped: Mapped) -> None:
    """`quantity` (capsules, or mL of a liquid), `expectedSupplyDuration` (days) and
    `numberOfRepeatsAllowed` (refills)."""
    dispense = request.dispenseRequest
    where = f"{path}.dispenseRequest"
    if dispense is None:
        raise unsupported(where, "Give dispenseRequest.quantity or expectedSupplyDuration.")
    if dispense.initialFill is not None:
        raise unsupported(
            f"{where}.initialFill", "A first fill of another size is not made; send the quantity."
        )
    for name in ("validityPeriod", "dispenseInterval", "performer"):
        if getattr(dispense, name) is not None:
            mapped.not_kept(f"{where}.{name}", f"{name}: the pharmacy's own rules apply.")
    if dispense.quantity is not None:
        mapped.put(
            "quantity",
            _quantity(dispense.quantity, f"{where}.quantity", medicine),
            f"{where}.quantity.value",
        )
    if dispense.expectedSupplyDuration is not None:
        days = _days(
            dispense.expectedSupplyDuration,
            f"{where}.expectedSupplyDuration",
            "Give the days' supply",
        )
        mapped.put("days_supply", days, f"{where}.expectedSupplyDuration.value")
    if dispense.numberOfRepeatsAllowed is not None:
        mapped.put("refills", dispense.numberOfRepeatsAllowed, f"{where}.numberOfRepeatsAllowed")


def _quantity(quantity: Any, path: str, medicine: Medicine) -> str:
    if quantity.value is None or quantity.comparator:
        raise unsupported(f"{path}.value", "Give the quantity to dispense as an exact value.")
    unit = (quantity.code or quantity.unit or "").strip().lower()
    units = CAPSULE_UNITS if medicine.dosage_form == "capsule" else ML_UNITS
    if unit not in units:
        what = "capsules" if medicine.dosage_form == "capsule" else "mL"
        raise unsupported(f"{path}.unit", f"Give the quantity in {what}.")
    return number(Decimal(quantity.value))
