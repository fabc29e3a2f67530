"""Today's work: what each counter on the pharmacist's and the technician's dashboard
counts, and the list behind it. A counter is one predicate on one table (`Work`): its
count is one `SELECT count(*)` with that predicate, and its list (`work_list`, the page
the counter links to) is the same table with the same predicate, so the list holds
exactly the rows counted. The windows (refills due within a week, batches near their BUD,
lots near expiry, fills waiting for pick-up) are rules an admin may change
(pharmacy.compounding.rules: refills_due_within_days, batch_bud_soon_days,
lot_expiry_soon_days, pickup_waiting_days); an open recall is what the recall service
calls open (pharmacy.services.recall.open_recall)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, joinedload, lazyload

from pharmacy.audit import Actor
from pharmacy.compounding.rules import Rules
from pharmacy.errors import NotFound
from pharmacy.models import (
    Batch,
    Fill,
    IngredientLot,
    Patient,
    Prescriber,
    Prescription,
    Recall,
    RefillRequest,
)
from pharmacy.services.recall import open_recall
from pharmacy.services.rules import current_rules
from pharmacy.services.uow import query

REFILLABLE = ("verified", "filled")
LOT_IN_STOCK = ("quarantine", "released")


@dataclass(frozen=True)
class Counter:
    key: str
    title: str
    count: int


@dataclass(frozen=True)
class Work:
    """One counter: the rows of `entity` for which every clause of `where` holds."""

    key: str
    title: str
    entity: Any
    where: tuple[ColumnElement[bool], ...]

    def count(self) -> Select[Any]:
        return select(func.count()).select_from(self.entity).where(*self.where)

    def rows(self) -> Select[Any]:
        return select(self.entity).where(*self.where)


def refills_due_where(today: date, rules: Rules) -> tuple[ColumnElement[bool], ...]:
    """Prescriptions with refills left (verified or filled) whose newest fill's supply
    runs out within the window. The day is kept on the prescription as fills are made
    (pharmacy.models.search), under a partial index of the refillable prescriptions
    (migration 0024), so the count is one index range count: looking the newest fill up
    per fill in the window took ~150-250 ms at 1,000,000 fills (bench/RESULTS.md)."""
    end = today + timedelta(days=rules.refills_due_within_days)
    return (
        Prescription.supply_ends_on.between(today, end),
        Prescription.refills_remaining > 0,
        Prescription.status.in_(REFILLABLE),
    )


def refills_due_rows(today: date, rules: Rules, *columns: Any) -> Select[Any]:
    """The prescriptions due for a refill; `columns`: what to select (a count by
    default)."""
    stmt = select(*(columns or (func.count(),))).select_from(Prescription)
    return stmt.where(*refills_due_where(today, rules))


def _awaiting_label() -> ColumnElement[bool]:
    """A fill whose container label has not printed yet (printing it makes it "labeled")."""
    return Fill.status == "filled"


def _rx(key: str, title: str, status: str) -> Work:
    return Work(key, title, Prescription, (Prescription.status == status,))


def _refills_due(today: date, rules: Rules) -> Work:
    return Work(
        "refills_due",
        f"Refills due in {rules.refills_due_within_days} days",
        Prescription,
        refills_due_where(today, rules),
    )


def pharmacist_work(today: date, rules: Rules) -> list[Work]:
    pickup_cutoff = datetime.combine(
        today - timedelta(days=rules.pickup_waiting_days), time(), tzinfo=UTC
    )
    return [
        _rx("to_verify", "To verify", "submitted"),
        _rx("on_hold", "On hold", "on_hold"),
        Work(
            "awaiting_final_check",
            "Batches awaiting final check",
            Batch,
            (Batch.status == "recorded",),
        ),
        Work(
            "awaiting_product_check",
            "Fills awaiting product verification",
            Fill,
            (Fill.status == "labeled",),
        ),
        _refills_due(today, rules),
        Work(
            "waiting_pickup",
            f"Ready for pick-up more than {rules.pickup_waiting_days} days",
            Fill,
            (Fill.status == "ready", Fill.ready_at < pickup_cutoff),
        ),
        Work(
            "batches_near_bud",
            f"Released batches within {rules.batch_bud_soon_days} days of BUD",
            Batch,
            (
                Batch.status == "released",
                Batch.bud.between(today, today + timedelta(days=rules.batch_bud_soon_days)),
                Batch.quantity_on_hand > 0,
            ),
        ),
        Work(
            "lots_expiring",
            f"Ingredient lots expiring within {rules.lot_expiry_soon_days} days",
            IngredientLot,
            (
                IngredientLot.status.in_(LOT_IN_STOCK),
                IngredientLot.expiry.between(
                    today, today + timedelta(days=rules.lot_expiry_soon_days)
                ),
                IngredientLot.quantity_on_hand > 0,
            ),
        ),
        Work("open_recalls", "Open recalls", Recall, (open_recall(),)),
        Work(
            "refill_requests", "Refill requests", RefillRequest, (RefillRequest.status == "open",)
        ),
    ]


def technician_work(today: date, rules: Rules) -> list[Work]:
    return [
        _rx("to_compound", "Verified prescriptions to compound or fill", "verified"),
        Work("batches_in_progress", "Batches in progress", Batch, (Batch.status == "in_progress",)),
        Work("labels_to_print", "Labels to print", Fill, (_awaiting_label(),)),
        _refills_due(today, rules),
    ]


WORK: dict[str, Callable[[date, Rules], list[Work]]] = {
    "pharmacist": pharmacist_work,
    "technician": technician_work,
}


def _work_of(actor: Actor, today: date, rules: Rules) -> list[Work]:
    return WORK.get(actor.role, technician_work)(today, rules)


@query
def dashboard(session: Session, actor: Actor, *, today: date) -> list[Counter]:
    """The counters of the actor's dashboard (a pharmacist's, or a technician's). Each
    count is its own `SELECT count(*)`; they travel to the database as the columns of
    one statement, so the dashboard is one round trip however many counters it has."""
    works = _work_of(actor, today, current_rules(session))
    row = session.execute(select(*(w.count().scalar_subquery().label(w.key) for w in works))).one()
    return [Counter(w.key, w.title, int(count)) for w, count in zip(works, row, strict=True)]


ORDER: dict[Any, tuple[Any, ...]] = {
    Prescription: (Prescription.created_at, Prescription.id),
    Batch: (Batch.bud, Batch.id),
    Fill: (Fill.id,),
    IngredientLot: (IngredientLot.expiry, IngredientLot.id),
    Recall: (Recall.id.desc(),),
    RefillRequest: (RefillRequest.requested_at, RefillRequest.id),
}


@query
def work_list(
    session: Session, actor: Actor, key: str, *, today: date, page: int, per_page: int
) -> tuple[str, str, list[Any], int]:
    """The rows one of the actor's counters counted, a page of them, and how many in all
    (the counter's own count query): (title, entity name, rows, total)."""
    rules = current_rules(session)
    work = next((w for w in _work_of(actor, today, rules) if w.key == key), None)
    if work is None:
        raise NotFound("No such list on your dashboard.")
    total = int(session.execute(work.count()).scalar_one())
    stmt = work.rows()
    if work.entity is Prescription:  # what the list shows of each, in the same query
        stmt = stmt.options(joinedload(Prescription.patient), lazyload(Prescription.steps))
    elif work.entity is Fill:
        stmt = stmt.options(joinedload(Fill.prescription).joinedload(Prescription.patient))
    if key == "refills_due":
        stmt = stmt.order_by(Prescription.supply_ends_on, Prescription.id)
    else:
        stmt = stmt.order_by(*ORDER[work.entity])
    rows = list(session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).scalars())
    return work.title, work.entity.__tablename__, rows, total


