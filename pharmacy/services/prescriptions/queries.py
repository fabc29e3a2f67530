"""What prescriptions an actor may see, and the lists of them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pharmacy.audit import Actor
from pharmacy.errors import Invalid, NotFound
from pharmacy.models import Prescriber, Prescription
from pharmacy.services.uow import query

SORTABLE = {
    "created_at": Prescription.created_at,
    "rx_number": Prescription.rx_number,
    "status": Prescription.status,
    "updated_at": Prescription.updated_at,
}


def visible_prescriptions(actor: Actor) -> Any:
    """The base query of what an actor may see: a prescriber only their own."""
    query = select(Prescription)
    if actor.role == "prescriber":
        query = query.where(Prescription.prescriber_id == actor.prescriber_id)
    return query


@query
def get_prescription(session: Session, actor: Actor, prescription_id: int) -> Prescription:
    rx = session.execute(
        visible_prescriptions(actor).where(Prescription.id == prescription_id)
    ).scalar_one_or_none()
    if rx is None:
        raise NotFound("No such prescription.")
    return rx


@query
def list_prescriptions(
    session: Session,
    actor: Actor,
    *,
    status: str | None,
    sort: str,
    page: int,
    per_page: int,
) -> tuple[list[Prescription], int]:
    descending = sort.startswith("-")
    column = SORTABLE.get(sort.lstrip("-"))
    if column is None:
        raise Invalid("sort", f"sort on one of {', '.join(sorted(SORTABLE))} (prefix - to reverse)")
    query = visible_prescriptions(actor)
    if status:
        query = query.where(Prescription.status == status)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    ordered = query.order_by(column.desc() if descending else column.asc(), Prescription.id)
    items = session.execute(ordered.limit(per_page).offset((page - 1) * per_page)).scalars()
    return list(items), int(total)


@query
def list_prescribers(session: Session) -> list[Prescriber]:
    return list(session.execute(select(Prescriber).order_by(Prescriber.full_name)).scalars())
