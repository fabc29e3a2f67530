"""Filling a verified prescription from a released batch (DOMAIN.md §6, §10).

The quantity leaves the batch in one conditional UPDATE (`… WHERE quantity_on_hand >= :q`),
so two fills racing for the last units cannot both succeed: the loser gets 409.

Service functions:

- `create_fill(actor, prescription_id, batch_id, quantity, today,
  acknowledge_bud_warning=False) -> dict`
- `get_fill(actor, fill_id, today) -> dict` — plain data for the patient label: patient,
  prescriber, drug/strength/form, directions, quantity, refills remaining, fill date, lot
  number, BUD, storage, Rx number, pharmacy name/address/phone.
- `list_fills(actor, prescription_id) -> list[dict]`
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pharmacy import audit
from pharmacy.audit import Actor
from pharmacy.compounding.bud import bud_warning
from pharmacy.compounding.units import plain
from pharmacy.errors import Conflict, Invalid, NotFound
from pharmacy.models import Batch, Fill, PharmacyDetails, Prescription
from pharmacy.services.batches import batch_state, try_take_from_batch
from pharmacy.services.uow import query, use_case


def _locked_rx(session: Session, prescription_id: int) -> Prescription:
    rx = session.execute(
        select(Prescription).where(Prescription.id == prescription_id).with_for_update()
    ).scalar_one_or_none()
    if rx is None:
        raise NotFound("No such prescription.")
    return rx


def batch_mismatch(rx: Prescription, batch: Batch) -> str | None:
    """Why a batch cannot fill this prescription (form, basis, strength, or made for
    another patient), or None when it can."""
    if batch.dosage_form != rx.dosage_form:
        return f"the batch is a {batch.dosage_form}, the prescription is for a {rx.dosage_form}"
    if batch.dose_basis != rx.dose_basis:
        return f"the batch strength is as {batch.dose_basis}, the prescription's as {rx.dose_basis}"
    if rx.dosage_form == "capsule" and batch.strength_mg != rx.strength_mg:
        return (
            f"the batch is {plain(batch.strength_mg or Decimal(0))} mg capsules, the "
            f"prescription is for {plain(rx.strength_mg or Decimal(0))} mg"
        )
    if rx.dosage_form == "liquid" and batch.concentration_mg_per_ml != rx.concentration_mg_per_ml:
        return (
            f"the batch is {plain(batch.concentration_mg_per_ml or Decimal(0))} mg/mL, the "
            f"prescription is for {plain(rx.concentration_mg_per_ml or Decimal(0))} mg/mL"
        )
    if batch.prescription_id is not None and batch.prescription_id != rx.id:
        return f"batch {batch.lot_number} was made for another patient's prescription"
    return None


def _days_for(rx: Prescription, quantity: Decimal) -> int | None:
    if rx.days_supply is None:
        return None
    if quantity >= rx.quantity:
        return rx.days_supply
    days = (Decimal(rx.days_supply) * quantity / rx.quantity).to_integral_value(ROUND_FLOOR)
    return max(int(days), 1)


@use_case
def create_fill(
    session: Session,
    actor: Actor,
    prescription_id: int,
    *,
    batch_id: int,
    quantity: Decimal,
    today: date,
    acknowledge_bud_warning: bool = False,
) -> dict[str, Any]:
    rx = _locked_rx(session, prescription_id)
    if quantity <= 0:
        raise Invalid("quantity", "must be more than 0")
    if rx.dosage_form == "capsule" and quantity != quantity.to_integral_value():
        raise Invalid("quantity", "capsules are counted in whole numbers")
    if quantity > rx.quantity:
        raise Invalid("quantity", f"more than the {plain(rx.quantity)} prescribed")
    previous = session.execute(
        select(func.count()).select_from(Fill).where(Fill.prescription_id == rx.id)
    ).scalar_one()
    if rx.status == "verified" and previous == 0:
        refill = False
    elif rx.status == "filled":
        if rx.refills_remaining < 1:
            raise Conflict("No refills remain on this prescription.")
        refill = True
    else:
        raise Conflict(f"A {rx.status} prescription cannot be filled; it must be verified.")

    batch = session.get(Batch, batch_id)
    if batch is None:
        raise Invalid("batch_id", "no batch has this id")
    state = batch_state(batch, today)
    if state == "expired":
        raise Conflict(
            f"Batch {batch.lot_number} is past its BUD {batch.bud.isoformat()}; "
            "it cannot be dispensed.",
            {"batch_id": ["expired"]},
        )
    if state != "released":
        raise Conflict(
            f"Batch {batch.lot_number} is {state}; only a released batch can be dispensed.",
            {"batch_id": [state]},
        )
    mismatch = batch_mismatch(rx, batch)
    if mismatch:
        raise Invalid("batch_id", mismatch)

    days = _days_for(rx, quantity)
    warning = bud_warning(batch.bud, today, days) if days else None
    if warning and not acknowledge_bud_warning:
        raise Conflict(
            f"{warning} A pharmacist must acknowledge this to fill.",
            {"acknowledge_bud_warning": [warning]},
        )
    if warning and actor.role != "pharmacist":
        raise Conflict(
            f"{warning} Only a pharmacist can acknowledge it.",
            {"acknowledge_bud_warning": ["a pharmacist must acknowledge"]},
        )

    if not try_take_from_batch(session, batch, quantity, today):
        raise Conflict(
            f"Batch {batch.lot_number} has {plain(batch.quantity_on_hand)} {batch.unit} left; "
            f"{plain(quantity)} cannot be dispensed from it.",
            {"quantity": ["more than the batch has on hand"]},
        )

    before = {"status": rx.status, "refills_remaining": rx.refills_remaining}
    if refill:
        rx.refills_remaining -= 1
    rx.status = "filled"
    fill = Fill(
        prescription_id=rx.id,
        batch_id=batch.id,
        fill_number=int(previous),
        quantity=quantity,
        days_supply=days,
        filled_on=today,
        filled_by_user_id=actor.user_id,
        bud=batch.bud,
        bud_warning=warning,
        bud_acknowledged_by_user_id=actor.user_id if warning else None,
    )
    session.add(fill)
    session.flush()
    audit.record(
        session,
        actor,
        "fill.created",
        "fill",
        fill.id,
        after={
            "prescription_id": rx.id,
            "rx_number": rx.rx_number,
            "batch": batch.lot_number,
            "quantity": quantity,
            "fill_number": fill.fill_number,
            "bud_warning": warning,
            "batch_on_hand": batch.quantity_on_hand,
        },
    )
    audit.record(
        session,
        actor,
        "prescription.filled",
        "prescription",
        rx.id,
        before=before,
        after={"status": rx.status, "refills_remaining": rx.refills_remaining},
    )
    return fill_data(session, fill, today)


def fill_data(session: Session, fill: Fill, today: date) -> dict[str, Any]:
    rx, batch = fill.prescription, fill.batch
    patient, prescriber = rx.patient, rx.prescriber
    pharmacy = session.execute(select(PharmacyDetails)).scalars().first()
    if rx.dosage_form == "capsule":
        drug = f"Naltrexone HCl {plain(rx.strength_mg or Decimal(0))} mg capsule"
        unit = "capsules"
    else:
        drug = f"Naltrexone HCl {plain(rx.concentration_mg_per_ml or Decimal(0))} mg/mL oral liquid"
        unit = "mL"
    if rx.dose_basis == "base":
        drug = drug.replace("Naltrexone HCl", "Naltrexone (as base)")
    return {
        "id": fill.id,
        "prescription_id": rx.id,
        "rx_number": rx.rx_number,
        "fill_number": fill.fill_number,
        "is_refill": fill.fill_number > 0,
        "batch_id": batch.id,
        "lot_number": batch.lot_number,
        "quantity": fill.quantity,
        "quantity_text": f"{plain(fill.quantity)} {unit}",
        "days_supply": fill.days_supply,
        "filled_on": fill.filled_on,
        "bud": fill.bud,
        "storage": batch.storage,
        "bud_warning": fill.bud_warning,
        "refills_remaining": rx.refills_remaining,
        "drug": drug,
        "dosage_form": rx.dosage_form,
        "directions": rx.directions,
        "patient": {
            "id": patient.id,
            "name": patient.full_name,
            "date_of_birth": patient.date_of_birth,
        },
        "prescriber": {
            "id": prescriber.id,
            "name": prescriber.full_name,
            "phone": prescriber.phone,
        },
        "pharmacy": None
        if pharmacy is None
        else {"name": pharmacy.name, "address": pharmacy.address, "phone": pharmacy.phone},
    }


@query
def get_fill(session: Session, actor: Actor, fill_id: int, *, today: date) -> dict[str, Any]:
    fill = session.get(Fill, fill_id)
    if fill is None:
        raise NotFound("No such fill.")
    return fill_data(session, fill, today)


@query
def list_fills(
    session: Session, actor: Actor, prescription_id: int, *, today: date
) -> list[dict[str, Any]]:
    if session.get(Prescription, prescription_id) is None:
        raise NotFound("No such prescription.")
    fills = session.execute(
        select(Fill).where(Fill.prescription_id == prescription_id).order_by(Fill.fill_number)
    ).scalars()
    return [fill_data(session, f, today) for f in fills]
