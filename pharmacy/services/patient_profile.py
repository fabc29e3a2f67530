"""A patient's profile: who they are and their allergies, the medications reported on each
prescription, every prescription with its status, every fill with its batch lot and the
ingredient lots in that batch, the label prints, and the opioid holds with their
overrides. Pharmacy staff see the whole record; a prescriber sees the patient only through
their own prescriptions, and the details as they themselves sent them."""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ARRAY,
    Integer,
    and_,
    any_,
    bindparam,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from pharmacy.audit import Actor
from pharmacy.db import on_postgresql
from pharmacy.errors import NotFound
from pharmacy.models import (
    Batch,
    BatchComponent,
    Fill,
    IngredientLot,
    Item,
    Patient,
    Prescriber,
    Prescription,
    PrintLog,
    User,
)
from pharmacy.models.prescriptions import PATIENT_DETAILS
from pharmacy.services.uow import query

NO_PATIENT = "No such patient."

# The profile reads plain rows of just the columns it shows (no whole records with their
# relationships), all in one statement (_profile_statement).
PATIENT_COLUMNS = (
    Patient.id,
    Patient.first_name,
    Patient.last_name,
    Patient.date_of_birth,
    *(getattr(Patient, name) for name in PATIENT_DETAILS),
)
_overrider = aliased(User)
PRESCRIPTION_COLUMNS = (
    Prescription.id.label("rx_id"),
    Prescription.rx_number,
    Prescription.status,
    Prescription.source,
    Prescription.created_at,
    Prescription.dosage_form,
    Prescription.strength_mg,
    Prescription.concentration_mg_per_ml,
    Prescription.directions,
    Prescription.refills,
    Prescription.refills_remaining,
    Prescription.prescriber_id,
    Prescription.indication,
    Prescription.patient_details,
    Prescription.hold_reasons,
    Prescription.override_reason,
    Prescriber.full_name.label("prescriber"),
    _overrider.full_name.label("overridden_by"),
)


def _as_prescribed(rx: Any) -> dict[str, Any]:
    """The patient's details as this prescription came with them (the record's when it
    kept none): Prescription.patient_as_prescribed, from a row."""
    details = rx.patient_details or {name: getattr(rx, name) for name in PATIENT_DETAILS}
    return {name: details.get(name) for name in PATIENT_DETAILS}


def _details(patient: Any, rxs: list[Any], actor: Actor) -> dict[str, Any]:
    if actor.role == "prescriber":
        shown = _as_prescribed(rxs[0])  # the newest of their own
    else:
        shown = {name: getattr(patient, name) for name in PATIENT_DETAILS}
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


def _medication_history(rxs: list[Any]) -> list[dict[str, Any]]:
    """What each prescription said the patient was taking, newest first."""
    return [
        {
            "reported_on": rx.created_at.date(),
            "prescription_id": rx.rx_id,
            "rx_number": rx.rx_number,
            "source": rx.source,
            "medications": list(_as_prescribed(rx)["current_medications"] or []),
        }
        for rx in rxs
    ]


_source = aliased(Batch)
FILL_COLUMNS = (
    Fill.id.label("fill_id"),
    Fill.prescription_id,
    Fill.fill_number,
    Fill.filled_on,
    Fill.quantity,
    Fill.days_supply,
    Fill.supply_ends_on,
    Fill.status.label("fill_status"),
    Fill.batch_id,
    Fill.bud,
    Batch.lot_number.label("batch_lot_number"),
    IngredientLot.id.label("lot_id"),
    IngredientLot.manufacturer_lot,
    IngredientLot.manufacturer,
    IngredientLot.expiry,
    Item.name.label("item_name"),
    BatchComponent.description,
    _source.id.label("source_id"),
    _source.lot_number.label("source_lot_number"),
    _source.bud.label("source_bud"),
    BatchComponent.position,
)


