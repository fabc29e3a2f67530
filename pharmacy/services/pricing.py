"""Costs and prices (DOMAIN.md §12): a batch's cost from what was weighed from each lot, a
fill's price fixed when it is filled, a prescription's estimate from the standard cost.

- `cost_batch(session, batch, rules)` — sets the batch's cost, cost per unit and breakdown
  (called when the technician records the actual amounts); lives in services/costing.py,
  the one batch cost model, which the standard cost (services/standard_cost.py) uses too.
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
from sqlalchemy.orm import Session

from pharmacy.audit import Actor
from pharmacy.compounding import pricing
from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.rules import Rules
from pharmacy.models import Batch, Fill, Prescription
from pharmacy.services.costing import plain_json, pricing_version
from pharmacy.services.prescriptions import get_prescription
from pharmacy.services.rules import current_rules
from pharmacy.services.standard_cost import standard_cost
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
    fill.price_breakdown = plain_json(
        {**price.as_dict(), "batch_cost_complete": not (batch.cost_breakdown or {}).get("missing")}
    )
    return price


def plan_estimate(
    session: Session,
    *,
    dosage_form: str,
    dose_basis: str,
    strength: Decimal,
    quantity: Decimal,
    days: int,
    refills: int,
    filler: str | None = None,
    rules: Rules | None = None,
) -> dict[str, Any]:
    """The estimate for a plan: per course, in total (every course) and per month, from the
    standard cost (services/standard_cost.py), which ``cost_basis`` describes. Without a
    cost or a price list entry it is unavailable, with a named ``reason_code``."""
    rules = rules or current_rules(session)
    standard = standard_cost(
        session,
        dosage_form=dosage_form,
        dose_basis=dose_basis,
        strength=strength,
        filler=filler,
        rules=rules,
    )
    try:
        found = pricing.estimate(
            standard.unit_cost,
            rules,
            dosage_form=dosage_form,
            strength=strength,
            quantity=quantity,
            days=days,
            courses=1 + refills,
            rules_version=pricing_version(session, rules),
            basis=standard.description,
        )
    except FormulationError as error:
        uncosted = error.field == "cost" and standard.reason_code is not None
        return {
            "estimate": True,
            "available": False,
            "reason_code": standard.reason_code if uncosted else "plan_incomplete",
            "reason": standard.reason if uncosted else error.message,
            "missing": list(standard.missing),
            "cost_basis": standard.basis,
            "currency": currency(),
        }
    return {
        **found.as_dict(),
        "available": True,
        "cost_basis": standard.basis,
        "currency": currency(),
    }


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
        filler=rx.filler if rx.dosage_form == "capsule" else None,
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
