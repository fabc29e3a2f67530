"""The prescription rules, as one pure function every intake channel calls.

`assess_prescription` takes what a prescriber or pharmacist asked for (the dose plan,
strength, form, quantity, days' supply, syringe, filler, the patient's medications and
allergies) and the rules in force, and returns what the pharmacy will store: the plan, the
quantity and days' supply, directions, warnings, hold reasons and the acknowledgements a
pharmacist must give. Bad input raises `FormulationError` naming the field.

Intake through the API and the forms, a correction, the prescriber form's live preview and
FHIR all call it; none has rules of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from pharmacy.compounding import directions as directions_engine
from pharmacy.compounding import opioids, screen
from pharmacy.compounding.dose import check_dose
from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.fillers import (
    allergic_to_lactose,
    filler_caution,
    filler_problem,
    normalize_filler_code,
)
from pharmacy.compounding.liquids import LiquidRequest, quote_liquid
from pharmacy.compounding.rules import Rules
from pharmacy.compounding.titration import TitrationStep, capsules_for_plan, volume_for_plan
from pharmacy.compounding.units import plain

CAPSULE = "capsule"
LIQUID = "liquid"
NO_ATTESTATION = screen.NO_ATTESTATION


@dataclass(frozen=True)
class PrescriptionRequest:
    """What was asked for, as loaded by the edge's schema (no defaults applied yet)."""

    dosage_form: str
    strength: Decimal  # mg per capsule, or mg per mL
    dose_mg: Decimal | None = None
    titration: tuple[TitrationStep, ...] = ()
    dose_basis: str = "hcl"
    quantity: Decimal | None = None
    days_supply: int | None = None
    syringe_ml: int | None = None
    filler: str | None = None
    # Text, or text with an RxNorm code (opioids.CodedMedication) as integrations send.
    medications: tuple[opioids.Medication, ...] = ()
    allergies: tuple[str, ...] = ()
    opioid_attestation: bool = False
    conditions: tuple[str, ...] = ()
    indication_icd10: str | None = None

    @property
    def strength_field(self) -> str:
        return "strength_mg" if self.dosage_form == CAPSULE else "concentration_mg_per_ml"


@dataclass(frozen=True)
class Plan:
    """The dose plan of a prescription: one step for a fixed dose."""

    steps: tuple[TitrationStep, ...]
    titrated: bool

    @property
    def total_days(self) -> int:
        return sum(step.days for step in self.steps)

    @property
    def doses(self) -> list[Decimal]:
        return [step.dose_mg for step in self.steps]

    @property
    def dose_field(self) -> str:
        """The field the prescriber filled in for the dose."""
        return "titration" if self.titrated else "dose_mg"


@dataclass(frozen=True)
class Assessment:
    """What the pharmacy stores for a prescription, and what it must act on."""

    plan: Plan
    quantity: Decimal
    quantity_needed: Decimal  # what the plan takes (a titration's may differ from quantity)
    days_supply: int
    filler: str  # "" for a liquid
    syringe_ml: int | None
    directions: str
    direction_lines: tuple[str, ...]
    warnings: tuple[str, ...]
    hold_reasons: tuple[str, ...]
    acknowledgements: tuple[str, ...]
    opioid_matches: tuple[opioids.OpioidMatch, ...] = field(default=())
    filler_contains_lactose: bool = False
    screen: screen.Screen | None = None

    @property
    def on_hold(self) -> bool:
        return bool(self.hold_reasons)


