"""Intake checks of a liquid dose plan, delegated to the engine."""

from __future__ import annotations

from decimal import Decimal

from pharmacy.compounding.liquids import LiquidRequest, quote_liquid
from pharmacy.compounding.rules import Rules


def check_liquid_doses(
    *, concentration: Decimal, doses: list[Decimal], syringe_ml: int | None, rules: Rules
) -> int:
    """Every dose must be measurable on the syringe (the engine explains and proposes a
    concentration when not). Returns the syringe size that measures them."""
    quote = quote_liquid(
        LiquidRequest(
            concentration_mg_per_ml=concentration,
            quantity_ml=max(doses) / concentration,
            doses_mg=tuple(doses),
            syringe_ml=syringe_ml,
        ),
        rules,
    )
    return quote.syringe_ml
