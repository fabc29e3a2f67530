"""Reading batches: a batch by id or lot number (locked when it is to change), the plain
view every use case returns, lists, the FEFO lot suggestions, a batch's preview (planned,
nothing saved), and the data a worksheet or batch label prints.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from pharmacy.audit import Actor
from pharmacy.compounding.units import plain
from pharmacy.db import parse_id
from pharmacy.errors import NotFound
from pharmacy.models import Batch, BatchComponent, Formula, User
from pharmacy.services.batches.lot_choice import _fefo, _roles, plan_batch
from pharmacy.services.batches.planning import HUNDRED, PlannedComponent, _bud
from pharmacy.services.catalog import formula_by_code
from pharmacy.services.rules import current_rules
from pharmacy.services.uow import query


def _user_name(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    return None if user is None else user.full_name


def batch_state(batch: Batch, today: date) -> str:
    if batch.status == "released" and batch.bud < today:
        return "expired"
    return batch.status


def component_data(c: BatchComponent) -> dict[str, Any]:
    lot, src = c.ingredient_lot, c.source_batch
    return {
        "id": c.id,
        "position": c.position,
        "role": c.role,
        "description": c.description,
        "ingredient_lot_id": c.ingredient_lot_id,
        "source_batch_id": c.source_batch_id,
        "source_lot_number": src.lot_number if src else None,
        "item_code": lot.item.code if lot else None,
        "manufacturer": lot.manufacturer if lot else None,
        "manufacturer_lot": lot.manufacturer_lot if lot else None,
        "expiry": lot.expiry if lot else (src.bud if src else None),
        "unit": c.unit,
        "theoretical_amount": c.theoretical_amount,
        "actual_amount": c.actual_amount,
        "theoretical_mg": c.theoretical_amount if c.unit == "mg" else None,
        "actual_mg": c.actual_amount if c.unit == "mg" else None,
        "deviation": c.deviation,
    }


def batch_data(session: Session, batch: Batch, today: date) -> dict[str, Any]:
    formula = batch.formula
    return {
        "id": batch.id,
        "lot_number": batch.lot_number,
        "status": batch_state(batch, today),
        "formula_code": formula.code,
        "formula_version": formula.version,
        "formula_name": formula.name,
        "dosage_form": batch.dosage_form,
        "dose_basis": batch.dose_basis,
        "strength_mg": batch.strength_mg,
        "concentration_mg_per_ml": batch.concentration_mg_per_ml,
        "potency_fraction": batch.potency_fraction,
        "prescription_id": batch.prescription_id,
        "quantity": batch.quantity_requested,
        "units_made": batch.units_made,
        "quantity_on_hand": batch.quantity_on_hand,
        "unit": batch.unit,
        "compounded_on": batch.compounded_on,
        "bud": batch.bud,
        "bud_days": batch.bud_days,
        "bud_limited_by": batch.bud_limited_by,
        "bud_rule": batch.bud_rule,
        "storage": batch.storage,
        "components": [component_data(c) for c in batch.components],
        "weight_check": batch.weight_check,
        "capsule_weights_mg": batch.capsule_weights_mg,
        "deviations": list(batch.deviations or []),
        "weight_corrections": list(batch.weight_corrections or []),
        "calculation": batch.calculation,
        "status_reason": batch.status_reason,
        "created_at": batch.created_at,
        "compounded_by": _user_name(session, batch.created_by_user_id),
        "recorded_by": _user_name(session, batch.recorded_by_user_id),
        "recorded_at": batch.recorded_at,
        "checked_by": _user_name(session, batch.checked_by_user_id),
        "checked_at": batch.checked_at,
        "signature_name": batch.signature_name,
    }


def _ref_clause(batch_ref: int | str) -> Any:
    """A batch by id or by lot number. A number beyond any id matches nothing (404), not an
    overflow in the database."""
    text = str(batch_ref).strip()
    if isinstance(batch_ref, int) or (text.isascii() and text.isdigit()):
        number = parse_id(text)
        return Batch.id == number if number is not None else false()
    return Batch.lot_number == text.upper()


def batch_by_ref(session: Session, batch_ref: int | str) -> Batch:
    batch = session.execute(select(Batch).where(_ref_clause(batch_ref))).scalar_one_or_none()
    if batch is None:
        raise NotFound("No such batch.")
    return batch


def locked_batch(session: Session, batch_ref: int | str) -> Batch:
    stmt = select(Batch).with_for_update(of=Batch)
    stmt = stmt.where(_ref_clause(batch_ref))
    batch = session.execute(stmt).scalar_one_or_none()
    if batch is None:
        raise NotFound("No such batch.")
    return batch


@query
def get_batch(
    session: Session, actor: Actor, batch_ref: int | str, *, today: date
) -> dict[str, Any]:
    return batch_data(session, batch_by_ref(session, batch_ref), today)


@query
def list_batches(
    session: Session,
    actor: Actor,
    *,
    today: date,
    status: str | None = None,
    formula_code: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    stmt = select(Batch).join(Formula)
    if status == "expired":
        stmt = stmt.where(Batch.status == "released", Batch.bud < today)
    elif status == "released":
        stmt = stmt.where(Batch.status == "released", Batch.bud >= today)
    elif status:
        stmt = stmt.where(Batch.status == status)
    if formula_code:
        stmt = stmt.where(Formula.code == formula_code)
    rows = session.execute(stmt.order_by(Batch.id.desc()).limit(limit)).scalars()
    return [batch_data(session, b, today) for b in rows]


@query
def suggest_lots(
    session: Session, formula_code: str, *, today: date, capsule_size: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """FEFO: for each component of the formula, the usable lots, first-expiring first."""
    formula = formula_by_code(session, formula_code)
    return {
        role: [
            {
                "id": lot.id,
                "item_code": lot.item.code,
                "manufacturer": lot.manufacturer,
                "manufacturer_lot": lot.manufacturer_lot,
                "expiry": lot.expiry,
                "quantity_on_hand": lot.quantity_on_hand,
                "unit": lot.item.base_unit,
            }
            for lot in _fefo(session, codes, today)
        ]
        for role, codes in _roles(formula, capsule_size)
    }


@query
def preview_batch(
    session: Session, actor: Actor, data: dict[str, Any], *, today: date
) -> dict[str, Any]:
    plan = plan_batch(session, data, today)
    bud = _bud(plan, today, current_rules(session))
    return {
        "formula_code": plan.formula.code,
        "formula_version": plan.formula.version,
        "units_made": plan.units_made,
        "unit": plan.unit,
        "bud": bud.date,
        "bud_limited_by": bud.limited_by,
        "storage": plan.storage or bud.storage,
        "components": [_planned_view(c) for c in plan.components],
        "weight_check": plan.weight_check,
        "calculation": plan.calculation,
    }


def _planned_view(c: PlannedComponent) -> dict[str, Any]:
    return {
        "role": c.role,
        "description": c.description,
        "ingredient_lot_id": c.source.lot.id if c.source.lot else None,
        "source_batch_id": c.source.batch.id if c.source.batch else None,
        "source_label": c.source.label,
        "expiry": c.source.expiry,
        "unit": c.unit,
        "theoretical_amount": c.amount,
        "theoretical_mg": c.amount if c.unit == "mg" else None,
    }


@query
def batch_worksheet_data(session: Session, batch_id: int | str, *, today: date) -> dict[str, Any]:
    """Plain data for the compounding worksheet and the batch (stock) label."""
    batch = batch_by_ref(session, batch_id)
    formula = batch.formula
    data = batch_data(session, batch, today)
    strength = (
        f"{plain(batch.strength_mg)} mg"
        if batch.strength_mg is not None
        else f"{plain(batch.concentration_mg_per_ml)} mg/mL"
        if batch.concentration_mg_per_ml is not None
        else f"{plain((batch.potency_fraction or Decimal(0)) * HUNDRED)} % w/w"
    )
    data.update(
        {
            "preparation": formula.name,
            "strength": strength,
            "form": batch.dosage_form,
            "quantity_text": f"{plain(batch.units_made)} {batch.unit}"
            + ("s" if batch.unit == "capsule" and batch.units_made != 1 else ""),
            "formula": {
                "code": formula.code,
                "version": formula.version,
                "name": formula.name,
                "ingredients": formula.ingredients,
                "steps": formula.steps,
                "container": formula.container,
                "labeling": formula.labeling,
                "quality_checks": formula.quality_checks,
                "reference": formula.reference,
                "bud_category": formula.bud_category,
            },
        }
    )
    return data
