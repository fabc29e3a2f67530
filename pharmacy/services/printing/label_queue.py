"""The print queue: fills whose patient label has not been printed yet, printed together
in one PDF."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from labels import render_patient_labels
from pharmacy.audit import Actor
from pharmacy.errors import Conflict
from pharmacy.models import Batch, Fill, Prescription, PrintLog
from pharmacy.services.dispensing.states import mark_labeled
from pharmacy.services.fills import drug_line
from pharmacy.services.printing import print_log, rendering
from pharmacy.services.printing.patient_labels import (
    LABELLABLE_PRESCRIPTION_STATUSES,
    patient_label_content,
)
from pharmacy.services.uow import query, use_case


def _waiting_fills(session: Session) -> Any:
    printed = exists().where(PrintLog.document == "patient_label", PrintLog.entity_id == Fill.id)
    return (
        select(Fill)
        .join(Prescription, Prescription.id == Fill.prescription_id)
        .join(Batch, Batch.id == Fill.batch_id)
        .where(
            ~printed,
            Prescription.status.in_(LABELLABLE_PRESCRIPTION_STATUSES),
            Batch.status == "released",
        )
        .order_by(Fill.filled_at, Fill.id)
    )


@query
def print_queue(session: Session, actor: Actor, *, today: date) -> list[dict[str, Any]]:
    """Fills whose patient label has not been printed yet, oldest first."""
    rows = []
    for fill in session.execute(_waiting_fills(session)).scalars():
        rx = fill.prescription
        rows.append(
            {
                "fill_id": fill.id,
                "rx_number": rx.rx_number,
                "patient_name": rx.patient.full_name,
                "drug": drug_line(fill),
                "quantity": fill.quantity,
                "lot_number": fill.batch.lot_number,
                "filled_at": fill.filled_at,
            }
        )
    return rows


@use_case
def print_queued_labels(
    session: Session,
    actor: Actor,
    *,
    fill_ids: Sequence[int] | None,
    stock_code: str | None,
    today: date,
) -> bytes:
    """Every waiting patient label (or the chosen ones) in one PDF on one stock that holds
    each of them whole, logged as printed."""
    query_ = _waiting_fills(session)
    if fill_ids:
        query_ = query_.where(Fill.id.in_(list(fill_ids)))
    fills = list(session.execute(query_).scalars())
    if not fills:
        raise Conflict("No labels are waiting to be printed.")
    contents = [patient_label_content(session, fill, today) for fill in fills]
    # One stock for the run: the one named, if it holds every label whole (409 naming the
    # stock that does, if not), else the smallest that holds them all.
    stock = rendering.patient_labels_stock(contents, stock_code)
    pdf = rendering.render(render_patient_labels, contents, stock)
    for fill in fills:
        print_log.record(session, actor, "patient_label", fill.id, stock=stock.code, reason=None)
        mark_labeled(session, actor, fill)
    return pdf
