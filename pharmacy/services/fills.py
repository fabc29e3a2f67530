"""Filling a verified prescription from a released batch (DOMAIN.md §6, §10).

The quantity leaves the batch in one conditional UPDATE (`… WHERE quantity_on_hand >= :q`),
so two fills racing for the last units cannot both succeed: the loser gets 409.

Service functions:

- `create_fill(actor, prescription_id, batch_id, quantity, today,
  acknowledge_bud_warning=False, steps=None) -> dict` — `steps` (plan step positions)
  fills a capsule titration one strength at a time: the fills of one course together
  cover the plan, and only a new course uses a refill.
- `get_fill(actor, fill_id, today) -> dict` — plain data for the patient label: patient,
  prescriber, drug/strength/form, directions, quantity, refills remaining, fill date, lot
  number, BUD, storage, Rx number, pharmacy name/address/phone.
- `list_fills(actor, prescription_id) -> list[dict]`

Which course a fill belongs to, and the days it supplies, are worked out in `fill_courses`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from pharmacy import audit
from pharmacy.audit import Actor
from pharmacy.compounding.bud import bud_warning
from pharmacy.compounding.fillers import allergic_to_lactose
from pharmacy.compounding.opioids import screen_medications
from pharmacy.compounding.rules import Rules
from pharmacy.compounding.units import plain
from pharmacy.errors import Conflict, Invalid, NotFound
from pharmacy.models import Batch, Fill, FillPayment, PharmacyDetails, Prescription
from pharmacy.services.batches import batch_has_lactose, batch_state, try_take_from_batch
from pharmacy.services.fill_courses import course_of_fill, days_supplied, fill_open, fills_of
from pharmacy.services.fill_directions import (
    directions_start,
    fill_directions,
    label_directions,
    label_language_of,
)
from pharmacy.services.fill_status import dispensing_fields
from pharmacy.services.payments import payment_view, payments_of
from pharmacy.services.prescriptions import locked_prescription
from pharmacy.services.pricing import price_fill
from pharmacy.services.rules import current_rules
from pharmacy.services.uow import query, use_case


def batch_mismatch(rx: Prescription, batch: Batch, *, by_step: bool = False) -> str | None:
    """Why a batch cannot fill this prescription (form, basis, strength, or made for
    another patient), or None when it can. Filled `by_step`, a capsule batch of another
    strength may serve the steps it divides (checked against the steps themselves)."""
    if batch.dosage_form != rx.dosage_form:
        return f"the batch is a {batch.dosage_form}, the prescription is for a {rx.dosage_form}"
    if batch.dose_basis != rx.dose_basis:
        return f"the batch strength is as {batch.dose_basis}, the prescription's as {rx.dose_basis}"
    if rx.dosage_form == "capsule" and not by_step and batch.strength_mg != rx.strength_mg:
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


def opioids_since_verification(rx: Prescription, rules: Rules) -> list[str]:
    """Opioids (hard stops) among medications the patient's record gained after this
    prescription came in, from a later prescription of any prescriber: the pharmacist
    verified it against its own list, not these."""
    sent = {m.casefold() for m in rx.patient_as_prescribed["current_medications"] or []}
    newer = [m for m in rx.patient.current_medications or [] if m.casefold() not in sent]
    stops = [m for m in screen_medications(newer, rules) if m.severity == "stop"]
    return sorted({m.ingredient for m in stops})


def lactose_conflict(rx: Prescription, batch: Batch) -> str | None:
    """Why this batch must not go to this patient, when their record lists a lactose
    allergy and the batch contains lactose."""
    if allergic_to_lactose(rx.patient.allergies) and batch_has_lactose(batch):
        return (
            f"batch {batch.lot_number} contains lactose and the patient's record lists a "
            "lactose allergy"
        )
    return None


def _check_quantity(rx: Prescription, quantity: Decimal) -> None:
    if quantity <= 0:
        raise Invalid("quantity", "must be more than 0")
    if rx.dosage_form == "capsule" and quantity != quantity.to_integral_value():
        raise Invalid("quantity", "capsules are counted in whole numbers")
    if quantity > rx.quantity:
        raise Invalid("quantity", f"more than the {plain(rx.quantity)} prescribed")


def _dispensable_batch(
    session: Session, rx: Prescription, batch_id: int, today: date, *, by_step: bool
) -> Batch:
    """The batch, when it is released, in date, fits the prescription and is safe for the
    patient (no lactose against a lactose allergy)."""
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
    mismatch = batch_mismatch(rx, batch, by_step=by_step)
    if mismatch:
        raise Invalid("batch_id", mismatch)
    allergy = lactose_conflict(rx, batch)
    if allergy:
        raise Conflict(f"Cannot dispense: {allergy}.", {"batch_id": [allergy]})
    return batch


def _reviewed_opioids(
    session: Session, actor: Actor, rx: Prescription, acknowledged: bool
) -> list[str]:
    """Opioids the patient's record gained since verification: the pharmacist must have
    reviewed them before anything is dispensed. Returned for the fill's audit event."""
    opioids_now = opioids_since_verification(rx, current_rules(session))
    if opioids_now and not (acknowledged and actor.role == "pharmacist"):
        found = ", ".join(opioids_now)
        why = (
            f"the patient's record now lists an opioid ({found}) this prescription was not "
            "checked against"
        )
        who = (
            "A pharmacist must review it and acknowledge"
            if actor.role == "pharmacist"
            else ("Only a pharmacist can review it and acknowledge")
        )
        raise Conflict(
            f"Cannot dispense yet: {why}. {who} to fill.", {"acknowledge_opioid_update": [why]}
        )
    return opioids_now


