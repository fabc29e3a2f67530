"""The fill's life after filling (DOMAIN.md §9): `filled` → `labeled` → `product_verified`
→ `ready` (for pick-up or shipping) → `dispensed`; or, when a ready fill is not collected
within the pharmacy's limit (the rule `will_call_return_days`), `returned` to stock.

Each step records who and when, writes its audit event in the same transaction, and is
refused (Conflict → 409) when it makes no sense from the fill's current state.

- `mark_labeled(session, actor, fill)` — the first print of the patient label (any path).
- `mark_ready(actor, fill_id, handover)` — after the product verification.
- `record_pickup(actor, fill_id, collected_by, agent_name, counselling_offered, payment)`
  — with the payment taken at the counter, if given (services/payments.py), in the same
  transaction and audit event
- `record_shipment(actor, fill_id, carrier, tracking_number)`
- `return_to_stock(actor, fill_id, reason, today)`
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pharmacy import audit
from pharmacy.audit import Actor
from pharmacy.compounding.units import plain
from pharmacy.errors import Conflict, Invalid, NotFound
from pharmacy.models import Batch, Fill
from pharmacy.models._types import utcnow
from pharmacy.services.batches import batch_state
from pharmacy.services.fill_status import label_barcode
from pharmacy.services.fills import fill_data
from pharmacy.services.payments import audit_view, take_payment
from pharmacy.services.pricing import currency
from pharmacy.services.rules import current_rules
from pharmacy.services.uow import use_case

#: What each step needs the fill to be, and what it says when it is not.
NEXT_STEP = {
    "filled": "print its patient label",
    "labeled": "verify the product",
    "product_verified": "make it ready for pick-up or shipping",
    "ready": "hand it over",
}


def locked_fill(session: Session, fill_id: int) -> Fill:
    # The row lock on the fill alone (its batch and prescription load by outer join,
    # which PostgreSQL cannot lock).
    fill = session.execute(
        select(Fill).where(Fill.id == fill_id).with_for_update(of=Fill)
    ).scalar_one_or_none()
    if fill is None:
        raise NotFound("No such fill.")
    return fill


def require_status(fill: Fill, *wanted: str, doing: str) -> None:
    if fill.status in wanted:
        return
    if fill.status in ("dispensed", "returned"):
        why = f"it was {fill.status} already"
    else:
        why = f"it is {fill.status.replace('_', ' ')}; next: {NEXT_STEP[fill.status]}"
    raise Conflict(f"Cannot {doing} fill {label_barcode(fill)}: {why}.", {"status": [fill.status]})


def record_step(session: Session, actor: Actor, fill: Fill, action: str, **after: Any) -> None:
    audit.record(
        session,
        actor,
        f"fill.{action}",
        "fill",
        fill.id,
        after={"status": fill.status, "rx_number": fill.prescription.rx_number, **after},
    )
    # The prescription's history shows each hand-over step of its fills.
    audit.record(
        session,
        actor,
        f"prescription.fill_{action}",
        "prescription",
        fill.prescription_id,
        after={"fill_id": fill.id, "fill_status": fill.status, **after},
    )


def mark_labeled(session: Session, actor: Actor, fill: Fill) -> None:
    """The first print of the patient label moves a filled fill on; a reprint later does
    not change its state."""
    if fill.status != "filled":
        return
    fill.status = "labeled"
    fill.labeled_at = utcnow()
    fill.labeled_by_user_id = actor.user_id
    record_step(session, actor, fill, "labeled")


@use_case
def mark_ready(
    session: Session, actor: Actor, fill_id: int, *, handover: str, today: date
) -> dict[str, Any]:
    fill = locked_fill(session, fill_id)
    require_status(fill, "product_verified", doing="make ready")
    fill.status = "ready"
    fill.handover = handover
    fill.ready_at = utcnow()
    fill.ready_by_user_id = actor.user_id
    record_step(session, actor, fill, "ready", handover=handover)
    return fill_data(session, fill, today)


@use_case
def record_pickup(
    session: Session,
    actor: Actor,
    fill_id: int,
    *,
    collected_by: str,
    agent_name: str | None,
    counselling_offered: bool,
    today: date,
    payment: dict[str, Any] | None = None,
) -> dict[str, Any]:
    fill = locked_fill(session, fill_id)
    require_status(fill, "ready", doing="record the pick-up of")
    if fill.handover != "pickup":
        raise Conflict(
            f"Fill {label_barcode(fill)} is ready for shipping, not for pick-up.",
            {"handover": [fill.handover or ""]},
        )
    name = (agent_name or "").strip()
    if collected_by == "agent" and not name:
        raise Invalid("agent_name", "give the name of the person who collected it")
    fill.collected_by_relation = collected_by
    fill.collected_by_name = (
        name if collected_by == "agent" else fill.prescription.patient.full_name
    )
    fill.counselling_offered = counselling_offered
    paid = take_payment(session, actor, fill, payment, currency=currency())
    _dispense(fill, actor)
    record_step(
        session,
        actor,
        fill,
        "dispensed",
        handover="pickup",
        collected_by=collected_by,
        counselling_offered=counselling_offered,
        payment=audit_view(paid),
    )
    return fill_data(session, fill, today)


@use_case
def record_shipment(
    session: Session,
    actor: Actor,
    fill_id: int,
    *,
    carrier: str,
    tracking_number: str,
    today: date,
) -> dict[str, Any]:
    fill = locked_fill(session, fill_id)
    require_status(fill, "ready", doing="ship")
    if fill.handover != "shipping":
        raise Conflict(
            f"Fill {label_barcode(fill)} is ready for pick-up, not for shipping.",
            {"handover": [fill.handover or ""]},
        )
    fill.carrier = carrier.strip()
    fill.tracking_number = tracking_number.strip()
    _dispense(fill, actor)
    record_step(
        session,
        actor,
        fill,
        "dispensed",
        handover="shipping",
        carrier=fill.carrier,
        tracking_number=fill.tracking_number,
    )
    return fill_data(session, fill, today)


def _dispense(fill: Fill, actor: Actor) -> None:
    fill.status = "dispensed"
    fill.dispensed_at = utcnow()
    fill.dispensed_by_user_id = actor.user_id


@use_case
def return_to_stock(
    session: Session, actor: Actor, fill_id: int, *, reason: str, today: date
) -> dict[str, Any]:
    """A ready fill not collected within the limit goes back: its units return to the
    batch only when the batch is still released and within its BUD."""
    fill = locked_fill(session, fill_id)
    require_status(fill, "ready", doing="return to stock")
    limit = current_rules(session).will_call_return_days
    assert fill.ready_at is not None
    due = fill.ready_at.date() + timedelta(days=limit)
    if today < due:
        raise Conflict(
            f"Fill {label_barcode(fill)} has waited {(today - fill.ready_at.date()).days} days; "
            f"it can be returned to stock after {limit} days, from {due.isoformat()}.",
            {"status": ["not yet due for return"]},
        )
    batch: Batch = fill.batch
    state = batch_state(batch, today)
    restocked = state == "released"
    if restocked:
        session.execute(
            update(Batch)
            .where(Batch.id == batch.id)
            .values(quantity_on_hand=Batch.quantity_on_hand + fill.quantity)
            .execution_options(synchronize_session=False)
        )
        session.refresh(batch)
    fill.status = "returned"
    fill.returned_at = utcnow()
    fill.returned_by_user_id = actor.user_id
    fill.return_reason = reason.strip()
    fill.returned_to_batch = restocked
    record_step(
        session,
        actor,
        fill,
        "returned",
        reason=fill.return_reason,
        batch=batch.lot_number,
        batch_state=state,
        units_back_to_batch=plain(fill.quantity) if restocked else "0",
        batch_on_hand=batch.quantity_on_hand,
    )
    return fill_data(session, fill, today)