def assess_prescription(
    request: PrescriptionRequest, rules: Rules, *, start: date | None = None
) -> Assessment:
    """The prescription rules, in the order a pharmacist checks them. `start` dates the
    titration directions (the live preview); intake stores them undated."""
    acknowledgements: list[str] = []
    warnings: list[str] = []
    filler = _checked_filler(request, rules, acknowledgements)
    plan = _plan(request)
    _check_doses(request, plan, rules, acknowledgements)
    days_supply = _plan_days(request, plan, rules, warnings)
    syringe_ml = _measurable_doses(request, plan, rules)
    quantity, needed, days_supply = _quantity(request, plan, days_supply, rules, warnings)
    lines = _directions(request, plan, rules, start)
    found = screen.run_screen(
        request.medications,
        request.allergies,
        rules,
        attested=request.opioid_attestation,
        conditions=request.conditions,
        indication_icd10=request.indication_icd10,
    )
    if request.dosage_form == CAPSULE:
        suggestion = screen.capsule_suggestion(plan.doses, request.strength, rules)
        warnings += [suggestion] if suggestion else []
    chosen = rules.filler(filler) if filler else None
    with_lactose = chosen is not None and chosen.contains_lactose
    check_lactose(with_lactose, request.allergies, on_record=False)
    return Assessment(
        plan=plan,
        quantity=quantity,
        quantity_needed=needed,
        days_supply=days_supply,
        filler=filler,
        syringe_ml=syringe_ml,
        directions=" ".join(lines),
        direction_lines=tuple(lines),
        warnings=tuple(warnings) + found.warnings,
        hold_reasons=found.hold_reasons,
        acknowledgements=tuple(acknowledgements) + found.acknowledgements,
        opioid_matches=found.opioid_matches,
        filler_contains_lactose=with_lactose,
        screen=found,
    )


def check_lactose(with_lactose: bool, allergies: Sequence[str], *, on_record: bool) -> None:
    """A filler with lactose is refused for a patient allergic to it: as the prescription
    says, and again against the allergies the patient's record holds (`on_record`)."""
    if with_lactose and allergic_to_lactose(list(allergies)):
        if on_record:
            raise FormulationError(
                "filler", "the patient's record lists a lactose allergy; choose another filler"
            )
        raise FormulationError(
            "filler", "the patient is allergic to lactose; choose another filler"
        )


def _checked_filler(request: PrescriptionRequest, rules: Rules, acknowledgements: list[str]) -> str:
    """The capsule filler (the rules' default when none is named), or "" for a liquid; a
    filler the rules never allow is refused, one they caution about needs acknowledging.
    The strength of a capsule is checked as a dose, since one capsule is one."""
    if request.dosage_form != CAPSULE:
        if request.filler:
            raise FormulationError("filler", "applies to capsules only")
        return ""
    filler = normalize_filler_code(request.filler or rules.default_filler_code)
    problem = filler_problem(filler, rules)
    if problem:
        raise FormulationError("filler", problem)
    caution = filler_caution(filler, rules)
    if caution:
        acknowledgements.append(caution)
    if request.syringe_ml is not None:
        raise FormulationError("syringe_ml", "applies to liquids only")
    check_dose(request.strength, rules, field="strength_mg", basis=request.dose_basis)
    return filler


def _plan(request: PrescriptionRequest) -> Plan:
    if request.titration:
        return Plan(tuple(request.titration), True)
    dose = request.dose_mg
    if dose is None:
        if request.dosage_form != CAPSULE:
            raise FormulationError("dose_mg", "give dose_mg or titration steps")
        dose = request.strength  # one capsule a day
    return Plan((TitrationStep(dose_mg=dose, days=request.days_supply or 1),), False)


def _check_doses(
    request: PrescriptionRequest, plan: Plan, rules: Rules, acknowledgements: list[str]
) -> None:
    for index, step in enumerate(plan.steps):
        name = f"titration.{index}.dose_mg" if plan.titrated else "dose_mg"
        check = check_dose(step.dose_mg, rules, field=name, basis=request.dose_basis)
        if check.acknowledgement and check.acknowledgement not in acknowledgements:
            acknowledgements.append(check.acknowledgement)


def _plan_days(
    request: PrescriptionRequest, plan: Plan, rules: Rules, warnings: list[str]
) -> int | None:
    """A titration's days' supply is its plan's length (a different one given is a warning);
    a plan longer than a prescription may cover is refused."""
    if not plan.titrated:
        return request.days_supply
    plan_days = plan.total_days
    if plan_days > rules.max_days_supply:
        raise FormulationError(
            "titration",
            f"the plan runs {plan_days} days; a prescription covers at most "
            f"{rules.max_days_supply} days",
        )
    if request.days_supply is None:
        return plan_days
    if request.days_supply != plan_days:
        warnings.append(
            f"Days' supply {request.days_supply} differs from the titration plan's "
            f"{plan_days} days."
        )
    return request.days_supply


