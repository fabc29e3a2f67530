"""Today's work: what each counter on the pharmacist's and the technician's dashboard
counts. Each count is one query on an index; the windows (refills due within a week,
batches near their BUD, lots near expiry, fills waiting for pick-up) are rules an admin
may change (pharmacy.compounding.rules: refills_due_within_days, batch_bud_soon_days,
lot_expiry_soon_days, pickup_waiting_days)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, exists, func, literal, select
from sqlalchemy.orm import Session, aliased

from pharmacy.audit import Actor
from pharmacy.compounding.rules import Rules
from pharmacy.models import (
    Batch,
    Fill,
    IngredientLot,
    Patient,
    Prescriber,
    Prescription,
    PrintLog,
    Recall,
    RefillRequest,
)
from pharmacy.services.rules import current_rules
from pharmacy.services.uow import query

REFILLABLE = ("verified", "filled")
LOT_IN_STOCK = ("quarantine", "released")


@dataclass(frozen=True)
class Counter:
    key: str
    title: str
    count: int


def _count(session: Session, stmt: Select[Any]) -> int:
    return int(session.execute(stmt).scalar_one())


def refills_due_rows(today: date, rules: Rules, *columns: Any) -> Select[Any]:
    """Each prescription with refills left whose newest fill's supply runs out within the
    window (the newest fill: no later fill of the same prescription). `columns`: what to
    select (a count by default; columns of Prescription join it).

    The window holds a few thousand fills at chain scale, so the prescription is looked up
    per fill by its key (a scalar subquery the planner keeps as such) rather than joined:
    a join let PostgreSQL hash every prescription with refills left (a whole-table scan,
    ~150 ms at 250,000 prescriptions) to match a few thousand fills."""
    later = aliased(Fill)
    end = today + timedelta(days=rules.refills_due_within_days)
    refillable = (
        select(Prescription.id)
        .where(
            Prescription.id == Fill.prescription_id,
            Prescription.refills_remaining > 0,
            Prescription.status.in_(REFILLABLE),
        )
        .correlate_except(Prescription)  # its own look-up, also when the outer query joins it
        .scalar_subquery()
    )
    stmt = select(*(columns or (func.count(),))).select_from(Fill)
    if columns:
        stmt = stmt.join(Prescription, Prescription.id == Fill.prescription_id)
    return stmt.where(
        Fill.supply_ends_on.between(today, end),
        refillable.is_not(None),
        ~exists().where(
            later.prescription_id == Fill.prescription_id,
            later.fill_number > Fill.fill_number,
        ),
    )


def _fill_status() -> ColumnElement[str] | None:
    """The dispensing state of a fill, once fills have one (issue 21)."""
    status: ColumnElement[str] | None = getattr(Fill, "status", None)
    return status


def _open_recall() -> ColumnElement[bool]:
    # A recall stays open while a batch it quarantined is still in quarantine.
    prefix = literal("recall ") + cast(Recall.id, String)
    return exists().where(
        Batch.status == "quarantined", Batch.status_reason.like(prefix + literal(":%"))
    )


def _awaiting_label() -> ColumnElement[bool]:
    status = _fill_status()
    if status is not None:
        return status == "filled"
    return ~exists().where(PrintLog.document == "patient_label", PrintLog.entity_id == Fill.id)


def pharmacist_counts(today: date, rules: Rules) -> list[tuple[str, str, Select[Any]]]:
    counts: list[tuple[str, str, Select[Any]]] = [
        ("to_verify", "To verify", _rx_count("submitted")),
        ("on_hold", "On hold", _rx_count("on_hold")),
        ("awaiting_final_check", "Batches awaiting final check",
         select(func.count()).select_from(Batch).where(Batch.status == "recorded")),
    ]
    status = _fill_status()
    if status is not None:
        counts.append(("awaiting_product_check", "Fills awaiting product verification",
                       select(func.count()).select_from(Fill).where(status == "labeled")))
    counts.append(("refills_due", f"Refills due in {rules.refills_due_within_days} days",
                   refills_due_rows(today, rules)))
    if status is not None and hasattr(Fill, "ready_at"):
        cutoff = datetime.combine(today - timedelta(days=rules.pickup_waiting_days), time(),
                                  tzinfo=UTC)
        counts.append(("waiting_pickup",
                       f"Ready for pick-up more than {rules.pickup_waiting_days} days",
                       select(func.count()).select_from(Fill).where(
                           status == "ready", Fill.ready_at < cutoff)))
    counts += [
        ("batches_near_bud", f"Released batches within {rules.batch_bud_soon_days} days of BUD",
         select(func.count()).select_from(Batch).where(
             Batch.status == "released",
             Batch.bud.between(today, today + timedelta(days=rules.batch_bud_soon_days)),
             Batch.quantity_on_hand > 0)),
        ("lots_expiring", f"Ingredient lots expiring within {rules.lot_expiry_soon_days} days",
         select(func.count()).select_from(IngredientLot).where(
             IngredientLot.status.in_(LOT_IN_STOCK),
             IngredientLot.expiry.between(
                 today, today + timedelta(days=rules.lot_expiry_soon_days)),
             IngredientLot.quantity_on_hand > 0)),
        ("open_recalls", "Open recalls",
         select(func.count()).select_from(Recall).where(_open_recall())),
        ("refill_requests", "Refill requests",
         select(func.count()).select_from(RefillRequest).where(RefillRequest.status == "open")),
    ]
    return counts


def _rx_count(status: str) -> Select[Any]:
    return select(func.count()).select_from(Prescription).where(Prescription.status == status)


def technician_counts(today: date, rules: Rules) -> list[tuple[str, str, Select[Any]]]:
    return [
        ("to_compound", "Verified prescriptions to compound or fill", _rx_count("verified")),
        ("batches_in_progress", "Batches in progress",
         select(func.count()).select_from(Batch).where(Batch.status == "in_progress")),
        ("labels_to_print", "Labels to print",
         select(func.count()).select_from(Fill).where(_awaiting_label())),
        ("refills_due", f"Refills due in {rules.refills_due_within_days} days",
         refills_due_rows(today, rules)),
    ]


COUNTS: dict[str, Callable[[date, Rules], list[tuple[str, str, Select[Any]]]]] = {
    "pharmacist": pharmacist_counts,
    "technician": technician_counts,
}


@query
def dashboard(session: Session, actor: Actor, *, today: date) -> list[Counter]:
    """The counters of the actor's dashboard (a pharmacist's, or a technician's)."""
    make = COUNTS.get(actor.role, technician_counts)
    rules = current_rules(session)
    return [Counter(key, title, _count(session, stmt)) for key, title, stmt in make(today, rules)]


