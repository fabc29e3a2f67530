"""Product verification by a pharmacist, by scan (DOMAIN.md §9): the patient label's
barcode against the fill, the container's lot barcode against the batch dispensed (still
usable), the count or volume against the fill's, then the verification e-signature.

A mismatch is refused with its reasons, one per field, and the attempt is recorded (a
`product_checks` row and an audit event) in its own transaction, so the refusal stays on
the record although nothing about the fill changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy import audit
from pharmacy.audit import Actor
from pharmacy.compounding.units import plain
from pharmacy.errors import Conflict, Forbidden
from pharmacy.models import Batch, Fill, ProductCheck
from pharmacy.models._types import utcnow
from pharmacy.services.batches import batch_state
from pharmacy.services.dispensing.states import locked_fill, record_step, require_status
from pharmacy.services.fill_status import label_barcode
from pharmacy.services.fills import fill_data
from pharmacy.services.signatures import check_signature
from pharmacy.services.uow import use_case


@dataclass(frozen=True)
class Scan:
    label: str
    lot: str
    quantity: Decimal


def _label_problem(fill: Fill, scanned: str) -> str | None:
    expected = label_barcode(fill)
    if scanned == expected:
        return None
    rx_number = fill.prescription.rx_number
    if scanned.startswith(f"{rx_number}-"):
        return f"this is the label of another fill of {rx_number} ({scanned}), not {expected}"
    if scanned == rx_number:
        return f"this barcode names the prescription only; scan the fill's label ({expected})"
    return f"this is not the label of this fill ({expected}): scanned {scanned}"


def _lot_problem(session: Session, fill: Fill, scanned: str, today: date) -> str | None:
    batch: Batch = fill.batch
    if scanned != batch.lot_number:
        other = session.execute(
            select(Batch).where(Batch.lot_number == scanned)
        ).scalar_one_or_none()
        if other is None:
            return f"no batch has lot {scanned}; the fill was dispensed from {batch.lot_number}"
        state = batch_state(other, today)
        also = "" if state == "released" else f" (and that batch is {state})"
        return f"batch {scanned} is not the one dispensed ({batch.lot_number}){also}"
    state = batch_state(batch, today)
    if state == "expired":
        return f"batch {batch.lot_number} is past its BUD {batch.bud.isoformat()}"
    if state != "released":
        return f"batch {batch.lot_number} is {state}; it must not leave the pharmacy"
    return None


def _count_problem(fill: Fill, counted: Decimal) -> str | None:
    if counted == fill.quantity:
        return None
    unit = "capsules" if fill.prescription.dosage_form == "capsule" else "mL"
    return f"counted {plain(counted)} {unit}; the fill is {plain(fill.quantity)} {unit}"


def _problems(session: Session, fill: Fill, scan: Scan, today: date) -> dict[str, list[str]]:
    found = {
        "scanned_label": _label_problem(fill, scan.label),
        "scanned_lot": _lot_problem(session, fill, scan.lot, today),
        "quantity": _count_problem(fill, scan.quantity),
    }
    return {field: [text] for field, text in found.items() if text}


def _log(session: Session, actor: Actor, fill: Fill, scan: Scan, problems: dict[str, Any]) -> None:
    outcome = "refused" if problems else "verified"
    session.add(
        ProductCheck(
            fill_id=fill.id,
            outcome=outcome,
            reasons=problems,
            scanned_label=scan.label[:120],
            scanned_lot=scan.lot[:120],
            quantity=scan.quantity,
            checked_by_user_id=actor.user_id,
        )
    )
    if problems:
        audit.record(
            session,
            actor,
            "fill.product_verification_refused",
            "fill",
            fill.id,
            after={"reasons": problems, "scanned_label": scan.label, "scanned_lot": scan.lot},
        )


@use_case
def _check(
    session: Session, actor: Actor, fill_id: int, scan: Scan, password: str, today: date
) -> tuple[dict[str, list[str]], dict[str, Any]]:
    if actor.role != "pharmacist":
        raise Forbidden("Only a pharmacist verifies the product.")
    fill = locked_fill(session, fill_id)
    require_status(fill, "labeled", doing="verify the product of")
    problems = _problems(session, fill, scan, today)
    if problems:
        _log(session, actor, fill, scan, problems)  # committed: the refusal is on record
        return problems, {"rx_label": label_barcode(fill)}
    signer = check_signature(session, actor, password)
    _log(session, actor, fill, scan, {})
    fill.status = "product_verified"
    fill.product_verified_at = utcnow()
    fill.product_verified_by_user_id = signer.id
    record_step(
        session,
        actor,
        fill,
        "product_verified",
        scanned_label=scan.label,
        scanned_lot=scan.lot,
        quantity=scan.quantity,
        signed_by=signer.username,
    )
    return {}, fill_data(session, fill, today)


def verify_product(
    actor: Actor,
    fill_id: int,
    *,
    scanned_label: str,
    scanned_lot: str,
    quantity: Decimal,
    password: str,
    today: date,
) -> dict[str, Any]:
    """The fill, now `product_verified`; or Conflict naming each field that did not match
    (the refused attempt is recorded all the same)."""
    scan = Scan(scanned_label.strip(), scanned_lot.strip(), quantity)
    problems, data = _check(actor, fill_id, scan, password, today)
    if problems:
        reasons = "; ".join(text for texts in problems.values() for text in texts)
        raise Conflict(f"Product verification refused: {reasons}.", problems)
    return data
