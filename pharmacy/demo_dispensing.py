"""Demo work in the pharmacy (issue 22): a released capsule batch and fills from it at each
step of dispensing (picked up, ready on the will-call shelf, waiting for the pharmacist's
product check, just filled), a prescription whose supply runs out within the week (a
refill due) and an ingredient lot expiring this month, so the dashboards, the search and
the profiles show work on a first run. Everything goes through the services, as the
pharmacy's staff would do it: plan, record and release the batch, fill, print the label,
scan it, shelve it, hand it over."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from pharmacy.audit import Actor
from pharmacy.models import Prescription
from pharmacy.services import batches, fills, prescriptions, printing
from pharmacy.services.dispensing import mark_ready, record_pickup, verify_product
from schema.prescriptions import PrescriptionIn

BATCH = {"formula_code": "ldn-capsule-mcc", "strength_mg": Decimal("4.5"), "quantity": Decimal(200)}
# How far each demo fill goes: picked up, ready, waiting for the product check, filled.
STAGES = ("picked_up", "picked_up", "ready", "ready", "labeled", "labeled", "filled")
SHORT_SUPPLY = {  # a week's supply with refills left: due for a refill within the week
    "patient": {
        "first_name": "Rosa",
        "last_name": "Weekly",
        "date_of_birth": "1959-04-18",
        "address": "40 Mill Street, Springfield, IL 62704",
        "phone": "(217) 555-0160",
        "current_medications": ["lisinopril 10 mg"],
    },
    "dosage_form": "capsule",
    "strength_mg": "4.5",
    "dose_mg": "4.5",
    "days_supply": 7,
    "refills": 3,
    "filler": "mcc",
    "opioid_attestation": True,
}


def expiring_lot() -> tuple[str, str, str, str, str, str, dict[str, Any]]:
    """A lot of an excipient the capsule batch does not use, expiring at the end of this
    month (within the 30 days the dashboard looks ahead)."""
    return (
        "sodium-benzoate",
        "Spectrum",
        "SBZ-0911",
        date.today().strftime("%Y-%m"),
        "50",
        "g",
        {},
    )


def _released_batch(
    session: Session, actors: dict[str, Actor], password: str, today: date
) -> dict[str, Any]:
    tech, pharmacist = actors["technician"], actors["pharmacist"]
    batch = batches.create_batch.in_session(session, tech, dict(BATCH), today=today)  # type: ignore[attr-defined]
    actuals = [
        {"ingredient_lot_id": c["ingredient_lot_id"], "actual_mg": Decimal(c["theoretical_amount"])}
        for c in batch["components"]
        if c["ingredient_lot_id"] is not None
    ]
    check = batch["weight_check"]
    weights = [Decimal(check["theoretical_mg"])] * check["sample"] if check else []
    batches.record_batch.in_session(  # type: ignore[attr-defined]
        session, tech, batch["id"], actuals=actuals, capsule_weights_mg=weights, today=today
    )
    released: dict[str, Any] = batches.release_batch.in_session(  # type: ignore[attr-defined]
        session, pharmacist, batch["id"], password=password, today=today
    )
    return released


def _fixed_dose(verified: list[Prescription]) -> list[Prescription]:
    return [
        rx
        for rx in verified
        if rx.status == "verified" and rx.dose_mg == Decimal("4.5") and not rx.steps
    ]


def seed_fills(
    session: Session,
    actors: dict[str, Actor],
    password: str,
    today: date,
    verified: list[Prescription],
) -> list[tuple[dict[str, Any], str]]:
    """In the demo's transaction: the batch, the fills and their labels. Returns each fill
    with how far it should go (finish_fills takes it on)."""
    batch = _released_batch(session, actors, password, today)
    tech = actors["technician"]
    short = prescriptions.create_prescription.in_session(  # type: ignore[attr-defined]
        session, actors["drgrey"], PrescriptionIn().load(SHORT_SUPPLY), today=today
    )
    short = prescriptions.verify_prescription.in_session(  # type: ignore[attr-defined]
        session, actors["pharmacist"], short.id, password=password, acknowledge_warnings=True
    )
    chosen = [short, *_fixed_dose(verified)][: len(STAGES)]
    made = []
    for rx, stage in zip(chosen, STAGES, strict=False):
        fill = fills.create_fill.in_session(  # type: ignore[attr-defined]
            session, tech, rx.id, batch_id=batch["id"], quantity=rx.quantity, today=today
        )
        if stage != "filled":
            printing.patient_label.in_session(  # type: ignore[attr-defined]
                session, tech, fill["id"], stock_code=None, reason=None, today=today
            )
        made.append((fill, stage))
    return made


def finish_fills(
    actors: dict[str, Actor], password: str, today: date, made: list[tuple[dict[str, Any], str]]
) -> None:
    """After the demo's transaction (the product check keeps its own record of each scan):
    the pharmacist scans, the technician shelves, the patient collects."""
    for fill, stage in made:
        if stage not in ("ready", "picked_up"):
            continue
        verify_product(
            actors["pharmacist"],
            fill["id"],
            scanned_label=fill["label_barcode"],
            scanned_lot=fill["lot_number"],
            quantity=Decimal(fill["quantity"]),
            password=password,
            today=today,
        )
        mark_ready(actors["technician"], fill["id"], handover="pickup", today=today)
        if stage == "picked_up":
            record_pickup(
                actors["technician"],
                fill["id"],
                collected_by="patient",
                agent_name=None,
                counselling_offered=True,
                today=today,
            )


__all__ = ["expiring_lot", "finish_fills", "seed_fills"]
