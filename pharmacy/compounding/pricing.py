"""What a batch costs and what the patient pays (DOMAIN.md §12). Pure: Decimal in, Decimal
out, every rule read from :class:`~pharmacy.compounding.rules.Rules`.

- :func:`lot_unit_cost`: a lot's cost per base unit (mg, mL or each) from what was paid for
  the whole quantity received.
- :func:`batch_cost`: the actual amounts weighed from each lot (or batch) times its unit
  cost, the batch's containers and labels, labour (minutes per batch kind × hourly rate) and
  overhead; the batch's cost per unit (capsule, mL or mg of triturate) and its breakdown.
- :func:`fill_cost`: a fill's quantity at its batch's unit cost, plus the patient's
  container and label.
- :func:`quote_price`: a cost made a price (markup, dispensing fee, minimum, rounding up),
  or the price the pharmacy's price list fixes, flagged when below cost plus fee.
- :func:`estimate`: a plan's price per course, in total and per month.

Money is in whole cents (``Decimal``, half-up where a product has more places); a price is
rounded *up* to the rule's increment, never down, so price ≥ cost + fee unless the price
list says otherwise (and then the price says so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.rules import PriceListEntry, Rules
from pharmacy.compounding.units import plain

CENT = Decimal("0.01")
# A batch's cost per unit keeps six places: a capsule may cost a fraction of a cent.
UNIT_COST_STEP = Decimal("0.000001")
HUNDRED = Decimal(100)
MINUTES_PER_HOUR = Decimal(60)
# One lot's invoice over a million is a typing slip; the bound also keeps batch costs within
# their columns (whole cents, ten digits before the point).
MAX_PURCHASE_COST = Decimal("1000000")
#: How a patient may pay at hand-over (the receipt's "paid"; fill_payments.method).
PAYMENT_METHODS = ("cash", "card", "check", "other")


def cents(amount: Decimal) -> Decimal:
    """To the cent, half up."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def round_up(amount: Decimal, increment: Decimal) -> Decimal:
    """Up to the next multiple of ``increment`` (an amount already on one stays); an
    increment of 0 rounds up to the cent."""
    step = increment if increment > 0 else CENT
    units = (amount / step).to_integral_value(rounding=ROUND_CEILING)
    return (units * step).quantize(CENT)


def lot_unit_cost(purchase_cost: Decimal, quantity_received: Decimal) -> Decimal:
    """What one base unit of a lot cost (full precision; not money paid, a rate)."""
    if purchase_cost < 0:
        raise FormulationError("purchase_cost", "cannot be negative")
    if quantity_received <= 0:
        raise FormulationError("quantity", "must be more than 0")
    return purchase_cost / quantity_received


@dataclass(frozen=True)
class CostedComponent:
    """One component as weighed: the actual amount in base units and the cost of one unit
    (None when nothing says what it cost). ``basis`` says where the unit cost came from."""

    description: str
    amount: Decimal
    unit: str
    unit_cost: Decimal | None
    basis: str


@dataclass(frozen=True)
class CostLine:
    """One line of a breakdown: ``kind`` is ingredient, packaging, labour, overhead, markup,
    fee, minimum, rounding or price_list; the amount is in cents."""

    kind: str
    description: str
    amount: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "description": self.description, "amount": self.amount}


@dataclass(frozen=True)
class BatchCost:
    lines: tuple[CostLine, ...]
    total: Decimal
    units: Decimal
    unit_cost: Decimal
    missing: tuple[str, ...]  # components whose cost is unknown (counted as 0)
    rules_version: str

    @property
    def complete(self) -> bool:
        return not self.missing

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "units": self.units,
            "unit_cost": self.unit_cost,
            "complete": self.complete,
            "missing": list(self.missing),
            "rules_version": self.rules_version,
            "lines": [line.as_dict() for line in self.lines],
        }