PROFILE_PART, FILL_PART, PRINT_PART = 0, 1, 2
PRINT_COLUMNS = (
    PrintLog.id.label("print_id"),
    PrintLog.entity_id,
    PrintLog.printed_at,
    PrintLog.copies,
    PrintLog.stock,
    PrintLog.is_reprint,
    PrintLog.reason,
    User.full_name.label("printed_by"),
)


def _nulls(*columns: Any) -> list[Any]:
    """Typed NULLs standing in for another part's columns in a UNION ALL (cast, so that
    PostgreSQL matches the parts' types and every row decodes by the columns' types)."""
    return [
        cast(null(), column.type).label(column.key) for column in select(*columns).selected_columns
    ]


def _part(number: int, *columns: Any) -> Any:
    return select(literal(number).label("part"), *columns)


def _fills_of(rx_ids: Any, postgres: bool) -> Any:
    """The fills of the prescriptions `rx_ids` selects. On PostgreSQL as `= ANY(ARRAY(…))`:
    the ids are found first (an InitPlan), so the planner has one relation fewer to join
    in every part that asks (planning this statement took longer than running it; this
    halves it). The rows are the same: ids are never NULL."""
    if postgres:
        return Fill.prescription_id == any_(
            func.array(rx_ids.scalar_subquery(), type_=ARRAY(Integer))
        )
    return Fill.prescription_id.in_(rx_ids)


@lru_cache(maxsize=4)
def _profile_statement(staff: bool, postgres: bool) -> Any:
    """The whole profile of the patient `patient_id` in one statement, a UNION ALL of:
    the patient with each of their prescriptions (newest first; a prescriber's own,
    `prescriber_id`, unless `staff`), or once with none; every fill of those
    prescriptions with its batch and one row per batch component, in order; and for
    staff the label prints of those fills, newest first. Built once: building a
    statement costs more Python time than the indexed query, and one round trip instead
    of three."""
    theirs = Prescription.patient_id == Patient.id
    rx_ids = select(Prescription.id).where(Prescription.patient_id == bindparam("patient_id"))
    if not staff:
        theirs = and_(theirs, Prescription.prescriber_id == bindparam("prescriber_id"))
        rx_ids = rx_ids.where(Prescription.prescriber_id == bindparam("prescriber_id"))
    profile_columns = (*PATIENT_COLUMNS, *PRESCRIPTION_COLUMNS)
    print_nulls = _nulls(*PRINT_COLUMNS) if staff else []
    profile = (
        _part(PROFILE_PART, *profile_columns, *_nulls(*FILL_COLUMNS), *print_nulls)
        .select_from(Patient)
        .outerjoin(Prescription, theirs)
        .outerjoin(Prescriber, Prescriber.id == Prescription.prescriber_id)
        .outerjoin(_overrider, _overrider.id == Prescription.override_by_user_id)
        .where(Patient.id == bindparam("patient_id"))
    )
    fills = (
        _part(FILL_PART, *_nulls(*profile_columns), *FILL_COLUMNS, *print_nulls)
        .select_from(Fill)
        .join(Batch, Batch.id == Fill.batch_id)
        .outerjoin(BatchComponent, BatchComponent.batch_id == Fill.batch_id)
        .outerjoin(IngredientLot, IngredientLot.id == BatchComponent.ingredient_lot_id)
        .outerjoin(Item, Item.id == IngredientLot.item_id)
        .outerjoin(_source, _source.id == BatchComponent.source_batch_id)
        .where(_fills_of(rx_ids, postgres))
    )
    parts = [profile, fills]
    if staff:
        parts.append(
            _part(PRINT_PART, *_nulls(*profile_columns, *FILL_COLUMNS), *PRINT_COLUMNS)
            .select_from(PrintLog)
            .outerjoin(User, User.id == PrintLog.printed_by_user_id)
            .where(
                PrintLog.document == "patient_label",
                PrintLog.entity_id.in_(select(Fill.id).where(_fills_of(rx_ids, postgres))),
            )
        )
    every = union_all(*parts).subquery()
    c = every.c
    order = [c.part, c.created_at.desc(), c.rx_id.desc()]
    order += [c.prescription_id, c.fill_number, c.position]
    if staff:
        order += [c.printed_at.desc(), c.print_id.desc()]
    return select(every).order_by(*order)