@query
def refills_due(
    session: Session, actor: Actor, *, today: date, limit: int = 100
) -> list[dict[str, Any]]:
    """Prescriptions whose supply runs out soon and that have refills left (a prescriber:
    their own), soonest first."""
    last_filled = (
        select(Fill.filled_on)
        .where(Fill.prescription_id == Prescription.id)
        .order_by(Fill.fill_number.desc())
        .limit(1)
        .scalar_subquery()
    )
    stmt = (
        refills_due_rows(
            today,
            current_rules(session),
            Prescription.id,
            Prescription.rx_number,
            Prescription.patient_id,
            Prescription.refills_remaining,
            Prescription.supply_ends_on,
            last_filled.label("filled_on"),
            Patient.first_name,
            Patient.last_name,
            Prescriber.full_name,
        )
        .join(Patient, Patient.id == Prescription.patient_id)
        .join(Prescriber, Prescriber.id == Prescription.prescriber_id)
    )
    if actor.role == "prescriber":
        stmt = stmt.where(Prescription.prescriber_id == actor.prescriber_id)
    stmt = stmt.order_by(Prescription.supply_ends_on, Prescription.id).limit(limit)
    return [
        {
            "prescription_id": row.id,
            "rx_number": row.rx_number,
            "patient_id": row.patient_id,
            "patient_name": f"{row.first_name} {row.last_name}",
            "supply_ends_on": row.supply_ends_on,
            "refills_remaining": row.refills_remaining,
            "last_filled_on": row.filled_on,
            "prescriber": row.full_name,
        }
        for row in session.execute(stmt)
    ]


__all__ = ["Counter", "Work", "dashboard", "refills_due", "refills_due_rows", "work_list"]
