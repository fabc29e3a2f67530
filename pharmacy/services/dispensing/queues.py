"""The hand-over queues and the dispensing history of a prescription.

- `will_call_queue(actor, name, date_of_birth, today)` — fills ready for pick-up, found by
  the patient's name (any part, any case) and date of birth; oldest first, with the ones
  past the pharmacy's return limit marked.
- `shipping_queue(actor, today)` — fills ready for shipping.
- `dispensing_history(actor, prescription_id)` — each fill's steps with who and when; a
  prescriber sees only their own prescriptions.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from pharmacy.audit import Actor
from pharmacy.errors import NotFound
from pharmacy.models import Fill, Patient, Prescription, User
from pharmacy.services.fill_status import label_barcode
from pharmacy.services.fills import drug_line
from pharmacy.services.prescriptions.queries import visible_prescriptions
from pharmacy.services.rules import current_rules
from pharmacy.services.uow import query


def _ready(handover: str) -> Any:
    return (
        select(Fill)
        .join(Prescription, Prescription.id == Fill.prescription_id)
        .join(Patient, Patient.id == Prescription.patient_id)
        .where(Fill.status == "ready", Fill.handover == handover)
        .order_by(Fill.ready_at, Fill.id)
    )


def _row(fill: Fill, limit_days: int, today: date) -> dict[str, Any]:
    rx = fill.prescription
    ready_on = fill.ready_at.date() if fill.ready_at else today
    return {
        "fill_id": fill.id,
        "rx_number": rx.rx_number,
        "label_barcode": label_barcode(fill),
        "patient_name": rx.patient.full_name,
        "date_of_birth": rx.patient.date_of_birth,
        "drug": drug_line(fill),
        "quantity": fill.quantity,
        "lot_number": fill.batch.lot_number,
        "ready_at": fill.ready_at,
        "days_waiting": (today - ready_on).days,
        "return_due": ready_on + timedelta(days=limit_days) <= today,
    }


@query
def will_call_queue(
    session: Session,
    actor: Actor,
    *,
    name: str | None,
    date_of_birth: date | None,
    today: date,
) -> list[dict[str, Any]]:
    stmt = _ready("pickup")
    for word in (name or "").casefold().split():
        stmt = stmt.where(
            or_(
                func.lower(Patient.first_name).contains(word, autoescape=True),
                func.lower(Patient.last_name).contains(word, autoescape=True),
            )
        )
    if date_of_birth is not None:
        stmt = stmt.where(Patient.date_of_birth == date_of_birth)
    limit = current_rules(session).will_call_return_days
    return [_row(fill, limit, today) for fill in session.execute(stmt).scalars()]


@query
def awaiting_verification(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Labelled fills waiting for the pharmacist's product verification, oldest first."""
    fills = session.execute(
        select(Fill).where(Fill.status == "labeled").order_by(Fill.labeled_at, Fill.id)
    ).scalars()
    return [
        {
            "fill_id": f.id,
            "rx_number": f.prescription.rx_number,
            "label_barcode": label_barcode(f),
            "patient_name": f.prescription.patient.full_name,
            "lot_number": f.batch.lot_number,
        }
        for f in fills
    ]


@query
def shipping_queue(session: Session, actor: Actor, *, today: date) -> list[dict[str, Any]]:
    limit = current_rules(session).will_call_return_days
    return [_row(fill, limit, today) for fill in session.execute(_ready("shipping")).scalars()]


STEPS = (
    ("filled", "filled_at", "filled_by_user_id"),
    ("labeled", "labeled_at", "labeled_by_user_id"),
    ("product_verified", "product_verified_at", "product_verified_by_user_id"),
    ("ready", "ready_at", "ready_by_user_id"),
    ("dispensed", "dispensed_at", "dispensed_by_user_id"),
    ("returned", "returned_at", "returned_by_user_id"),
)


def _steps(session: Session, fill: Fill) -> list[dict[str, Any]]:
    done = [(step, getattr(fill, at), getattr(fill, by)) for step, at, by in STEPS]
    ids = {by for _step, at, by in done if at is not None and by is not None}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(sorted(ids))))
    names = {user_id: username for user_id, username in rows} if ids else {}
    return [
        {"step": step, "at": at, "by": names.get(by) if by is not None else None}
        for step, at, by in done
        if at is not None
    ]


@query
def dispensing_history(
    session: Session, actor: Actor, prescription_id: int
) -> list[dict[str, Any]]:
    rx = session.execute(
        visible_prescriptions(actor).where(Prescription.id == prescription_id)
    ).scalar_one_or_none()
    if rx is None:
        raise NotFound("No such prescription.")
    fills = session.execute(
        select(Fill).where(Fill.prescription_id == rx.id).order_by(Fill.fill_number)
    ).scalars()
    return [
        {
            "fill_id": fill.id,
            "fill_number": fill.fill_number,
            "label_barcode": label_barcode(fill),
            "lot_number": fill.batch.lot_number,
            "quantity": fill.quantity,
            "status": fill.status,
            "handover": fill.handover,
            "collected_by": fill.collected_by_relation,
            "collected_by_name": fill.collected_by_name,
            "counselling_offered": fill.counselling_offered,
            "carrier": fill.carrier,
            "tracking_number": fill.tracking_number,
            "return_reason": fill.return_reason,
            "returned_to_batch": fill.returned_to_batch,
            "steps": _steps(session, fill),
        }
        for fill in fills
    ]
