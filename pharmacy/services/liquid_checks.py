"""Intake checks of a liquid dose plan, delegated to the engine."""

from __future__ import annotations

from decimal import Decimal

from pharmacy.compounding.rules import Rules


def check_liquid_doses(
    *, concentration: Decimal, doses: list[Decimal], syringe_ml: int | None, rules: Rules
) -> None:
    from pharmacy.compounding import liquids

    liquids.check_dose_volumes(concentration, doses, syringe_ml, rules)