def _ingredient_lot(row: Any) -> dict[str, Any] | None:
    """One component of the fill's batch: an ingredient lot, or another batch."""
    if row.lot_id is not None:
        return {
            "kind": "lot",
            "id": row.lot_id,
            "number": row.manufacturer_lot,
            "description": row.item_name,
            "manufacturer": row.manufacturer,
            "expiry": row.expiry,
        }
    if row.source_id is not None:
        return {
            "kind": "batch",
            "id": row.source_id,
            "number": row.source_lot_number,
            "description": row.description,
            "manufacturer": "",
            "expiry": row.source_bud,
        }
    return None


def _label_print(row: Any) -> dict[str, Any]:
    return {
        "fill_id": row.entity_id,
        "printed_at": row.printed_at,
        "copies": row.copies,
        "stock": row.stock,
        "is_reprint": row.is_reprint,
        "reason": row.reason,
        "printed_by": row.printed_by or "",
    }


def _fills(rows: list[Any]) -> dict[int, list[dict[str, Any]]]:
    """Each prescription's fills in order, with the batch's lot number and its
    components, from one row per fill and component."""
    by_rx: dict[int, list[dict[str, Any]]] = defaultdict(list)
    current: dict[str, Any] = {}
    for row in rows:
        if current.get("id") != row.fill_id:
            current = {
                "id": row.fill_id,
                "fill_number": row.fill_number,
                "filled_on": row.filled_on,
                "quantity": row.quantity,
                "days_supply": row.days_supply,
                "supply_ends_on": row.supply_ends_on,
                "status": row.fill_status,
                "batch_id": row.batch_id,
                "batch_lot_number": row.batch_lot_number,
                "bud": row.bud,
                "ingredient_lots": [],
            }
            by_rx[row.prescription_id].append(current)
        lot = _ingredient_lot(row)
        if lot is not None:
            current["ingredient_lots"].append(lot)
    return by_rx


def _holds(rxs: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "prescription_id": rx.rx_id,
            "rx_number": rx.rx_number,
            "reasons": list(rx.hold_reasons),
            "status": rx.status,
            "override_reason": rx.override_reason,
            "overridden_by": rx.overridden_by,
        }
        for rx in rxs
        if rx.hold_reasons
    ]


def _prescription_row(rx: Any, fills: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": rx.rx_id,
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
        "prescriber": rx.prescriber,
        "prescriber_id": rx.prescriber_id,
        "indication": rx.indication,
        "fills": fills,
    }


@query
def patient_profile(session: Session, actor: Actor, patient_id: int) -> dict[str, Any]:
    staff = actor.role != "prescriber"
    scope = {} if staff else {"prescriber_id": actor.prescriber_id}
    parts: dict[int, list[Any]] = {PROFILE_PART: [], FILL_PART: [], PRINT_PART: []}
    # On the session's connection: the rows are plain columns, so the ORM's result
    # handling (a loader per column of ~60) would only add CPU time.
    connection = session.connection()
    statement = _profile_statement(staff, on_postgresql(session))
    result = connection.execute(statement, {"patient_id": patient_id, **scope})
    for row in result:
        parts[row.part].append(row)
    rows = parts[PROFILE_PART]
    if not rows:
        raise NotFound(NO_PATIENT)
    rxs = [row for row in rows if row.rx_id is not None]
    if not staff and not rxs:
        raise NotFound(NO_PATIENT)  # not one of theirs: the same answer as no such patient
    fills = _fills(parts[FILL_PART])
    return {
        "patient": _details(rows[0], rxs, actor),
        "medication_history": _medication_history(rxs),
        "prescriptions": [_prescription_row(rx, fills.get(rx.rx_id, [])) for rx in rxs],
        "label_prints": [_label_print(row) for row in parts[PRINT_PART]],
        "opioid_holds": _holds(rxs),
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
