"""A patient's profile: who they are and their allergies, the medications reported on each
prescription, every prescription with its status, every fill with its batch lot and the
ingredient lots in that batch, the label prints, and the opioid holds with their
overrides. Pharmacy staff see the whole record; a prescriber sees the patient only through
their own prescriptions, and the details as they themselves sent them."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, lazyload

from pharmacy.audit import Actor
from pharmacy.errors import NotFound
from pharmacy.models import Batch, Fill, Patient, Prescription, PrintLog, User
from pharmacy.services.uow import query

NO_PATIENT = "No such patient."


def _prescriptions(session: Session, actor: Actor, patient_id: int) -> list[Prescription]:
    stmt = (
        select(Prescription)
        .options(joinedload(Prescription.prescriber), lazyload(Prescription.steps))
        .where(Prescription.patient_id == patient_id)
    )
    if actor.role == "prescriber":
        stmt = stmt.where(Prescription.prescriber_id == actor.prescriber_id)
    stmt = stmt.order_by(Prescription.created_at.desc(), Prescription.id.desc())
    return list(session.execute(stmt).scalars())


def _details(patient: Patient, rxs: list[Prescription], actor: Actor) -> dict[str, Any]:
    if actor.role == "prescriber":
        shown = rxs[0].patient_as_prescribed  # the newest of their own
    else:
        shown = {
            name: getattr(patient, name)
            for name in ("address", "phone", "allergies", "current_medications", "conditions")
        }
    return {
        "id": patient.id,
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "date_of_birth": patient.date_of_birth,
        "address": shown["address"] or "",
        "phone": shown["phone"] or "",
        "allergies": list(shown["allergies"] or []),
        "current_medications": list(shown["current_medications"] or []),
        "conditions": list(shown.get("conditions") or []),
    }


def _medication_history(rxs: list[Prescription]) -> list[dict[str, Any]]:
    """What each prescription said the patient was taking, newest first."""
    return [
        {
            "reported_on": rx.created_at.date(),
            "prescription_id": rx.id,
            "rx_number": rx.rx_number,
            "source": rx.source,
            "medications": list(rx.patient_as_prescribed["current_medications"] or []),
        }
        for rx in rxs
    ]


def _ingredient_lots(batch: Batch) -> list[dict[str, Any]]:
    lots = []
    for component in batch.components:
        lot = component.ingredient_lot
        if lot is not None:
            lots.append(
                {
                    "kind": "lot",
                    "id": lot.id,
                    "number": lot.manufacturer_lot,
                    "description": lot.item.name,
                    "manufacturer": lot.manufacturer,
                    "expiry": lot.expiry,
                }
            )
        elif component.source_batch is not None:
            lots.append(
                {
                    "kind": "batch",
                    "id": component.source_batch.id,
                    "number": component.source_batch.lot_number,
                    "description": component.description,
                    "manufacturer": "",
                    "expiry": component.source_batch.bud,
                }
            )
    return lots


def _fills(session: Session, rx_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    by_rx: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not rx_ids:
        return by_rx
    fills = (
        session.execute(
            select(Fill)
            .options(
                lazyload(Fill.prescription),  # the profile has them already
                joinedload(Fill.batch).joinedload(Batch.components),  # one query, not two
            )
            .where(Fill.prescription_id.in_(rx_ids))
            .order_by(Fill.prescription_id, Fill.fill_number)
        )
        .unique()
        .scalars()
    )
    for fill in fills:
        by_rx[fill.prescription_id].append(
            {
                "id": fill.id,
                "fill_number": fill.fill_number,
                "filled_on": fill.filled_on,
                "quantity": fill.quantity,
                "days_supply": fill.days_supply,
                "supply_ends_on": fill.supply_ends_on,
                "status": getattr(fill, "status", "filled"),
                "batch_id": fill.batch_id,
                "batch_lot_number": fill.batch.lot_number,
                "bud": fill.bud,
                "ingredient_lots": _ingredient_lots(fill.batch),
            }
        )
    return by_rx


def _label_prints(session: Session, fill_ids: list[int]) -> list[dict[str, Any]]:
    if not fill_ids:
        return []
    rows = session.execute(
        select(PrintLog, User.full_name)
        .outerjoin(User, User.id == PrintLog.printed_by_user_id)
        .where(PrintLog.document == "patient_label", PrintLog.entity_id.in_(fill_ids))
        .order_by(PrintLog.printed_at.desc(), PrintLog.id.desc())
    ).all()
    return [
        {
            "fill_id": log.entity_id,
            "printed_at": log.printed_at,
            "copies": log.copies,
            "stock": log.stock,
            "is_reprint": log.is_reprint,
            "reason": log.reason,
            "printed_by": name or "",
        }
        for log, name in rows
    ]


def _holds(session: Session, rxs: list[Prescription]) -> list[dict[str, Any]]:
    held = [rx for rx in rxs if rx.hold_reasons]
    overriders = {rx.override_by_user_id for rx in held if rx.override_by_user_id}
    names = (
        dict(
            session.execute(select(User.id, User.full_name).where(User.id.in_(overriders)))
            .tuples()
            .all()
        )
        if overriders
        else {}
    )
    return [
        {
            "prescription_id": rx.id,
            "rx_number": rx.rx_number,
            "reasons": list(rx.hold_reasons),
            "status": rx.status,
            "override_reason": rx.override_reason,
            "overridden_by": names.get(rx.override_by_user_id or 0),
        }
        for rx in held
    ]


def _prescription_row(rx: Prescription, fills: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": rx.id,
        "rx_number": rx.rx_number,
        "status": rx.status,
        "source": rx.source,
        "created_at": rx.created_at,
        "dosage_form": rx.dosage_form,
        "strength_mg": rx.strength_mg,
        "concentration_mg_per_ml": rx.concentration_mg_per_ml,
        "directions": rx.directions,
        "refills": rx.refills,
        "refills_remaining": rx.refills_remaining,
        "prescriber": rx.prescriber.full_name,
        "prescriber_id": rx.prescriber_id,
        "indication": rx.indication,
        "fills": fills,
    }


@query
def patient_profile(session: Session, actor: Actor, patient_id: int) -> dict[str, Any]:
    patient = session.get(Patient, patient_id)
    if patient is None:
        raise NotFound(NO_PATIENT)
    rxs = _prescriptions(session, actor, patient_id)
    if actor.role == "prescriber" and not rxs:
        raise NotFound(NO_PATIENT)  # not one of theirs: the same answer as no such patient
    fills = _fills(session, [rx.id for rx in rxs])
    fill_ids = [fill["id"] for rows in fills.values() for fill in rows]
    staff = actor.role != "prescriber"
    return {
        "patient": _details(patient, rxs, actor),
        "medication_history": _medication_history(rxs),
        "prescriptions": [_prescription_row(rx, fills.get(rx.id, [])) for rx in rxs],
        "label_prints": _label_prints(session, fill_ids) if staff else [],
        "opioid_holds": _holds(session, rxs),
    }


@query
def patient_form_values(session: Session, actor: Actor, patient_id: int) -> dict[str, str]:
    """A known patient's details as the prescription form's fields, to start a phone order
    or a prescription from their profile."""
    details = patient_profile.in_session(session, actor, patient_id)["patient"]  # type: ignore[attr-defined]
    return {
        "patient.first_name": details["first_name"],
        "patient.last_name": details["last_name"],
        "patient.date_of_birth": details["date_of_birth"].isoformat(),
        "patient.address": details["address"],
        "patient.phone": details["phone"],
        "patient.allergies": "\n".join(details["allergies"]),
        "patient.current_medications": "\n".join(details["current_medications"]),
    }


@query
def patients_seen(session: Session, actor: Actor, limit: int = 200) -> list[Patient]:
    """The patients a prescriber has prescribed for, by name (the form's picker)."""
    newest = (
        select(Prescription.patient_id)
        .where(Prescription.prescriber_id == actor.prescriber_id)
        .group_by(Prescription.patient_id)
    ).subquery()
    stmt = (
        select(Patient)
        .join(newest, newest.c.patient_id == Patient.id)
        .order_by(Patient.last_name, Patient.first_name, Patient.id)
        .limit(limit)
    )
    return list(session.execute(stmt).scalars())
