"""Costs and prices (DOMAIN.md §12): a batch's cost from what was weighed from each lot, a
fill's price fixed when it is filled, a prescription's estimate from the standard cost.

- `cost_batch(session, batch, rules)` — sets the batch's cost, cost per unit and breakdown
  (called when the technician records the actual amounts).
- `price_fill(session, fill, rx, batch, rules, first_of_course)` — the fill's price,
  currency, cost and breakdown, fixed now: a later rule change never alters it.
- `prescription_price(actor, prescription_id)` — the estimate for a prescription (a
  prescriber sees only their own).
- `plan_estimate(...)` — the estimate for a plan not yet saved (the prescriber's preview).
- `without_costs(actor, data)` — a view as a technician may see it: no costs, no margins.
- `format_money(amount)` — Babel's currency format for the configured currency.

The pricing rules' version: the rules release and a counter that moves on every change an
admin makes to a pricing rule (``2026.2/pricing.3``); every price names it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_currency
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pharmacy.audit import Actor
from pharmacy.compounding import pricing
from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.rules import Rules
from pharmacy.compounding.rules.money import PRICING_RULES
from pharmacy.models import Batch, Fill, IngredientLot, Prescription, RuleValue
from pharmacy.services.prescriptions import get_prescription
from pharmacy.services.rules import current_rules
from pharmacy.services.uow import query

# Keys a technician's views never carry (costs and margins).
COST_KEYS = frozenset(
    {
        "purchase_cost",
        "unit_cost",
        "cost",
        "cost_total",
        "cost_breakdown",
        "price_breakdown",
        "margin",
        "breakdown",
    }
)
DEFAULT_CURRENCY = "USD"
DEFAULT_LOCALE = "en_US"


def currency() -> str:
    return str(current_app.config.get("PHARMACY_CURRENCY") or DEFAULT_CURRENCY)


def format_money(amount: Decimal, currency_code: str | None = None) -> str:
    locale = current_app.config.get("PHARMACY_LOCALE") or DEFAULT_LOCALE
    return str(format_currency(amount, currency_code or currency(), locale=locale))


def without_costs(actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    if actor.role != "technician":
        return data
    return {k: v for k, v in data.items() if k not in COST_KEYS}


def pricing_version(session: Session, rules: Rules) -> str:
    """``<release>/pricing.<n>``: n counts the changes made to the pricing rules, plus one."""
    changes = session.execute(
        select(func.coalesce(func.sum(RuleValue.version - 1), 0)).where(
            RuleValue.name.in_(PRICING_RULES)
        )
    ).scalar_one()
    return f"{rules.version}/pricing.{int(changes) + 1}"


def item_unit_cost(session: Session, item_id: int) -> Decimal | None:
    """An ingredient's cost per base unit from its lots: what was paid for every costed lot
    over the quantity received (a weighted average); None when no lot has a cost."""
    paid, received = session.execute(
        select(
            func.sum(IngredientLot.purchase_cost), func.sum(IngredientLot.quantity_received)
        ).where(IngredientLot.item_id == item_id, IngredientLot.purchase_cost.is_not(None))
    ).one()
    if paid is None or not received:
        return None
    return Decimal(paid) / Decimal(received)


def _costed_component(session: Session, component: Any) -> pricing.CostedComponent:
    amount = component.actual_amount
    if amount is None:
        amount = component.theoretical_amount
    lot, source = component.ingredient_lot, component.source_batch
    unit_cost: Decimal | None = None
    basis = "cost unknown"
    if lot is not None and lot.purchase_cost is not None:
        unit_cost = pricing.lot_unit_cost(lot.purchase_cost, lot.quantity_received)
        basis = f"lot {lot.manufacturer_lot}"
    elif lot is not None:
        unit_cost = item_unit_cost(session, lot.item_id)
        basis = f"average of {lot.item.name} lots" if unit_cost is not None else basis
    elif source is not None and source.unit_cost is not None:
        unit_cost, basis = source.unit_cost, f"batch {source.lot_number}"
    return pricing.CostedComponent(
        component.description, Decimal(amount), component.unit, unit_cost, basis
    )


def cost_batch(session: Session, batch: Batch, rules: Rules) -> pricing.BatchCost:
    """The batch's cost from the actual amounts, over the units it has (its yield)."""
    components = [_costed_component(session, c) for c in batch.components]
    cost = pricing.batch_cost(
        components,
        dosage_form=batch.dosage_form,
        units=batch.quantity_on_hand,
        rules=rules,
        rules_version=pricing_version(session, rules),
    )
    batch.cost_total = cost.total
    batch.unit_cost = cost.unit_cost
    batch.cost_breakdown = _plain(cost.as_dict())
    return cost


