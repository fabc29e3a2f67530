"""Refill requests: a pharmacist records one taken by phone (or fax, or at the counter),
a prescriber asks through the portal for their own patient; each waits in the queue until
a pharmacist closes it (done or declined, with a note). Every step is audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy import audit
from pharmacy.audit import Actor
from pharmacy.errors import Conflict, Invalid, NotFound
from pharmacy.models import Prescription, RefillRequest
from pharmacy.models._types import utcnow
from pharmacy.services.uow import query, use_case

REQUESTABLE = ("verified", "filled")
CLOSING = ("done", "declined")


def _prescription(session: Session, actor: Actor, prescription_id: int) -> Prescription:
    rx = session.get(Prescription, prescription_id)
    if rx is None or (actor.role == "prescriber" and rx.prescriber_id != actor.prescriber_id):
        raise NotFound("No such prescription.")
    return rx


@use_case
def request_refill(
    session: Session,
    actor: Actor,
    prescription_id: int,
    *,
    source: str,
    requested_by_name: str = "",
    note: str = "",
) -> RefillRequest:
    rx = _prescription(session, actor, prescription_id)
    if actor.role == "prescriber":
        source = "prescriber_portal"
    elif source == "prescriber_portal":
        raise Invalid("source", "A pharmacist records a request taken by phone, fax or in person.")
    if rx.status not in REQUESTABLE:
        raise Conflict(f"{rx.rx_number} is {rx.status.replace('_', ' ')}: it cannot be refilled.")
    if rx.refills_remaining < 1:
        raise Conflict(f"{rx.rx_number} has no refills left: ask the prescriber for a new "
                       "prescription.")
    request = RefillRequest(
        prescription_id=rx.id, status="open", source=source,
        requested_by_name=requested_by_name.strip(), note=note.strip(),
        recorded_by_user_id=actor.user_id,
    )
    session.add(request)
    session.flush()
    audit.record(session, actor, "refill.requested", "refill_request", request.id,
                 after={"prescription_id": rx.id, "source": source})
    return request


@use_case
def close_refill_request(
    session: Session, actor: Actor, request_id: int, *, outcome: str, note: str
) -> RefillRequest:
    if outcome not in CLOSING:
        raise Invalid("outcome", "Choose done or declined.")
    if outcome == "declined" and not note.strip():
        raise Invalid("note", "Say why the refill is declined.")
    request = session.get(RefillRequest, request_id, with_for_update={"of": RefillRequest})
    if request is None:
        raise NotFound("No such refill request.")
    if request.status != "open":
        raise Conflict(f"This request is already {request.status}.")
    request.status = outcome
    request.outcome = note.strip() or None
    request.closed_by_user_id = actor.user_id
    request.closed_at = utcnow()
    audit.record(session, actor, f"refill.{outcome}", "refill_request", request.id,
                 before={"status": "open"}, after={"status": outcome}, reason=request.outcome)
    return request


@query
def refill_queue(
    session: Session, actor: Actor, *, status: str = "open", limit: int = 100
) -> list[RefillRequest]:
    stmt = select(RefillRequest).where(RefillRequest.status == status)
    if actor.role == "prescriber":
        stmt = stmt.join(Prescription).where(Prescription.prescriber_id == actor.prescriber_id)
    stmt = stmt.order_by(RefillRequest.requested_at, RefillRequest.id).limit(limit)
    return list(session.execute(stmt).scalars())


def request_data(request: RefillRequest) -> dict[str, Any]:
    rx = request.prescription
    return {
        "id": request.id, "status": request.status, "source": request.source,
        "prescription_id": rx.id, "rx_number": rx.rx_number,
        "patient_id": rx.patient_id, "patient_name": rx.patient.full_name,
        "requested_by_name": request.requested_by_name, "note": request.note,
        "requested_at": request.requested_at, "closed_at": request.closed_at,
        "outcome": request.outcome,
    }