@query
def refills_due(session: Session, actor: Actor, *, today: date, limit: int = 100) -> list[
    dict[str, Any]
]:
    """Prescriptions whose supply runs out soon and that have refills left (a prescriber:
    their own), soonest first."""
    stmt = refills_due_rows(
        today, current_rules(session), Prescription.id, Prescription.rx_number,
        Prescription.patient_id, Prescription.refills_remaining, Fill.supply_ends_on,
        Fill.filled_on, Patient.first_name, Patient.last_name, Prescriber.full_name,
    ).join(Patient, Patient.id == Prescription.patient_id).join(
        Prescriber, Prescriber.id == Prescription.prescriber_id)
    if actor.role == "prescriber":
        stmt = stmt.where(Prescription.prescriber_id == actor.prescriber_id)
    stmt = stmt.order_by(Fill.supply_ends_on, Prescription.id).limit(limit)
    return [
        {"prescription_id": row.id, "rx_number": row.rx_number, "patient_id": row.patient_id,
         "patient_name": f"{row.first_name} {row.last_name}",
         "supply_ends_on": row.supply_ends_on, "refills_remaining": row.refills_remaining,
         "last_filled_on": row.filled_on, "prescriber": row.full_name}
        for row in session.execute(stmt)
    ]


__all__ = ["Counter", "dashboard", "refills_due", "refills_due_rows"]