def _acknowledged_bud_warning(
    actor: Actor, batch: Batch, today: date, days: int | None, acknowledged: bool
) -> str | None:
    """A warning when the batch's BUD falls before the supply runs out; only a pharmacist
    may acknowledge it and fill anyway."""
    warning = bud_warning(batch.bud, today, days) if days else None
    if warning and not acknowledged:
        raise Conflict(
            f"{warning} A pharmacist must acknowledge this to fill.",
            {"acknowledge_bud_warning": [warning]},
        )
    if warning and actor.role != "pharmacist":
        raise Conflict(
            f"{warning} Only a pharmacist can acknowledge it.",
            {"acknowledge_bud_warning": ["a pharmacist must acknowledge"]},
        )
    return warning


def _take_quantity_from(session: Session, batch: Batch, quantity: Decimal, today: date) -> None:
    # One conditional UPDATE: of two fills racing for the last units, the loser gets 409.
    if not try_take_from_batch(session, batch, quantity, today):
        raise Conflict(
            f"Batch {batch.lot_number} has {plain(batch.quantity_on_hand)} {batch.unit} left; "
            f"{plain(quantity)} cannot be dispensed from it.",
            {"quantity": ["more than the batch has on hand"]},
        )


def _record_fill_events(
    session: Session,
    actor: Actor,
    fill: Fill,
    rx: Prescription,
    batch: Batch,
    *,
    before: dict[str, Any],
    opioids_reviewed: list[str],
) -> None:
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
            "quantity": fill.quantity,
            "fill_number": fill.fill_number,
            "course_number": fill.course_number,
            "step_positions": fill.step_positions,
            "bud_warning": fill.bud_warning,
            "opioids_reviewed": opioids_reviewed,
            "batch_on_hand": batch.quantity_on_hand,
            "price": fill.price,
            "currency": fill.currency,
            "cost": fill.cost,
            "pricing_rules": (fill.price_breakdown or {}).get("rules_version"),
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
    steps: list[int] | None = None,
    acknowledge_opioid_update: bool = False,
    large_print: bool = False,
) -> dict[str, Any]:
    rx = locked_prescription(session, prescription_id)
    _check_quantity(rx, quantity)
    earlier = fills_of(session, rx)
    positions = sorted(set(steps)) if steps else None
    refill, course_number = course_of_fill(rx, earlier, positions)
    batch = _dispensable_batch(session, rx, batch_id, today, by_step=positions is not None)
    opioids_now = _reviewed_opioids(session, actor, rx, acknowledge_opioid_update)
    days = days_supplied(rx, batch, quantity, positions)
    warning = _acknowledged_bud_warning(actor, batch, today, days, acknowledge_bud_warning)
    _take_quantity_from(session, batch, quantity, today)

    before = {"status": rx.status, "refills_remaining": rx.refills_remaining}
    if refill:
        rx.refills_remaining -= 1
    rx.status = "filled"
    fill = Fill(
        prescription_id=rx.id,
        batch_id=batch.id,
        fill_number=len(earlier),
        course_number=course_number,
        step_positions=positions,
        quantity=quantity,
        days_supply=days,
        filled_on=today,
        filled_by_user_id=actor.user_id,
        bud=batch.bud,
        bud_warning=warning,
        bud_acknowledged_by_user_id=actor.user_id if warning else None,
        large_print=large_print,
    )
    first_of_course = not any(f.course_number == course_number for f in earlier)
    price_fill(session, fill, rx, batch, current_rules(session), first_of_course=first_of_course)
    session.add(fill)
    session.flush()
    _record_fill_events(
        session, actor, fill, rx, batch, before=before, opioids_reviewed=opioids_now
    )
    return fill_data(session, fill, today)