def _ingredient_lines(components: Sequence[CostedComponent]) -> tuple[list[CostLine], list[str]]:
    lines: list[CostLine] = []
    missing: list[str] = []
    for c in components:
        if c.unit_cost is None:
            missing.append(c.description)
            continue
        lines.append(
            CostLine(
                "ingredient",
                f"{c.description}: {plain(c.amount)} {c.unit} ({c.basis})",
                cents(c.amount * c.unit_cost),
            )
        )
    return lines, missing


def _form_amount(table: Any, dosage_form: str, rule: str) -> Decimal:
    amount = table.get(dosage_form)
    if amount is None:
        raise FormulationError(f"rules.{rule}", f"has no amount for a {dosage_form}")
    return Decimal(amount)


def batch_cost(
    components: Sequence[CostedComponent],
    *,
    dosage_form: str,
    units: Decimal,
    rules: Rules,
    rules_version: str,
) -> BatchCost:
    """The cost of a batch from what was really weighed, and its cost per unit made."""
    if units <= 0:
        raise FormulationError("units", "a batch's cost is shared among more than 0 units")
    lines, missing = _ingredient_lines(components)
    packaging = _form_amount(rules.batch_packaging_costs, dosage_form, "batch_packaging_costs")
    lines.append(
        CostLine("packaging", f"stock container and batch label ({dosage_form})", cents(packaging))
    )
    minutes = _form_amount(rules.labour_minutes, dosage_form, "labour_minutes")
    lines.append(
        CostLine(
            "labour",
            f"labour: {plain(minutes)} min at {plain(rules.labour_hourly_rate)} an hour",
            cents(minutes / MINUTES_PER_HOUR * rules.labour_hourly_rate),
        )
    )
    direct = sum((line.amount for line in lines), Decimal(0))
    if rules.overhead_percent > 0:
        lines.append(
            CostLine(
                "overhead",
                f"overhead: {plain(rules.overhead_percent)} %",
                cents(direct * rules.overhead_percent / HUNDRED),
            )
        )
    total = sum((line.amount for line in lines), Decimal(0))
    return BatchCost(
        lines=tuple(lines),
        total=total,
        units=units,
        unit_cost=(total / units).quantize(UNIT_COST_STEP, rounding=ROUND_HALF_UP),
        missing=tuple(missing),
        rules_version=rules_version,
    )


def fill_cost(
    unit_cost: Decimal,
    quantity: Decimal,
    *,
    dosage_form: str,
    rules: Rules,
    basis: str = "batch cost per unit",
) -> tuple[Decimal, tuple[CostLine, ...]]:
    """A fill's cost: its quantity at the batch's unit cost (``basis`` says where that cost
    came from), the patient's container and label. Returns the cost and its lines."""
    lines = (
        CostLine(
            "ingredient",
            f"{plain(quantity)} at {plain(unit_cost)} each ({basis})",
            cents(quantity * unit_cost),
        ),
        CostLine(
            "packaging",
            f"container and label ({dosage_form})",
            cents(_form_amount(rules.fill_packaging_costs, dosage_form, "fill_packaging_costs")),
        ),
    )
    return sum((line.amount for line in lines), Decimal(0)), lines


@dataclass(frozen=True)
class Price:
    amount: Decimal
    cost: Decimal | None
    lines: tuple[CostLine, ...]
    rules_version: str
    from_price_list: bool
    # The price list fixed a price below cost plus the dispensing fee: said, never hidden.
    below_cost_plus_fee: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "amount": self.amount,
            "cost": self.cost,
            "from_price_list": self.from_price_list,
            "below_cost_plus_fee": self.below_cost_plus_fee,
            "rules_version": self.rules_version,
            "lines": [line.as_dict() for line in self.lines],
        }


def price_list_entry(
    rules: Rules, dosage_form: str, strength: Decimal, quantity: Decimal
) -> PriceListEntry | None:
    for entry in rules.price_list:
        if (entry.dosage_form, entry.strength, entry.quantity) == (
            dosage_form,
            strength,
            quantity,
        ):
            return entry
    return None


