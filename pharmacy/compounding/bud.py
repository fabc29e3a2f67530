"""Beyond-use dates (USP <795>, 2023 defaults; DOMAIN §6)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.rules import Rules
from pharmacy.compounding.units import add_days


@dataclass(frozen=True)
class StabilityOverride:
    """A pharmacist-approved, preparation-specific stability limit on a master formula."""

    days: int
    storage: str
    reference: str


@dataclass(frozen=True)
class BudResult:
    date: date
    days: int  # days from compounding (day 0) to the BUD
    storage: str
    limited_by: str  # the rule, the override reference, or the component that set the BUD
    rule: str  # the category code, "override", or "component"


def beyond_use_date(
    compounded_on: date,
    category_code: str,
    component_expiries: Sequence[tuple[str, date]],
    rules: Rules,
    override: StabilityOverride | None = None,
) -> BudResult:
    """``BUD = min(compounded_on + days, earliest component expiry)``; compounding is day 0."""
    category = rules.bud_category(category_code)
    if override is not None:
        if override.days < 0:
            raise FormulationError(
                "stability_override.days", "the stability override must be 0 days or more"
            )
        if not override.reference.strip():
            raise FormulationError(
                "stability_override.reference", "a stability override needs its reference"
            )
        days, storage = override.days, override.storage or category.storage
        limited_by = f"stability override: {override.reference} ({days} days)"
        rule = "override"
    else:
        days, storage = category.days, category.storage
        limited_by = f"USP <795> {category.label}: {days} days"
        rule = category.code
    bud = add_days(compounded_on, days, "compounded_on")
    for label, expiry in component_expiries:
        if expiry < compounded_on:
            raise FormulationError(
                "component_expiries",
                f"{label} expired on {expiry.isoformat()}, before compounding on "
                f"{compounded_on.isoformat()}: an expired lot can never be used",
            )
        if expiry < bud:
            bud = expiry
            limited_by = f"{label} expires {expiry.isoformat()}"
            rule = "component"
    return BudResult(bud, (bud - compounded_on).days, storage, limited_by, rule)


def bud_warning(bud: date | BudResult, fill_date: date, days_supply: int) -> str | None:
    """A warning when the BUD falls before the fill date + days supply."""
    bud_date = bud.date if isinstance(bud, BudResult) else bud
    needed = add_days(fill_date, days_supply, "days_supply")
    if bud_date < needed:
        short = (needed - bud_date).days
        return (
            f"The beyond-use date {bud_date.isoformat()} is before the end of the "
            f"{days_supply}-day supply ({needed.isoformat()}): {short} day(s) short; "
            "dispense less or plan a refill."
        )
    return None
