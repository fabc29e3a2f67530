"""The pharmacist's decisions on a prescription: verify (with an electronic signature),
reject, override a hold, void, and correct (a new version through intake)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from pharmacy import audit
from pharmacy.audit import Actor
from pharmacy.errors import Conflict, Invalid, NotFound
from pharmacy.models import Fill, Prescriber, Prescription
from pharmacy.models._types import utcnow
from pharmacy.services.prescriptions.intake import run_intake, snapshot
from pharmacy.services.signatures import check_signature
from pharmacy.services.uow import use_case

VERIFY_MEANING = (
    "I have reviewed this prescription, its dose, directions and the patient's medications, "
    "and I approve it for compounding."
)


def locked_prescription(session: Session, prescription_id: int) -> Prescription:
    """The prescription, locked for the rest of the transaction (state changes serialise)."""
    rx = session.execute(
        select(Prescription)
        .where(Prescription.id == prescription_id)
        .with_for_update()
        .execution_options(populate_existing=True)  # as it is now, not as first read
    ).scalar_one_or_none()
    if rx is None:
        raise NotFound("No such prescription.")
    return rx


def _require_verifiable(rx: Prescription) -> None:
    if rx.status == "on_hold":
        raise Conflict("This prescription is on hold; resolve or override the hold first.")
    if rx.status != "submitted":
        raise Conflict(f"A {rx.status} prescription cannot be verified.")


@use_case
def verify_prescription(
    session: Session,
    actor: Actor,
    prescription_id: int,
    *,
    password: str,
    acknowledge_warnings: bool = False,
) -> Prescription:
    """The pharmacist's electronic signature: the password re-entered, with the printed
    name, time and meaning stored."""
    # The signature is checked before the row is locked: its password hash is slow on
    # purpose (a few hundred ms of CPU), and a pharmacist verifying the same prescription
    # at the same time then waits only for this one's last statements, not for the hash.
    # The refusals that need no signature come first, as before.
    found = session.get(Prescription, prescription_id)
    if found is None:
        raise NotFound("No such prescription.")
    _require_verifiable(found)
    user = check_signature(session, actor, password)
    rx = locked_prescription(session, prescription_id)
    _require_verifiable(rx)  # again, locked: another pharmacist may have just verified it
    if rx.acknowledgements_required and not acknowledge_warnings:
        raise Conflict("Acknowledge before verifying: " + " ".join(rx.acknowledgements_required))
    before = snapshot(rx)
    rx.status = "verified"
    rx.verified_by_user_id = actor.user_id
    rx.verified_at = utcnow()
    rx.signature_name = user.full_name
    rx.signature_meaning = VERIFY_MEANING
    audit.record(
        session,
        actor,
        "prescription.verified",
        "prescription",
        rx.id,
        before=before,
        after={
            **snapshot(rx),
            "signature_name": rx.signature_name,
            "signature_meaning": rx.signature_meaning,
            "acknowledged": list(rx.acknowledgements_required or []),
        },
    )
    return rx


@use_case
def reject_prescription(
    session: Session, actor: Actor, prescription_id: int, *, reason: str
) -> Prescription:
    rx = locked_prescription(session, prescription_id)
    if rx.status not in ("submitted", "on_hold"):
        raise Conflict(f"A {rx.status} prescription cannot be rejected.")
    before = snapshot(rx)
    rx.status = "rejected"
    rx.rejected_reason = reason
    audit.record(
        session,
        actor,
        "prescription.rejected",
        "prescription",
        rx.id,
        before=before,
        after=snapshot(rx),
        reason=reason,
    )
    return rx


@use_case
def override_hold(
    session: Session, actor: Actor, prescription_id: int, *, reason: str
) -> Prescription:
    rx = locked_prescription(session, prescription_id)
    if rx.status != "on_hold":
        raise Conflict(f"Only a prescription on hold can be overridden; this one is {rx.status}.")
    before = snapshot(rx)
    rx.status = "submitted"
    rx.override_reason = reason
    rx.override_by_user_id = actor.user_id
    audit.record(
        session,
        actor,
        "prescription.hold_overridden",
        "prescription",
        rx.id,
        before=before,
        after=snapshot(rx),
        reason=reason,
    )
    return rx


def _has_fills(session: Session, rx: Prescription) -> bool:
    return bool(session.execute(select(exists().where(Fill.prescription_id == rx.id))).scalar())


def _voidable(session: Session, rx: Prescription, what: str) -> None:
    if rx.status in ("voided", "rejected"):
        raise Conflict(f"A {rx.status} prescription cannot be {what}.")
    if _has_fills(session, rx):
        raise Conflict(
            f"This prescription has been dispensed, so it cannot be {what}; its record stays "
            "as it is (recall the batch if the medicine must come back)."
        )


@use_case
def void_prescription(
    session: Session, actor: Actor, prescription_id: int, *, reason: str
) -> Prescription:
    """Void a prescription entered in error. Clinical records are never deleted: the row
    stays, marked void with the reason."""
    rx = locked_prescription(session, prescription_id)
    _voidable(session, rx, "voided")
    before = snapshot(rx)
    rx.status = "voided"
    rx.void_reason = reason
    audit.record(
        session,
        actor,
        "prescription.voided",
        "prescription",
        rx.id,
        before=before,
        after=snapshot(rx),
        reason=reason,
    )
    return rx


@use_case
def correct_prescription(
    session: Session,
    actor: Actor,
    prescription_id: int,
    data: dict[str, Any],
    *,
    reason: str,
    today: date,
) -> Prescription:
    """A correction is a new version: the corrected prescription goes through intake again
    (same prescriber and source, new Rx number, `supersedes_id` pointing back) and the old
    one is voided with the reason, in one transaction."""
    old = locked_prescription(session, prescription_id)
    _voidable(session, old, "corrected")
    requested = data.get("prescriber_id")
    if requested is not None and requested != old.prescriber_id:
        raise Invalid("prescription.prescriber_id", "a correction keeps the original prescriber")
    if data.get("source") not in (None, old.source):
        raise Invalid("prescription.source", "a correction keeps the original source")
    before = snapshot(old)
    old.status = "voided"
    old.void_reason = reason
    session.flush()
    prescriber = session.get(Prescriber, old.prescriber_id)
    if prescriber is None:  # cannot happen while the foreign key holds
        raise NotFound("The prescription's prescriber record is missing.")
    new = run_intake(
        session,
        actor,
        data,
        prescriber=prescriber,
        source=old.source,
        today=today,
        supersedes_id=old.id,
    )
    audit.record(
        session,
        actor,
        "prescription.corrected",
        "prescription",
        old.id,
        before=before,
        after={**snapshot(old), "superseded_by": new.id},
        reason=reason,
    )
    return new


