"""Stock a batch takes from its sources (ingredient lots or earlier batches) and gives
back when the recorded actual amount is less than planned.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.orm import Session

from pharmacy.errors import Conflict
from pharmacy.models import Batch
from pharmacy.services.batches.planning import Source
from pharmacy.services.lots import return_to_lot, take_from_lot


def try_take_from_batch(session: Session, batch: Batch, amount: Decimal, today: date) -> bool:
    """Take `amount` from a released, in-date batch in one conditional UPDATE, so two takers
    racing for the last units cannot both succeed. False (nothing taken) when the batch is
    not usable or has too little; the batch is refreshed either way."""
    result = session.execute(
        update(Batch)
        .where(
            Batch.id == batch.id,
            Batch.status == "released",
            Batch.bud >= today,
            Batch.quantity_on_hand >= amount,
        )
        .values(quantity_on_hand=Batch.quantity_on_hand - amount)
        .execution_options(synchronize_session=False)
    )
    session.refresh(batch)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _take_from_batch(session: Session, batch: Batch, amount: Decimal, today: date) -> None:
    if not try_take_from_batch(session, batch, amount, today):
        raise Conflict(
            f"Batch {batch.lot_number} cannot supply {amount} {batch.unit}: "
            f"{batch.quantity_on_hand} on hand, status {batch.status}."
        )


def _take(session: Session, source: Source, amount: Decimal, today: date) -> None:
    if source.lot is not None:
        take_from_lot(session, source.lot, amount)
    elif source.batch is not None:
        _take_from_batch(session, source.batch, amount, today)


def _give_back(session: Session, source: Source, amount: Decimal) -> None:
    if source.lot is not None:
        return_to_lot(session, source.lot, amount)
    elif source.batch is not None and amount > 0:
        session.execute(
            update(Batch)
            .where(Batch.id == source.batch.id)
            .values(quantity_on_hand=Batch.quantity_on_hand + amount)
            .execution_options(synchronize_session=False)
        )
