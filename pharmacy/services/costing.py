"""What a batch costs (DOMAIN.md §12), one cost model for a batch that was made and for the
standard batch an estimate is made from.

- `cost_components(session, components, dosage_form, units, rules)` — THE batch cost: the
  amounts of each component times its unit cost, the batch's container and label, labour
  and overhead (the engine's :func:`pharmacy.compounding.pricing.batch_cost`), over the
  units made. Both callers below build their components and hand them here.
- `cost_batch(session, batch, rules)` — a recorded batch: the actual amounts weighed from
  each lot (or triturate batch); sets the batch's cost, cost per unit and breakdown.
- `newest_costed_lot(session, item_codes)` — an ingredient's current unit cost for the
  standard cost (services/standard_cost.py): the lot most recently received with a
  purchase cost. Newest, not an average: the next batch is bought at today's price, and an
  average of old invoices lags a supplier's change.
- `pricing_version(session, rules)` — the version every cost and price names.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pharmacy.compounding import pricing
from pharmacy.compounding.rules import Rules
from pharmacy.compounding.rules.money import PRICING_RULES
from pharmacy.models import Batch, IngredientLot, Item, RuleValue

#: The ingredient cost basis of a standard cost, said in its breakdown.
NEWEST_LOT_BASIS = "newest received lot with a purchase cost"
# Lots never costed from: refused at receipt, or recalled.
UNCOSTABLE_LOT_STATUSES = ("rejected", "recalled")


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
    over the quantity received (a weighted average); None when no lot has a cost. Used for
    a batch component whose own lot has no cost."""
    paid, received = session.execute(
        select(
            func.sum(IngredientLot.purchase_cost), func.sum(IngredientLot.quantity_received)
        ).where(IngredientLot.item_id == item_id, IngredientLot.purchase_cost.is_not(None))
    ).one()
    if paid is None or not received:
        return None
    return Decimal(paid) / Decimal(received)


def newest_costed_lot(session: Session, item_codes: Sequence[str]) -> IngredientLot | None:
    """The lot of these items most recently received with a purchase cost (not rejected or
    recalled); the formula's first-listed item first, as batches choose their lots."""
    for code in item_codes:
        lot = session.execute(
            select(IngredientLot)
            .join(Item, IngredientLot.item_id == Item.id)
            .where(
                Item.code == code,
                IngredientLot.purchase_cost.is_not(None),
                IngredientLot.status.not_in(UNCOSTABLE_LOT_STATUSES),
            )
            .order_by(IngredientLot.received_at.desc(), IngredientLot.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if lot is not None:
            return lot
    return None


def lot_cost(lot: IngredientLot) -> tuple[Decimal, str]:
    """A costed lot's cost per base unit, and where it came from."""
    assert lot.purchase_cost is not None
    return (
        pricing.lot_unit_cost(lot.purchase_cost, lot.quantity_received),
        f"lot {lot.manufacturer_lot}",
    )


def _recorded_component(session: Session, component: Any) -> pricing.CostedComponent:
    amount = component.actual_amount
    if amount is None:
        amount = component.theoretical_amount
    lot, source = component.ingredient_lot, component.source_batch
    unit_cost: Decimal | None = None
    basis = "cost unknown"
    if lot is not None and lot.purchase_cost is not None:
        unit_cost, basis = lot_cost(lot)
    elif lot is not None:
        unit_cost = item_unit_cost(session, lot.item_id)
        basis = f"average of {lot.item.name} lots" if unit_cost is not None else basis
    elif source is not None and source.unit_cost is not None:
        unit_cost, basis = source.unit_cost, f"batch {source.lot_number}"
    return pricing.CostedComponent(
        component.description, Decimal(amount), component.unit, unit_cost, basis
    )


def cost_components(
    session: Session,
    components: Sequence[pricing.CostedComponent],
    *,
    dosage_form: str,
    units: Decimal,
    rules: Rules,
) -> pricing.BatchCost:
    """The one batch cost model: ingredients, containers and labels, labour, overhead."""
    return pricing.batch_cost(
        components,
        dosage_form=dosage_form,
        units=units,
        rules=rules,
        rules_version=pricing_version(session, rules),
    )


def cost_batch(session: Session, batch: Batch, rules: Rules) -> pricing.BatchCost:
    """The batch's cost from the actual amounts, over the units it has (its yield)."""
    cost = cost_components(
        session,
        [_recorded_component(session, c) for c in batch.components],
        dosage_form=batch.dosage_form,
        units=batch.quantity_on_hand,
        rules=rules,
    )
    batch.cost_total = cost.total
    batch.unit_cost = cost.unit_cost
    batch.cost_breakdown = plain_json(cost.as_dict())
    return cost


def plain_json(value: Any) -> Any:
    """JSON-ready: Decimals as text (exact)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: plain_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_json(v) for v in value]
    return value