def _plain(value: Any) -> Any:
    """JSON-ready: Decimals as text (exact)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def strength_of(dosage_form: str, strength_mg: Any, concentration: Any) -> Decimal:
    value = strength_mg if dosage_form == "capsule" else concentration
    return Decimal(value or 0)


def price_fill(
    session: Session,
    fill: Fill,
    rx: Prescription,
    batch: Batch,
    rules: Rules,
    *,
    first_of_course: bool,
) -> pricing.Price | None:
    """The fill's price from the batch actually used, fixed on the fill now. A batch
    recorded before costs were kept has none: its fills have no price (None)."""
    fill.currency = currency()
    if batch.unit_cost is None:
        return None
    cost, lines = pricing.fill_cost(
        batch.unit_cost, fill.quantity, dosage_form=batch.dosage_form, rules=rules
    )
    price = pricing.quote_price(
        cost,
        rules,
        dosage_form=batch.dosage_form,
        strength=strength_of(batch.dosage_form, batch.strength_mg, batch.concentration_mg_per_ml),
        quantity=fill.quantity,
        first_of_course=first_of_course,
        rules_version=pricing_version(session, rules),
        cost_lines=lines,
    )
    fill.price, fill.cost = price.amount, cost
    fill.price_breakdown = _plain(
        {**price.as_dict(), "batch_cost_complete": not (batch.cost_breakdown or {}).get("missing")}
    )
    return price


def standard_unit_cost(
    session: Session, dosage_form: str, dose_basis: str, strength: Decimal
) -> Decimal | None:
    """The current standard cost of a formula and strength: the cost per unit of the most
    recently recorded batch of it (rejected batches aside)."""
    column = Batch.strength_mg if dosage_form == "capsule" else Batch.concentration_mg_per_ml
    return session.execute(
        select(Batch.unit_cost)
        .where(
            Batch.dosage_form == dosage_form,
            Batch.dose_basis == dose_basis,
            column == strength,
            Batch.unit_cost.is_not(None),
            Batch.status != "rejected",
        )
        .order_by(Batch.recorded_at.desc(), Batch.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def plan_estimate(
    session: Session,
    *,
    dosage_form: str,
    dose_basis: str,
    strength: Decimal,
    quantity: Decimal,
    days: int,
    refills: int,
    rules: Rules | None = None,
) -> dict[str, Any]:
    """The estimate for a plan: per course, in total (every course) and per month."""
    rules = rules or current_rules(session)
    try:
        found = pricing.estimate(
            standard_unit_cost(session, dosage_form, dose_basis, strength),
            rules,
            dosage_form=dosage_form,
            strength=strength,
            quantity=quantity,
            days=days,
            courses=1 + refills,
            rules_version=pricing_version(session, rules),
        )
    except FormulationError as error:
        return {
            "estimate": True,
            "available": False,
            "reason": error.message,
            "currency": currency(),
        }
    return {**found.as_dict(), "available": True, "currency": currency()}


def rx_days(rx: Prescription) -> int:
    if rx.days_supply:
        return int(rx.days_supply)
    return sum(step.days for step in getattr(rx, "steps", []) or [])


@query
def prescription_price(session: Session, actor: Actor, prescription_id: int) -> dict[str, Any]:
    rx = get_prescription.in_session(session, actor, prescription_id)  # type: ignore[attr-defined]
    return prescription_estimate(session, rx)


def prescription_estimate(session: Session, rx: Prescription) -> dict[str, Any]:
    return plan_estimate(
        session,
        dosage_form=rx.dosage_form,
        dose_basis=rx.dose_basis,
        strength=strength_of(rx.dosage_form, rx.strength_mg, rx.concentration_mg_per_ml),
        quantity=rx.quantity,
        days=rx_days(rx),
        refills=rx.refills,
    )


def with_money_text(estimate: dict[str, Any]) -> dict[str, Any]:
    """The estimate with its amounts formatted in the pharmacy's currency, for pages."""
    if not estimate.get("available"):
        return estimate
    code = estimate["currency"]
    return {
        **estimate,
        "per_month_text": format_money(estimate["estimate_per_month"], code),
        "total_text": format_money(estimate["estimate_total"], code),
        "per_course_text": format_money(estimate["per_course"], code),
    }


@query
def estimate_for_plan(
    session: Session,
    *,
    dosage_form: str,
    dose_basis: str,
    strength: Decimal,
    quantity: Decimal,
    days: int,
    refills: int,
) -> dict[str, Any]:
    """The estimate for a plan not yet saved (the prescriber's live preview), formatted."""
    return with_money_text(
        plan_estimate(
            session,
            dosage_form=dosage_form,
            dose_basis=dose_basis,
            strength=strength,
            quantity=quantity,
            days=days,
            refills=refills,
        )
    )