def quote_price(
    cost: Decimal | None,
    rules: Rules,
    *,
    dosage_form: str,
    strength: Decimal,
    quantity: Decimal,
    first_of_course: bool,
    rules_version: str,
    cost_lines: tuple[CostLine, ...] = (),
) -> Price:
    """The price of ``quantity`` of a preparation that cost ``cost`` (cents), itemised by
    ``cost_lines`` when given. The dispensing fee and the minimum apply once a course (its
    first fill); a price list entry for this form, strength and quantity replaces the
    formula."""
    fee = rules.price_dispensing_fee if first_of_course else Decimal(0)
    entry = price_list_entry(rules, dosage_form, strength, quantity)
    if entry is not None:
        return Price(
            amount=entry.price,
            cost=cost,
            lines=(
                CostLine(
                    "price_list",
                    f"price list: {dosage_form} {plain(strength)} × {plain(quantity)}",
                    entry.price,
                ),
            ),
            rules_version=rules_version,
            from_price_list=True,
            below_cost_plus_fee=cost is not None and entry.price < cost + fee,
        )
    if cost is None:
        raise FormulationError(
            "cost", "no cost is known for this preparation and the price list has no entry"
        )
    lines = list(cost_lines) or [CostLine("cost", "cost", cost)]
    markup = cents(cost * rules.price_markup_percent / HUNDRED)
    lines.append(CostLine("markup", f"markup {plain(rules.price_markup_percent)} %", markup))
    if fee:
        lines.append(CostLine("fee", "dispensing fee", fee))
    subtotal = cost + markup + fee
    if first_of_course and subtotal < rules.price_minimum:
        lines.append(
            CostLine(
                "minimum",
                f"up to the minimum price {plain(rules.price_minimum)}",
                rules.price_minimum - subtotal,
            )
        )
        subtotal = rules.price_minimum
    amount = round_up(subtotal, rules.price_rounding_increment)
    if amount != subtotal:
        lines.append(
            CostLine(
                "rounding",
                f"rounded up to the next {plain(rules.price_rounding_increment)}",
                amount - subtotal,
            )
        )
    return Price(amount, cost, tuple(lines), rules_version, False, False)


@dataclass(frozen=True)
class Estimate:
    """A plan's price: one course (the quantity prescribed), every course (with refills)
    and a month's worth. An estimate, from the standard cost: the fill's price is made from
    the batch actually used."""

    per_course: Price
    courses: int
    total: Decimal
    per_month: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "estimate": True,
            "per_course": self.per_course.amount,
            "courses": self.courses,
            "estimate_total": self.total,
            "estimate_per_month": self.per_month,
            "rules_version": self.per_course.rules_version,
            "breakdown": [line.as_dict() for line in self.per_course.lines],
            "from_price_list": self.per_course.from_price_list,
            "below_cost_plus_fee": self.per_course.below_cost_plus_fee,
        }


def estimate(
    unit_cost: Decimal | None,
    rules: Rules,
    *,
    dosage_form: str,
    strength: Decimal,
    quantity: Decimal,
    days: int,
    courses: int,
    rules_version: str,
    basis: str = "standard cost per unit",
) -> Estimate:
    """The price of a plan of ``courses`` courses of ``quantity`` lasting ``days`` each, from
    a standard cost per unit (None: only a price list entry can price it); ``basis`` says
    where that cost came from."""
    if days <= 0:
        raise FormulationError("days_supply", "an estimate needs the days a course lasts")
    if courses <= 0:
        raise FormulationError("refills", "an estimate needs at least one course")
    cost = None
    lines: tuple[CostLine, ...] = ()
    if unit_cost is not None:
        cost, lines = fill_cost(
            unit_cost, quantity, dosage_form=dosage_form, rules=rules, basis=basis
        )
    price = quote_price(
        cost,
        rules,
        dosage_form=dosage_form,
        strength=strength,
        quantity=quantity,
        first_of_course=True,
        rules_version=rules_version,
        cost_lines=lines,
    )
    total = price.amount * courses
    per_month = cents(price.amount * rules.price_days_per_month / days)
    return Estimate(per_course=price, courses=courses, total=total, per_month=per_month)
