"""Which batches a prescription's fill may come from."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.audit import Actor
from pharmacy.errors import NotFound
from pharmacy.models import Batch, Prescription
from pharmacy.services.batches import batch_data
from pharmacy.services.fills import batch_mismatch
from pharmacy.services.uow import query


@query
def fillable_batches(
    session: Session, actor: Actor, prescription_id: int, *, today: date
) -> list[dict[str, Any]]:
    """Released, in-date batches with stock that `fills.create_fill` would accept for this
    prescription (its own matching rule, so the page offers only what will work)."""
    rx = session.get(Prescription, prescription_id)
    if rx is None:
        raise NotFound("No such prescription.")
    rows = session.execute(
        select(Batch)
        .where(Batch.status == "released", Batch.bud >= today, Batch.quantity_on_hand > 0)
        .order_by(Batch.bud, Batch.id)
        .limit(100)
    ).scalars()
    # A capsule titration may also be filled one strength at a time, from batches of the
    # step doses; the fill service checks the chosen steps against the batch.
    by_step = bool(rx.steps) and rx.dosage_form == "capsule"
    return [
        batch_data(session, b, today)
        for b in rows
        if batch_mismatch(rx, b, by_step=by_step) is None
    ]
