"""The money rules (DOMAIN.md §12): what a batch costs beyond its ingredients (labour,
overhead, containers and labels) and how a price is made from a cost (markup, dispensing
fee, minimum, rounding, or a fixed price from the pharmacy's price list).

Seeded here, beside :mod:`.defaults`, with a unit and a source each; :class:`~.model.Rules`
holds them like every other rule, so an administrator changes them the same way and every
change gets a new version.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pharmacy.compounding.rules.defaults import DOMAIN, Seed
from pharmacy.compounding.rules.records import PriceListEntry

D = Decimal

_MONEY = f"{DOMAIN} §12 (project default; the pharmacy sets its own)"

#: The dosage forms a batch may have, and those a patient is dispensed.
BATCH_FORMS = ("capsule", "liquid", "triturate")
FILL_FORMS = ("capsule", "liquid")

LABOUR_MINUTES: dict[str, Decimal] = {"capsule": D("60"), "liquid": D("30"), "triturate": D("30")}
BATCH_PACKAGING_COSTS: dict[str, Decimal] = {
    "capsule": D("0.60"),
    "liquid": D("0.60"),
    "triturate": D("0.60"),
}
FILL_PACKAGING_COSTS: dict[str, Decimal] = {"capsule": D("0.60"), "liquid": D("1.45")}
# A standard batch: what a pharmacy commonly makes at once (100 capsules; 150 mL, a month of
# 4.5 mg at 1 mg/mL with some over). Labour and containers are shared among its units.
STANDARD_BATCH_UNITS: dict[str, Decimal] = {"capsule": D("100"), "liquid": D("150")}

#: The pricing rules: a change to any of them is a new pricing version.
PRICING_RULES = (
    "labour_minutes",
    "labour_hourly_rate",
    "overhead_percent",
    "batch_packaging_costs",
    "fill_packaging_costs",
    "price_markup_percent",
    "price_dispensing_fee",
    "price_minimum",
    "price_rounding_increment",
    "price_list",
    "price_days_per_month",
    "standard_batch_units",
)

MONEY_SEEDS: dict[str, Seed] = {
    "labour_minutes": Seed(
        LABOUR_MINUTES, "minutes of work per batch, by dosage form", _MONEY, "decimal_map"
    ),
    "labour_hourly_rate": Seed(D("30.00"), "currency per hour", _MONEY, "decimal"),
    "overhead_percent": Seed(
        D("10"), "% of ingredients, containers, labels and labour", _MONEY, "decimal"
    ),
    "batch_packaging_costs": Seed(
        BATCH_PACKAGING_COSTS,
        "currency per batch: its stock container and batch label, by dosage form",
        _MONEY,
        "decimal_map",
    ),
    "fill_packaging_costs": Seed(
        FILL_PACKAGING_COSTS,
        "currency per fill: the patient's container (and oral syringe) and label",
        _MONEY,
        "decimal_map",
    ),
    "price_markup_percent": Seed(D("150"), "% on cost", _MONEY, "decimal"),
    "price_dispensing_fee": Seed(D("10.00"), "currency per course dispensed", _MONEY, "decimal"),
    "price_minimum": Seed(D("25.00"), "currency per course dispensed", _MONEY, "decimal"),
    "price_rounding_increment": Seed(
        D("0.50"),
        "currency: a price is rounded up to the next multiple (0: the cent)",
        _MONEY,
        "decimal",
    ),
    "price_list": Seed(
        (),
        "fixed prices by dosage_form, strength (mg or mg/mL) and quantity; they override "
        "the formula",
        _MONEY,
        "price_list",
    ),
    "price_days_per_month": Seed(
        30, "days (a month in a per-month estimate)", f"{DOMAIN} §12 (cash price a month)", "int"
    ),
    "standard_batch_units": Seed(
        STANDARD_BATCH_UNITS,
        "units (capsules, or mL of liquid) of the standard batch an estimate is costed from "
        "when no batch of the preparation has a complete cost yet, by dosage form",
        _MONEY,
        "decimal_map",
    ),
}


def _money(value: Decimal) -> bool:
    """Not negative, and in whole cents."""
    return value >= 0 and value == value.quantize(D("0.01"))


def money_problems(rules: Any) -> list[tuple[str, bool, str]]:
    """The checks on the money rules of a :class:`~.model.Rules` (name, ok, problem)."""
    tables: list[tuple[str, Mapping[str, Decimal], tuple[str, ...]]] = [
        ("labour_minutes", rules.labour_minutes, BATCH_FORMS),
        ("batch_packaging_costs", rules.batch_packaging_costs, BATCH_FORMS),
        ("fill_packaging_costs", rules.fill_packaging_costs, FILL_FORMS),
    ]
    checks = [
        (
            name,
            set(forms) <= set(table) and all(v >= 0 for v in table.values()),
            f"needs an amount of 0 or more for each of {', '.join(forms)}",
        )
        for name, table, forms in tables
    ]
    checks += [
        (name, _money(getattr(rules, name)), "must be 0 or more, in whole cents")
        for name in ("labour_hourly_rate", "price_dispensing_fee", "price_minimum")
    ]
    checks += [
        ("overhead_percent", 0 <= rules.overhead_percent <= 1000, "must be from 0 to 1000 %"),
        (
            "price_markup_percent",
            0 <= rules.price_markup_percent <= 10000,
            "must be from 0 to 10000 %",
        ),
        (
            "price_rounding_increment",
            _money(rules.price_rounding_increment),
            "must be 0 or more, in whole cents",
        ),
        (
            "price_days_per_month",
            28 <= rules.price_days_per_month <= 31,
            "must be from 28 to 31 days",
        ),
    ]
    units = rules.standard_batch_units
    checks += [
        (
            "standard_batch_units",
            set(FILL_FORMS) <= set(units)
            and all(v > 0 for v in units.values())
            and units["capsule"] == units["capsule"].to_integral_value(),
            f"needs more than 0 for each of {', '.join(FILL_FORMS)} (whole capsules)",
        )
    ]
    checks += [_price_list_check(rules.price_list)]
    return checks


def _price_list_check(entries: tuple[PriceListEntry, ...]) -> tuple[str, bool, str]:
    keys = [(e.dosage_form, e.strength, e.quantity) for e in entries]
    ok = len(set(keys)) == len(keys) and all(
        e.dosage_form in FILL_FORMS
        and e.strength > 0
        and e.quantity > 0
        and _money(e.price)
        and e.price > 0
        for e in entries
    )
    return (
        "price_list",
        ok,
        "each entry needs dosage_form capsule or liquid, a strength and quantity more than 0, "
        "a price more than 0 in whole cents, and no two entries for the same preparation",
    )