def drug_line(fill: Fill) -> str:
    """``"Naltrexone HCl 4.5 mg capsule"`` or ``"Naltrexone HCl 1 mg/mL oral liquid"``."""
    rx, batch = fill.prescription, fill.batch
    if rx.dosage_form == "capsule":
        # The batch's strength: a titration filled one strength at a time has several.
        drug = f"Naltrexone HCl {plain(batch.strength_mg or Decimal(0))} mg capsule"
    else:
        drug = f"Naltrexone HCl {plain(rx.concentration_mg_per_ml or Decimal(0))} mg/mL oral liquid"
    if rx.dose_basis == "base":
        drug = drug.replace("Naltrexone HCl", "Naltrexone (as base)")
    return drug


@dataclass(frozen=True)
class Shared:
    """What a list of fills reads once for all of them instead of once a fill: the
    pharmacy's details and every fill's payment."""

    pharmacy: PharmacyDetails | None
    payments: dict[int, FillPayment]


def shared_by(session: Session, fills: list[Fill]) -> Shared:
    return Shared(
        pharmacy=session.execute(select(PharmacyDetails)).scalars().first(),
        payments=payments_of(session, [fill.id for fill in fills]),
    )


def fill_data(
    session: Session,
    fill: Fill,
    today: date,
    rules: Rules | None = None,
    shared: Shared | None = None,
    start: date | None = None,
) -> dict[str, Any]:
    """A fill as the API, the label and the leaflet read it. ``start`` is the day its
    directions are dated from (`directions_start`), when the caller has read it already."""
    rx, batch = fill.prescription, fill.batch
    patient, prescriber = rx.patient, rx.prescriber
    shared = shared or shared_by(session, [fill])
    pharmacy = shared.pharmacy
    drug = drug_line(fill)
    unit = "capsules" if rx.dosage_form == "capsule" else "mL"
    rules = rules or current_rules(session)
    start = start or directions_start(session, fill)
    directions = fill_directions(fill, rules, start)
    # What the label prints, in the label's language: the whole plan in one sentence.
    printed = label_directions(
        fill, rules, start, label_language_of(rx, rules), lambda day: day.isoformat()
    )
    return {
        "id": fill.id,
        "prescription_id": rx.id,
        "rx_number": rx.rx_number,
        "fill_number": fill.fill_number,
        "is_refill": fill.course_number > 0,
        "course_number": fill.course_number,
        "step_positions": fill.step_positions,
        "large_print": fill.large_print,
        "batch_id": batch.id,
        "lot_number": batch.lot_number,
        "quantity": fill.quantity,
        "quantity_text": f"{plain(fill.quantity)} {unit}",
        "days_supply": fill.days_supply,
        "filled_on": fill.filled_on,
        "bud": fill.bud,
        "storage": batch.storage,
        "bud_warning": fill.bud_warning,
        # As it was when this fill was made (what its label said): each course after the
        # first used one refill.
        "refills_remaining": max(rx.refills - fill.course_number, 0),
        "drug": drug,
        "dosage_form": rx.dosage_form,
        "directions": printed.concise,  # the sentence the container label prints
        "direction_lines": directions,  # the dated steps (leaflet), a line per step
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
        **dispensing_fields(fill),
        # Fixed when it was filled (DOMAIN.md §12); a technician's view drops the cost.
        "price": fill.price,
        "currency": fill.currency,
        "cost": fill.cost,
        "price_breakdown": fill.price_breakdown,
        # What was paid at hand-over, and any balance (services/payments.py).
        "payment": payment_view(shared.payments.get(fill.id), fill.price),
    }


@query
def get_fill(session: Session, actor: Actor, fill_id: int, *, today: date) -> dict[str, Any]:
    fill = session.get(Fill, fill_id)
    if fill is None:
        raise NotFound("No such fill.")
    return fill_data(session, fill, today)


@query
def can_fill(session: Session, actor: Actor, prescription_id: int) -> bool:
    rx = session.get(Prescription, prescription_id)
    return rx is not None and fill_open(session, rx)


@query
def list_fills(
    session: Session, actor: Actor, prescription_id: int, *, today: date
) -> list[dict[str, Any]]:
    if session.get(Prescription, prescription_id) is None:
        raise NotFound("No such prescription.")
    fills = list(
        session.execute(
            select(Fill)
            .where(Fill.prescription_id == prescription_id)
            .order_by(Fill.fill_number)
            .options(selectinload(Fill.batch))
        ).scalars()
    )
    rules, shared = current_rules(session), shared_by(session, fills)
    return [fill_data(session, f, today, rules, shared) for f in fills]
