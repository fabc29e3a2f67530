"""Electronic orders (the FHIR edge): the prescriber named by NPI, then the one intake
every channel uses (`run_intake`: the engine's assessment, the opioid gate, the audit
events), with the sender's identifiers kept; and what the edge reads back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pharmacy import audit
from pharmacy.audit import Actor
from pharmacy.errors import Forbidden, Invalid
from pharmacy.models import Fill, Prescriber, Prescription
from pharmacy.services.prescriptions.intake import run_intake
from pharmacy.services.prescriptions.patients import find_patient
from pharmacy.services.prescriptions.queries import get_prescription, visible_prescriptions
from pharmacy.services.uow import query, use_case

SOURCE = "fhir"


@dataclass(frozen=True)
class Received:
    """What intake made of an electronic order."""

    prescription: Prescription
    patient_created: bool


def prescriber_for_npi(session: Session, actor: Actor, npi: str) -> Prescriber:
    """A prescriber orders only as themself; a pharmacist for any prescriber the pharmacy
    knows."""
    if actor.role == "prescriber":
        own = session.get(Prescriber, actor.prescriber_id) if actor.prescriber_id else None
        if own is None or own.npi != npi:
            raise Forbidden(
                "The Practitioner's NPI is not this account's: a prescriber orders only as "
                "themself."
            )
        return own
    prescriber = session.execute(
        select(Prescriber).where(Prescriber.npi == npi)
    ).scalar_one_or_none()
    if prescriber is None:
        raise Invalid("practitioner.npi", "no prescriber with this NPI is known to the pharmacy")
    return prescriber


@use_case
def receive_order(
    session: Session,
    actor: Actor,
    data: dict[str, Any],
    *,
    npi: str,
    identifiers: list[dict[str, Any]],
    group_identifier: dict[str, Any] | None,
    today: date,
) -> Received:
    """Take an electronic order through intake, as `fhir`, the actor its enterer."""
    prescriber = prescriber_for_npi(session, actor, npi)
    details = data["patient"]
    known = find_patient(
        session, details["first_name"], details["last_name"], details["date_of_birth"]
    )
    rx = run_intake(session, actor, data, prescriber=prescriber, source=SOURCE, today=today)
    rx.external_identifier = identifiers or None
    rx.group_identifier = group_identifier
    session.flush()
    audit.record(
        session,
        actor,
        "prescription.received",
        "prescription",
        rx.id,
        after={
            "source": SOURCE,
            "identifier": identifiers,
            "group_identifier": group_identifier,
        },
    )
    return Received(rx, patient_created=known is None)


@query
def search_prescriptions(
    session: Session,
    actor: Actor,
    *,
    patient_id: int | None,
    statuses: tuple[str, ...] | None,
    offset: int,
    count: int,
) -> tuple[list[Prescription], int]:
    """What the actor may see (a prescriber only their own), newest first."""
    chosen = visible_prescriptions(actor)
    if patient_id is not None:
        chosen = chosen.where(Prescription.patient_id == patient_id)
    if statuses is not None:
        chosen = chosen.where(Prescription.status.in_(statuses))
    total = session.execute(select(func.count()).select_from(chosen.subquery())).scalar_one()
    ordered = chosen.order_by(Prescription.created_at.desc(), Prescription.id.desc())
    items = session.execute(ordered.limit(count).offset(offset)).scalars()
    return list(items), int(total)


@query
def prescription_fills(
    session: Session, actor: Actor, prescription_id: int
) -> tuple[Prescription, list[Fill]]:
    """A prescription the actor may see, with its fills in order."""
    rx = get_prescription.in_session(session, actor, prescription_id)  # type: ignore[attr-defined]
    fills = session.execute(
        select(Fill).where(Fill.prescription_id == rx.id).order_by(Fill.fill_number)
    ).scalars()
    return rx, list(fills)