def _measurable_doses(request: PrescriptionRequest, plan: Plan, rules: Rules) -> int | None:
    """Every dose must be made of whole capsules, or be measurable on the liquid's syringe
    (the engine proposes a concentration when not). Returns the syringe that measures them."""
    if request.dosage_form == CAPSULE:
        for step in plan.steps:
            try:
                capsules_for_plan([TitrationStep(dose_mg=step.dose_mg, days=1)], request.strength)
            except FormulationError as error:
                # Name the field the prescriber filled in: the dose, or the plan.
                raise FormulationError(plan.dose_field, error.message) from error
        return None
    try:
        quote = quote_liquid(
            LiquidRequest(
                concentration_mg_per_ml=request.strength,
                quantity_ml=max(plan.doses) / request.strength,
                doses_mg=tuple(plan.doses),
                syringe_ml=request.syringe_ml,
            ),
            rules,
        )
    except FormulationError as error:
        raise FormulationError(error.field or plan.dose_field, error.message) from error
    return quote.syringe_ml


def _quantity(
    request: PrescriptionRequest,
    plan: Plan,
    days_supply: int | None,
    rules: Rules,
    warnings: list[str],
) -> tuple[Decimal, Decimal, int]:
    """The quantity to dispense, what the plan needs, and the days it covers, from
    whichever was given."""
    if plan.titrated:
        assert days_supply is not None  # a titration's days come from its plan
        quantity, needed = _titration_quantity(request, plan, warnings)
    else:
        quantity, days_supply = _fixed_quantity(request, plan, days_supply, rules, warnings)
        needed = quantity
    if request.dosage_form == CAPSULE and quantity != quantity.to_integral_value():
        raise FormulationError("quantity", "capsules are counted in whole numbers")
    return quantity, needed, days_supply


def _unit(request: PrescriptionRequest) -> str:
    return "capsules" if request.dosage_form == CAPSULE else "mL"


def _titration_quantity(
    request: PrescriptionRequest, plan: Plan, warnings: list[str]
) -> tuple[Decimal, Decimal]:
    if request.dosage_form == CAPSULE:
        needed = Decimal(capsules_for_plan(list(plan.steps), request.strength))
    else:
        needed = volume_for_plan(list(plan.steps), request.strength)
    quantity = request.quantity
    if quantity is None:
        return needed, needed
    unit = _unit(request)
    if quantity < needed:
        warnings.append(
            f"Quantity {plain(quantity)} {unit} is less than the {plain(needed)} {unit} "
            "the titration plan needs."
        )
    elif quantity > needed:
        warnings.append(
            f"Quantity {plain(quantity)} {unit} is more than the {plain(needed)} {unit} "
            "the titration plan needs."
        )
    return quantity, needed


def _fixed_quantity(
    request: PrescriptionRequest,
    plan: Plan,
    days_supply: int | None,
    rules: Rules,
    warnings: list[str],
) -> tuple[Decimal, int]:
    unit = _unit(request)
    per_day = plan.steps[0].dose_mg / request.strength  # capsules, or mL, a day
    quantity = request.quantity
    if quantity is None:
        if days_supply is None:
            raise FormulationError("quantity", "give a quantity or a days' supply")
        quantity = per_day * days_supply
    covered = int(quantity // per_day)
    if covered > rules.max_days_supply:
        raise FormulationError(
            "quantity",
            f"{plain(quantity)} {unit} last {covered} days at this dose; a prescription "
            f"covers at most {rules.max_days_supply} days",
        )
    if days_supply is None:
        if covered < 1:
            raise FormulationError("quantity", "is less than one day's dose")
        return quantity, covered
    if quantity < per_day * days_supply:
        warnings.append(
            f"Quantity {plain(quantity)} {unit} does not cover {days_supply} days at this dose."
        )
    elif quantity > per_day * days_supply:
        warnings.append(
            f"Quantity {plain(quantity)} {unit} is more than the "
            f"{plain(per_day * days_supply)} {unit} {days_supply} days at this dose need."
        )
    return quantity, days_supply


def _directions(
    request: PrescriptionRequest, plan: Plan, rules: Rules, start: date | None
) -> list[str]:
    if plan.titrated:
        return directions_engine.titration_directions(
            request.dosage_form, list(plan.steps), request.strength, start, rules
        )
    capsule = request.dosage_form == CAPSULE
    return [
        directions_engine.fixed_directions(
            request.dosage_form,
            plan.steps[0].dose_mg,
            strength_mg=request.strength if capsule else None,
            concentration_mg_per_ml=None if capsule else request.strength,
            rules=rules,
        )
    ]

