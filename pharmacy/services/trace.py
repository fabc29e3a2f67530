"""Traceability both ways (DOMAIN.md §10): ingredient lot → batches (through intermediate
batches such as triturates) → fills → patients and prescribers; and batch → component lots
(through its source batches) and forward to every fill.

Reads use SQLAlchemy Core rows (no ORM objects) and two indexed queries: a recursive CTE
over `batch_components` for the batch closure, and one join for fills with their
prescriptions, patients and prescribers.

Service functions:

- `trace_ingredient_lot(actor, lot_id, today) -> dict`
- `trace_batch(actor, batch_ref, today) -> dict` (`batch_ref`: id or lot number)
- `downstream_batch_ids(session, lot_id=None, batch_id=None) -> list[int]`

Patients' and prescribers' names and contact details are returned to pharmacists only;
other roles get the batches and fills (`patient_data: false`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, any_, func, literal, select
from sqlalchemy.orm import Session

from pharmacy.audit import Actor
from pharmacy.db import on_postgresql
from pharmacy.errors import NotFound
from pharmacy.models import (
    Batch,
    BatchComponent,
    Fill,
    Formula,
    IngredientLot,
    Item,
    Patient,
    Prescriber,
    Prescription,
)
from pharmacy.services.uow import query

bc = BatchComponent.__table__
batches_t = Batch.__table__
fills_t = Fill.__table__
rx_t = Prescription.__table__
patients_t = Patient.__table__
prescribers_t = Prescriber.__table__


def downstream_cte(*, lot_id: int | None = None, batch_id: int | None = None) -> Any:
    """Every batch made from the lot (or from the batch, the batch itself included),
    directly or through intermediate batches: a recursive CTE of batch ids."""
    if lot_id is not None:
        seed: Select[Any] = select(bc.c.batch_id.label("batch_id")).where(
            bc.c.ingredient_lot_id == lot_id
        )
    else:
        seed = select(literal(batch_id).label("batch_id"))
    closure = seed.cte("downstream", recursive=True)
    step = select(bc.c.batch_id).join(closure, bc.c.source_batch_id == closure.c.batch_id)
    return closure.union(step)


def downstream_batch_ids(
    session: Session, *, lot_id: int | None = None, batch_id: int | None = None
) -> list[int]:
    closure = downstream_cte(lot_id=lot_id, batch_id=batch_id)
    return sorted(session.execute(select(closure.c.batch_id)).scalars())


SQLITE_MAX_LIST = 900


def batch_filter(session: Session, closure: Any) -> Any:
    """A filter `column -> clause` for the batches of a closure.

    PostgreSQL: `column = ANY(ARRAY(SELECT batch_id FROM closure))`: the closure runs once
    as an init plan and its array is a parameter of the plan, so the planner walks the
    indexes for the few batches (a join to a recursive CTE would be estimated at many
    thousands of rows and planned as whole-table hash joins). SQLite: the ids are read
    first and given as an IN list."""
    if on_postgresql(session):
        array = func.array(select(closure.c.batch_id).scalar_subquery())
        return lambda column: column == any_(array)
    ids = sorted(session.execute(select(closure.c.batch_id)).scalars())
    if len(ids) <= SQLITE_MAX_LIST:
        return lambda column: column.in_(ids)
    return lambda column: column.in_(select(closure.c.batch_id))


def _batches(session: Session, where: Any, today: date) -> list[dict[str, Any]]:
    rows = session.execute(
        select(
            batches_t.c.id,
            batches_t.c.lot_number,
            batches_t.c.status,
            batches_t.c.bud,
            batches_t.c.dosage_form,
            batches_t.c.strength_mg,
            batches_t.c.concentration_mg_per_ml,
            batches_t.c.quantity_on_hand,
            batches_t.c.units_made,
            batches_t.c.unit,
            batches_t.c.compounded_on,
            Formula.__table__.c.code,
        )
        .join(Formula.__table__, Formula.__table__.c.id == batches_t.c.formula_id)
        .where(where(batches_t.c.id))
        .order_by(batches_t.c.id)
    ).all()
    return [
        {
            "id": r.id,
            "lot_number": r.lot_number,
            "status": "expired" if r.status == "released" and r.bud < today else r.status,
            "bud": r.bud,
            "dosage_form": r.dosage_form,
            "strength_mg": r.strength_mg,
            "concentration_mg_per_ml": r.concentration_mg_per_ml,
            "quantity_on_hand": r.quantity_on_hand,
            "units_made": r.units_made,
            "unit": r.unit,
            "compounded_on": r.compounded_on,
            "formula_code": r.code,
        }
        for r in rows
    ]


def fills_query(where: Any, with_people: bool) -> Select[Any]:
    """Fills of the batches `where(column)` selects, with prescription (and people)."""
    columns = [
        fills_t.c.id,
        fills_t.c.batch_id,
        fills_t.c.quantity,
        fills_t.c.filled_on,
        fills_t.c.fill_number,
        rx_t.c.id.label("prescription_id"),
        rx_t.c.rx_number,
        rx_t.c.patient_id,
        rx_t.c.prescriber_id,
        batches_t.c.lot_number,
    ]
    stmt = (
        select(*columns)
        .select_from(fills_t)
        .join(rx_t, rx_t.c.id == fills_t.c.prescription_id)
        .join(batches_t, batches_t.c.id == fills_t.c.batch_id)
    )
    if with_people:
        stmt = (
            stmt.add_columns(
                patients_t.c.first_name,
                patients_t.c.last_name,
                patients_t.c.date_of_birth,
                patients_t.c.phone.label("patient_phone"),
                patients_t.c.address.label("patient_address"),
                prescribers_t.c.full_name.label("prescriber_name"),
                prescribers_t.c.npi,
                prescribers_t.c.phone.label("prescriber_phone"),
                prescribers_t.c.address.label("prescriber_address"),
            )
            .join(patients_t, patients_t.c.id == rx_t.c.patient_id)
            .join(prescribers_t, prescribers_t.c.id == rx_t.c.prescriber_id)
        )
    return stmt.where(where(fills_t.c.batch_id)).order_by(fills_t.c.id)


def _fills_and_people(session: Session, where: Any, with_people: bool) -> dict[str, Any]:
    rows = session.execute(fills_query(where, with_people)).all()
    fills = []
    patients: dict[int, dict[str, Any]] = {}
    prescribers: dict[int, dict[str, Any]] = {}
    # Plain tuple unpacking: thousands of rows, so no per-row attribute look-ups.
    for row in rows:
        (
            fill_id,
            batch_id,
            quantity,
            filled_on,
            number,
            rx_id,
            rx_number,
            patient_id,
            prescriber_id,
            lot_number,
        ) = row[:10]
        fills.append(
            {
                "id": fill_id,
                "batch_id": batch_id,
                "lot_number": lot_number,
                "quantity": quantity,
                "filled_on": filled_on,
                "fill_number": number,
                "prescription_id": rx_id,
                "rx_number": rx_number,
                "patient_id": patient_id if with_people else None,
                "prescriber_id": prescriber_id,
            }
        )
        if not with_people:
            continue
        if patient_id not in patients:
            first, last, born, phone, address = row[10:15]
            patients[patient_id] = {
                "id": patient_id,
                "name": f"{first} {last}",
                "first_name": first,
                "last_name": last,
                "date_of_birth": born,
                "phone": phone,
                "address": address,
            }
        if prescriber_id not in prescribers:
            name, npi, phone, address = row[15:19]
            prescribers[prescriber_id] = {
                "id": prescriber_id,
                "name": name,
                "npi": npi,
                "phone": phone,
                "address": address,
            }
    return {
        "fills": fills,
        "patients": sorted(patients.values(), key=lambda p: p["id"]),
        "prescribers": sorted(prescribers.values(), key=lambda p: p["id"]),
        "patient_data": with_people,
    }


def sees_patients(actor: Actor) -> bool:
    return actor.role == "pharmacist"


def trace_lot_in_session(
    session: Session, actor: Actor, lot_id: int, today: date
) -> dict[str, Any]:
    lot = session.execute(
        select(
            IngredientLot.id,
            IngredientLot.manufacturer,
            IngredientLot.manufacturer_lot,
            IngredientLot.expiry,
            IngredientLot.status,
            Item.code,
            Item.name,
        )
        .join(Item, Item.id == IngredientLot.item_id)
        .where(IngredientLot.id == lot_id)
    ).first()
    if lot is None:
        raise NotFound("No such ingredient lot.")
    where = batch_filter(session, downstream_cte(lot_id=lot_id))
    return {
        "ingredient_lot": {
            "id": lot.id,
            "item_code": lot.code,
            "item_name": lot.name,
            "manufacturer": lot.manufacturer,
            "manufacturer_lot": lot.manufacturer_lot,
            "expiry": lot.expiry,
            "status": lot.status,
        },
        "batches": _batches(session, where, today),
        **_fills_and_people(session, where, sees_patients(actor)),
    }


@query
def trace_ingredient_lot(
    session: Session, actor: Actor, lot_id: int, *, today: date
) -> dict[str, Any]:
    return trace_lot_in_session(session, actor, lot_id, today)


def upstream_cte(batch_id: int) -> Any:
    closure = select(literal(batch_id).label("batch_id")).cte("upstream", recursive=True)
    step = (
        select(bc.c.source_batch_id)
        .join(closure, bc.c.batch_id == closure.c.batch_id)
        .where(bc.c.source_batch_id.is_not(None))
    )
    return closure.union(step)


@query
def trace_batch(
    session: Session, actor: Actor, batch_ref: int | str, *, today: date
) -> dict[str, Any]:
    from pharmacy.services.batches import _ref_clause

    batch_id = session.execute(select(Batch.id).where(_ref_clause(batch_ref))).scalar()
    if batch_id is None:
        raise NotFound("No such batch.")
    up = upstream_cte(batch_id)
    components = session.execute(
        select(
            bc.c.batch_id,
            bc.c.role,
            bc.c.description,
            bc.c.ingredient_lot_id,
            bc.c.source_batch_id,
            bc.c.unit,
            bc.c.theoretical_amount,
            bc.c.actual_amount,
            IngredientLot.manufacturer,
            IngredientLot.manufacturer_lot,
            IngredientLot.expiry,
            IngredientLot.status,
            Item.code,
        )
        .select_from(bc)
        .outerjoin(IngredientLot.__table__, IngredientLot.id == bc.c.ingredient_lot_id)
        .outerjoin(Item.__table__, Item.id == IngredientLot.item_id)
        .where(bc.c.batch_id.in_(select(up.c.batch_id)))
        .order_by(bc.c.batch_id, bc.c.position)
    ).all()
    lots: dict[int, dict[str, Any]] = {}
    for c in components:
        if c.ingredient_lot_id is not None and c.ingredient_lot_id not in lots:
            lots[c.ingredient_lot_id] = {
                "id": c.ingredient_lot_id,
                "item_code": c.code,
                "manufacturer": c.manufacturer,
                "manufacturer_lot": c.manufacturer_lot,
                "expiry": c.expiry,
                "status": c.status,
            }
    down = batch_filter(session, downstream_cte(batch_id=batch_id))
    upstream = _batches(session, batch_filter(session, up), today)
    this = next(b for b in upstream if b["id"] == batch_id)
    return {
        "batch": this,
        "ingredient_lots": sorted(lots.values(), key=lambda lot: lot["id"]),
        "components": [
            {
                "batch_id": c.batch_id,
                "role": c.role,
                "description": c.description,
                "ingredient_lot_id": c.ingredient_lot_id,
                "source_batch_id": c.source_batch_id,
                "unit": c.unit,
                "theoretical_amount": c.theoretical_amount,
                "actual_amount": c.actual_amount,
            }
            for c in components
        ],
        "source_batches": [b for b in upstream if b["id"] != batch_id],
        "batches": _batches(session, down, today),
        **_fills_and_people(session, down, sees_patients(actor)),
    }
