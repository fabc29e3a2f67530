"""Titration plans: steps, dated schedules and the quantities they need (DOMAIN §7)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pharmacy.compounding.dose import check_dose
from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.rules import DEFAULT_RULES, Rules
from pharmacy.compounding.units import add_days, plain

FIELD = "titration"


@dataclass(frozen=True)
class TitrationStep:
    dose_mg: Decimal
    days: int


@dataclass(frozen=True)
class ScheduleEntry:
    start: date
    end: date  # inclusive
    dose_mg: Decimal
    days: int


def template_steps(code: str, rules: Rules) -> tuple[TitrationStep, ...]:
    try:
        raw = rules.titration_templates[code]
    except KeyError:
        known = ", ".join(rules.titration_templates)
        raise FormulationError(
            FIELD, f"unknown titration template '{code}': choose one of {known}"
        ) from None
    return tuple(TitrationStep(dose, days) for dose, days in raw)


def templates(rules: Rules) -> dict[str, tuple[TitrationStep, ...]]:
    return {code: template_steps(code, rules) for code in rules.titration_templates}


TITRATION_TEMPLATES: Mapping[str, tuple[TitrationStep, ...]] = templates(DEFAULT_RULES)


def validate_steps(
    steps: Sequence[TitrationStep], rules: Rules, basis: str = "hcl"
) -> list[str]:
    """Check a plan; returns the acknowledgements its doses need."""
    if not steps:
        raise FormulationError(FIELD, "a titration plan needs at least one step")
    acks: list[str] = []
    for n, step in enumerate(steps, start=1):
        if isinstance(step.days, bool) or not isinstance(step.days, int) or step.days < 1:
            raise FormulationError(
                FIELD, f"step {n}: the number of days must be a whole number of at least 1"
            )
        try:
            check = check_dose(step.dose_mg, rules, field=FIELD, basis=basis)
        except FormulationError as exc:
            raise FormulationError(FIELD, f"step {n}: {exc.message}") from None
        if check.acknowledgement and check.acknowledgement not in acks:
            acks.append(check.acknowledgement)
    return acks


def total_days(steps: Sequence[TitrationStep]) -> int:
    return sum(s.days for s in steps)


def dated_schedule(steps: Sequence[TitrationStep], start: date) -> list[ScheduleEntry]:
    entries = []
    day = start
    for step in steps:
        end = add_days(day, step.days - 1, FIELD)
        entries.append(ScheduleEntry(day, end, step.dose_mg, step.days))
        day = add_days(end, 1, FIELD)
    return entries


def units_per_dose(dose_mg: Decimal, strength_mg: Decimal, field: str = FIELD) -> int:
    if strength_mg <= 0:
        raise FormulationError("strength_mg", "the strength must be more than 0 mg")
    count = dose_mg / strength_mg
    if count != count.to_integral_value() or count < 1:
        raise FormulationError(
            field,
            f"{plain(dose_mg)} mg is not a whole number of {plain(strength_mg)} mg "
            "capsules: choose a strength that divides every dose, or one fill per "
            "strength",
        )
    return int(count)


def capsules_for_plan(steps: Sequence[TitrationStep], strength_mg: Decimal) -> int:
    """Capsules for the plan with one strength and more capsules per step."""
    return sum(units_per_dose(s.dose_mg, strength_mg) * s.days for s in steps)


def fills_per_strength(steps: Sequence[TitrationStep]) -> dict[Decimal, int]:
    """One fill per strength: one capsule a day of each step's dose."""
    fills: dict[Decimal, int] = {}
    for s in steps:
        fills[s.dose_mg] = fills.get(s.dose_mg, 0) + s.days
    return fills


def volume_for_plan(steps: Sequence[TitrationStep], concentration: Decimal) -> Decimal:
    """mL a liquid plan needs: the sum of dose volume × days."""
    if concentration <= 0:
        raise FormulationError(
            "concentration_mg_per_ml", "the concentration must be more than 0 mg/mL"
        )
    return sum((s.dose_mg / concentration * s.days for s in steps), Decimal(0))
