"""The pharmacy's own details (name, address, phone) printed on every label."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy import audit
from pharmacy.audit import Actor
from pharmacy.models import PharmacyDetails
from pharmacy.models._types import utcnow
from pharmacy.services.printable import require_printable
from pharmacy.services.uow import query, use_case

PHARMACY_FIELDS = ("name", "address", "phone")


@query
def pharmacy_details(session: Session) -> PharmacyDetails | None:
    return session.execute(select(PharmacyDetails).order_by(PharmacyDetails.id)).scalars().first()


@use_case
def update_pharmacy_details(
    session: Session, actor: Actor, data: dict[str, str]
) -> PharmacyDetails:
    row = session.execute(select(PharmacyDetails).order_by(PharmacyDetails.id)).scalars().first()
    if row is None:
        row = PharmacyDetails(id=1, name="", address="", phone="")
        session.add(row)
    before = {name: getattr(row, name) for name in PHARMACY_FIELDS}
    for name in PHARMACY_FIELDS:
        require_printable(name, data[name])
    for name in PHARMACY_FIELDS:
        setattr(row, name, data[name])
    row.updated_at = utcnow()
    session.flush()
    audit.record(
        session, actor, "pharmacy_details.changed", "pharmacy_details", row.id,
        before=before, after={name: data[name] for name in PHARMACY_FIELDS},
    )
    return row
