"""Prescription intake and the pharmacist's decisions on it."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    bindparam,
    column,
    exists,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from pharmacy import audit
from pharmacy.audit import Actor
from pharmacy.compounding import directions as directions_engine
from pharmacy.compounding import opioids
from pharmacy.compounding.dose import check_dose
from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.fillers import (
    allergic_to_lactose,
    filler_caution,
    filler_problem,
    normalize_filler_code,
)
from pharmacy.compounding.titration import TitrationStep, capsules_for_plan, volume_for_plan
from pharmacy.compounding.units import plain
from pharmacy.errors import Conflict, Invalid, NotFound
from pharmacy.models import Patient, Prescriber, Prescription, PrescriptionStep
from pharmacy.models._types import utcnow
from pharmacy.models.prescriptions import PATIENT_DETAILS
from pharmacy.prebuilt import Prebuilt
from pharmacy.services import sign_in_reads
from pharmacy.services.counters import next_value
from pharmacy.services.liquid_checks import check_liquid_doses
from pharmacy.services.printable import require_printable
from pharmacy.services.rules import current_rules
from pharmacy.services.signatures import check_signature
from pharmacy.services.uow import query, use_case

RX_COUNTER = "rx_number"
RX_FIRST = 100001
PHARMACIST_SOURCES = ("phone", "fax", "written")
SORTABLE = {
    "created_at": Prescription.created_at,
    "rx_number": Prescription.rx_number,
    "status": Prescription.status,
    "updated_at": Prescription.updated_at,
}
VERIFY_MEANING = (
    "I have reviewed this prescription, its dose, directions and the patient's medications, "
    "and I approve it for compounding."
)


@dataclass(frozen=True)
class Plan:
    """The dose plan of a prescription, as the engine sees it."""

    steps: tuple[TitrationStep, ...]
    titrated: bool

    @property
    def total_days(self) -> int:
        return sum(step.days for step in self.steps)

    @property
    def doses(self) -> list[Decimal]:
        return [step.dose_mg for step in self.steps]


def _formulation(field: str, error: FormulationError) -> Invalid:
    return Invalid(error.field or field, error.message)


def _snapshot(rx: Prescription | dict[str, Any]) -> dict[str, Any]:
    value = rx.get if isinstance(rx, dict) else functools.partial(getattr, rx)
    return {
        "status": value("status"),
        "rx_number": value("rx_number"),
        "hold_reasons": list(value("hold_reasons") or []),
        "verified_by_user_id": value("verified_by_user_id"),
    }


def _plan_from(data: dict[str, Any], days_supply: int | None) -> Plan:
    titration = data.get("titration")
    if titration:
        return Plan(
            tuple(TitrationStep(dose_mg=s["dose_mg"], days=s["days"]) for s in titration), True
        )
    dose = data["dose_mg"]
    return Plan((TitrationStep(dose_mg=dose, days=days_supply or 1),), False)


# Intake runs on every prescription, so its statements are built once and sent straight to
# the driver on the unit of work's connection (pharmacy/prebuilt.py): the ORM's unit of work
# cost more CPU than the rest of intake together (bench/RESULTS.md, "Load").
_PATIENTS = Patient.__table__
_PRESCRIBERS = Prescriber.__table__
_PRESCRIPTIONS = Prescription.__table__
PATIENT_FIELDS = PATIENT_DETAILS
_FIND_PATIENT = Prebuilt(
    select(_PATIENTS).where(
        func.lower(_PATIENTS.c.first_name) == bindparam("first"),
        func.lower(_PATIENTS.c.last_name) == bindparam("last"),
        _PATIENTS.c.date_of_birth == bindparam("born"),
    )
)
# migration 0011's function: the Rx counter, then the patient look-up, in one round trip.
_PG_TAKE_RX_NUMBER_AND_FIND_PATIENT = Prebuilt(
    text(
        "SELECT * FROM pharmacy_take_number_and_find_patient(:key, :start, :first, :last, :born)"
    ).columns(
        column("taken", Integer), *(column(c.name, c.type) for c in _PATIENTS.columns)
    )
)
PATIENT_COLUMNS = ("first_name", "last_name", "date_of_birth", *PATIENT_FIELDS, "created_at")
_ADD_PATIENT = Prebuilt(insert(_PATIENTS).returning(_PATIENTS.c.id), columns=PATIENT_COLUMNS)
_UPDATE_PATIENT = Prebuilt(
    update(_PATIENTS).where(_PATIENTS.c.id == bindparam("patient_id")), columns=PATIENT_FIELDS
)
_PRESCRIBER = Prebuilt(select(_PRESCRIBERS).where(_PRESCRIBERS.c.id == bindparam("prescriber_id")))
# Every column intake writes; the rest are set later by verification, fills and voids.
INTAKE_COLUMNS = (
    "rx_number",
    "status",
    "source",
    "patient_id",
    "prescriber_id",
    "dosage_form",
    "dose_basis",
    "strength_mg",
    "concentration_mg_per_ml",
    "dose_mg",
    "quantity",
    "days_supply",
    "refills",
    "refills_remaining",
    "filler",
    "syringe_ml",
    "notes",
    "opioid_attestation",
    "directions",
    "hold_reasons",
    "warnings",
    "acknowledgements_required",
    "created_by_user_id",
    "created_at",
    "updated_at",
    "supersedes_id",
    "patient_details",
)
_ADD_PRESCRIPTION = Prebuilt(
    insert(_PRESCRIPTIONS).returning(_PRESCRIPTIONS.c.id), columns=INTAKE_COLUMNS
)


def _patient_value(name: str) -> Any:
    return bindparam(f"patient_{name}", type_=_PATIENTS.c[name].type)


def _pg_prescription_insert(patient_write: Any = None, *, with_events: bool) -> Prebuilt:
    """PostgreSQL's prescription INSERT, in one round trip with what would otherwise take
    one each: the patient's INSERT or UPDATE as a data-modifying CTE (the prescription
    taking the patient's id from it), the lock of the audit chain head, and, `with_events`,
    the intake's events themselves (the patient's, then the prescription's:
    `audit.appending_events`); without them it only locks the head for the events written
    at commit (`audit.locking_head`). SQLite has no data-modifying CTE and runs the
    statements one by one, in process."""
    # Every value is a named bind, not `columns=`: compiling with column keys would give
    # the CTE's statement those columns too.
    values: dict[str, Any] = {
        name: bindparam(name, type_=_PRESCRIPTIONS.c[name].type) for name in INTAKE_COLUMNS
    }
    statement = insert(_PRESCRIPTIONS)
    if patient_write is not None:
        written = patient_write.returning(_PATIENTS.c.id).cte("patient_written")
        values["patient_id"] = select(written.c.id).scalar_subquery()
        statement = statement.add_cte(written)
    statement = statement.values(values).returning(
        _PRESCRIPTIONS.c.id, _PRESCRIPTIONS.c.patient_id
    )
    if not with_events:
        return Prebuilt(audit.locking_head(statement))
    inserted = statement.cte("prescription_written")
    entity_ids = [inserted.c.patient_id] if patient_write is not None else []
    return Prebuilt(
        audit.appending_events(
            inserted, [*entity_ids, inserted.c.id], inserted.c.id, inserted.c.patient_id
        )
    )


_NEW_PATIENT_WRITE = insert(_PATIENTS).values(
    {name: _patient_value(name) for name in PATIENT_COLUMNS}
)
_UPDATED_PATIENT_WRITE = (
    update(_PATIENTS)
    .where(_PATIENTS.c.id == bindparam("patient_record_id"))
    .values({name: _patient_value(name) for name in PATIENT_FIELDS})
)
# By what intake does to the patient's record, and whether the statement writes the events.
_PG_ADD = {
    (action, with_events): _pg_prescription_insert(write, with_events=with_events)
    for action, write in (
        (None, None),
        ("patient.created", _NEW_PATIENT_WRITE),
        ("patient.updated", _UPDATED_PATIENT_WRITE),
    )
    for with_events in (True, False)
}
_ADD_STEPS = Prebuilt(
    insert(PrescriptionStep.__table__), columns=("prescription_id", "position", "dose_mg", "days")
)
PRESCRIBER_FIELDS = sign_in_reads.PRESCRIBER_RECORD


def _prescriber(session: Session, prescriber_id: int) -> dict[str, Any] | None:
    row = _PRESCRIBER.first(session.connection(), {"prescriber_id": prescriber_id})
    return None if row is None else {name: row[name] for name in PRESCRIBER_FIELDS}


def _resolve_prescriber(
    session: Session, actor: Actor, data: dict[str, Any]
) -> tuple[dict[str, Any], str]:
    requested = data.get("prescriber_id")
    if actor.role == "prescriber":
        if actor.prescriber_id is None:
            raise Invalid("prescriber_id", "this account is not linked to a prescriber")
        if requested is not None and requested != actor.prescriber_id:
            raise Invalid("prescriber_id", "a prescriber can only prescribe as themself")
        if data.get("source") not in (None, "api", "prescriber_portal"):
            raise Invalid("source", "only a pharmacist records phone, fax or written orders")
        # Read with the request's sign-in, or now if it signed in otherwise (a web page).
        prescriber = sign_in_reads.take(session, sign_in_reads.PRESCRIBER)
        if prescriber is None or prescriber["id"] != actor.prescriber_id:
            prescriber = _prescriber(session, actor.prescriber_id)
        if prescriber is None:
            raise Invalid("prescriber_id", "this account's prescriber record is missing")
        return prescriber, data.get("source") or "api"
    if requested is None:
        raise Invalid("prescriber_id", "is required when a pharmacist enters an order")
    prescriber = _prescriber(session, requested)
    if prescriber is None:
        raise Invalid("prescriber_id", "no prescriber has this id")
    source = data.get("source") or "phone"
    if source not in PHARMACIST_SOURCES:
        raise Invalid("source", f"must be one of {', '.join(PHARMACIST_SOURCES)}")
    return prescriber, source


@dataclass(frozen=True)
class PatientChange:
    """What intake does to the patient's record: for the audit trail, and the row to write
    with the prescription (a new record's columns, or the newest details of one on file)."""

    action: str
    row: dict[str, Any]
    after: dict[str, Any] | None = None


@dataclass(frozen=True)
class IntakePatient:
    """The person a prescription is for: as the prescription shows them (a new record has
    no id until it is written), and the allergies their record holds from every
    prescription."""

    as_prescribed: dict[str, Any]
    recorded_allergies: list[str]
    change: PatientChange | None


def _merged_record(stored: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    """The record after one more prescription. A new address or phone replaces the old
    one, a blank one keeps it; an allergy is never dropped because a prescription left it
    out; the current medications are the newest list."""
    allergies = list(stored["allergies"] or [])
    known = {allergy.casefold() for allergy in allergies}
    for allergy in sent["allergies"]:
        if allergy.casefold() not in known:
            allergies.append(allergy)
            known.add(allergy.casefold())
    return {
        "address": sent["address"] or stored["address"],
        "phone": sent["phone"] or stored["phone"],
        "allergies": allergies,
        "current_medications": sent["current_medications"],
    }


def _take_rx_number_and_find_patient(
    connection: Connection, details: dict[str, Any]
) -> tuple[str, dict[str, Any] | None]:
    """The next Rx number, and then the person's patient record (same name, any case, and
    date of birth), if there is one.

    The number comes first on purpose: its counter row stays locked until commit, and the
    look-up that follows sees what was committed before that lock was granted, so two
    intakes for the same new person cannot both miss the record and make twins. On
    PostgreSQL both happen in one round trip, inside a function whose look-up takes its
    own snapshot after the lock (migration 0011); on SQLite, one statement after the
    other."""
    identity = {
        "first": details["first_name"].lower(),
        "last": details["last_name"].lower(),
        "born": details["date_of_birth"],
    }
    if connection.dialect.name == "postgresql":
        row = _PG_TAKE_RX_NUMBER_AND_FIND_PATIENT.first(
            connection, {"key": RX_COUNTER, "start": RX_FIRST, **identity}
        )
        assert row is not None  # the function always returns its one row
        number = row.pop("taken")
        return f"RX{number}", (row if row["id"] is not None else None)
    number = next_value(connection, RX_COUNTER, start=RX_FIRST)
    return f"RX{number}", _FIND_PATIENT.first(connection, identity)


def _intake_patient(details: dict[str, Any], stored: dict[str, Any] | None) -> IntakePatient:
    """One record per person, which the newest prescription brings up to date
    (`_merged_record`); the write itself goes with the prescription's (`_store`). The
    prescription shows the details it came with, so no prescriber sees what another one
    sent."""
    sent = {
        "address": details.get("address", ""),
        "phone": details.get("phone", ""),
        "allergies": list(details.get("allergies", [])),
        "current_medications": list(details.get("current_medications", [])),
    }
    if stored is None:
        identity = {
            "first_name": details["first_name"],
            "last_name": details["last_name"],
            "date_of_birth": details["date_of_birth"],
        }
        return IntakePatient(
            {"id": None, **identity, **sent},
            sent["allergies"],
            PatientChange("patient.created", {**identity, **sent, "created_at": utcnow()}),
        )
    as_prescribed = {
        "id": stored["id"],
        "first_name": stored["first_name"],
        "last_name": stored["last_name"],
        "date_of_birth": stored["date_of_birth"],
        **sent,
    }
    record = _merged_record(stored, sent)
    # The audit names which fields changed, not their (identifying) values.
    changed = sorted(name for name in PATIENT_FIELDS if stored[name] != record[name])
    if not changed:
        return IntakePatient(as_prescribed, record["allergies"], None)
    return IntakePatient(
        as_prescribed,
        record["allergies"],
        PatientChange("patient.updated", record, after={"changed": changed}),
    )


def _store(
    session: Session,
    actor: Actor,
    values: dict[str, Any],
    person: IntakePatient,
    events: list[audit.FoldedEvent],
) -> tuple[int, int]:
    """Insert the prescription, write the patient's record and append `events` (for the
    patient's record, if it changes, then for the prescription), in one round trip on
    PostgreSQL (`_pg_prescription_insert`). Returns the prescription's and the patient's
    ids."""
    connection = session.connection()
    change = person.change
    created = change is not None and change.action == "patient.created"
    if connection.dialect.name == "postgresql":
        # Events recorded earlier in the transaction keep their place before intake's.
        with_events = not audit.has_pending(session)
        parameters = dict(values)
        if change is not None:
            parameters.pop("patient_id")
            parameters.update({f"patient_{name}": value for name, value in change.row.items()})
            if not created:
                parameters["patient_record_id"] = values["patient_id"]
        if with_events:
            parameters.update(audit.folded_event_values(actor, events))
        statement = _PG_ADD[(None if change is None else change.action, with_events)]
        row = statement.first(connection, parameters)
        assert row is not None  # an INSERT … RETURNING returns its row
        head = row[audit.LOCKED_HEAD_HASH]
        audit.head_locked(session, head)
        if not (with_events and head is not None):
            _record(session, actor, events, row["patient_id"], row["id"])
        return row["id"], row["patient_id"]
    patient_id = values["patient_id"]
    if change is not None:
        if created:
            patient_id = _ADD_PATIENT.scalar(connection, change.row)
        else:
            _UPDATE_PATIENT.run(connection, {"patient_id": patient_id, **change.row})
    rx_id = _ADD_PRESCRIPTION.scalar(connection, {**values, "patient_id": patient_id})
    _record(session, actor, events, patient_id, rx_id)
    return rx_id, patient_id


def _record(
    session: Session,
    actor: Actor,
    events: list[audit.FoldedEvent],
    patient_id: int,
    rx_id: int,
) -> None:
    """Intake's events, recorded to be written at commit."""
    for item in events:
        audit.record(
            session,
            actor,
            item.action,
            item.entity_type,
            patient_id if item.entity_type == "patient" else rx_id,
            before=item.before,
            after=item.after,
            reason=item.reason,
        )


def allergies_only_on_file(rx: Prescription) -> list[str]:
    """Allergies the patient's record holds from other prescriptions than this one (for
    pharmacy staff: a prescriber sees only what they sent)."""
    sent = {allergy.casefold() for allergy in rx.patient_as_prescribed["allergies"] or []}
    return [a for a in rx.patient.allergies or [] if a.casefold() not in sent]


def _quantity_for_plan(dosage_form: str, plan: Plan, strength: Decimal) -> Decimal:
    if dosage_form == "capsule":
        return Decimal(capsules_for_plan(list(plan.steps), strength))
    return volume_for_plan(list(plan.steps), strength)


@use_case
def create_prescription(
    session: Session, actor: Actor, data: dict[str, Any], *, today: date
) -> dict[str, Any]:
    """Take a prescription from a prescriber (for themself) or a pharmacist (phone/fax
    order for any prescriber): check it against the rules, generate directions, screen for
    opioids, and store it as `submitted` or `on_hold`. Returns it as the API shows it."""
    prescriber, source = _resolve_prescriber(session, actor, data)
    return _intake(session, actor, data, prescriber=prescriber, source=source, today=today)


def _intake(
    session: Session,
    actor: Actor,
    data: dict[str, Any],
    *,
    prescriber: dict[str, Any],
    source: str,
    today: date,
    supersedes_id: int | None = None,
) -> dict[str, Any]:
    for name in ("first_name", "last_name"):
        require_printable(f"patient.{name}", data["patient"][name])
    rules = current_rules(session)
    dosage_form = data["dosage_form"]
    strength_field = "strength_mg" if dosage_form == "capsule" else "concentration_mg_per_ml"
    strength: Decimal = data[strength_field]
    warnings: list[str] = []
    acknowledgements: list[str] = []

    if dosage_form == "capsule":
        filler = normalize_filler_code(data.get("filler") or rules.default_filler_code)
        problem = filler_problem(filler, rules)
        if problem:
            raise Invalid("filler", problem)
        caution = filler_caution(filler, rules)
        if caution:
            acknowledgements.append(caution)
        if data.get("syringe_ml") is not None:
            raise Invalid("syringe_ml", "applies to liquids only")
        try:
            check_dose(strength, rules, field="strength_mg", basis=data.get("dose_basis") or "hcl")
        except FormulationError as error:
            raise _formulation("strength_mg", error) from error
    else:
        filler = ""
        if data.get("filler"):
            raise Invalid("filler", "applies to capsules only")

    if not data.get("titration") and data.get("dose_mg") is None:
        if dosage_form == "capsule":
            data = {**data, "dose_mg": strength}
        else:
            raise Invalid("dose_mg", "give dose_mg or titration steps")

    days_supply = data.get("days_supply")
    dose_basis = data.get("dose_basis") or "hcl"
    plan = _plan_from(data, days_supply)
    dose_field = "titration" if plan.titrated else "dose_mg"
    for index, step in enumerate(plan.steps):
        field = f"titration.{index}.dose_mg" if plan.titrated else "dose_mg"
        try:
            check = check_dose(step.dose_mg, rules, field=field, basis=dose_basis)
        except FormulationError as error:
            raise _formulation(field, error) from error
        if check.acknowledgement and check.acknowledgement not in acknowledgements:
            acknowledgements.append(check.acknowledgement)

    if plan.titrated:
        plan_days = plan.total_days
        if plan_days > rules.max_days_supply:
            raise Invalid(
                "titration",
                f"the plan runs {plan_days} days; a prescription covers at most "
                f"{rules.max_days_supply} days",
            )
        if days_supply is None:
            days_supply = plan_days
        elif days_supply != plan_days:
            warnings.append(
                f"Days' supply {days_supply} differs from the titration plan's {plan_days} days."
            )

    syringe_ml = data.get("syringe_ml")
    try:
        if dosage_form == "capsule":
            for step in plan.steps:
                try:
                    capsules_for_plan([TitrationStep(dose_mg=step.dose_mg, days=1)], strength)
                except FormulationError as error:
                    # Name the field the prescriber filled in: the dose, or the plan.
                    raise Invalid(dose_field, error.message) from error
        else:
            syringe_ml = check_liquid_doses(
                concentration=strength,
                doses=plan.doses,
                syringe_ml=data.get("syringe_ml"),
                rules=rules,
            )
    except FormulationError as error:
        raise _formulation(dose_field, error) from error

    quantity = data.get("quantity")
    unit = "capsules" if dosage_form == "capsule" else "mL"
    if plan.titrated:
        needed = _quantity_for_plan(dosage_form, plan, strength)
        if quantity is None:
            quantity = needed
        elif quantity < needed:
            warnings.append(
                f"Quantity {plain(quantity)} {unit} is less than the {plain(needed)} {unit} "
                "the titration plan needs."
            )
        elif quantity > needed:
            warnings.append(
                f"Quantity {plain(quantity)} {unit} is more than the {plain(needed)} {unit} "
                "the titration plan needs."
            )
    else:
        per_day = plan.steps[0].dose_mg / strength  # capsules, or mL, a day
        if quantity is None:
            if days_supply is None:
                raise Invalid("quantity", "give a quantity or a days' supply")
            quantity = per_day * days_supply
        covered = int(quantity // per_day)
        if covered > rules.max_days_supply:
            raise Invalid(
                "quantity",
                f"{plain(quantity)} {unit} last {covered} days at this dose; a prescription "
                f"covers at most {rules.max_days_supply} days",
            )
        if days_supply is None:
            days_supply = covered
            if days_supply < 1:
                raise Invalid("quantity", "is less than one day's dose")
        elif quantity < per_day * days_supply:
            warnings.append(
                f"Quantity {plain(quantity)} {unit} does not cover {days_supply} days at this dose."
            )
        elif quantity > per_day * days_supply:
            warnings.append(
                f"Quantity {plain(quantity)} {unit} is more than the "
                f"{plain(per_day * days_supply)} {unit} {days_supply} days at this dose need."
            )
    if dosage_form == "capsule" and quantity != quantity.to_integral_value():
        raise Invalid("quantity", "capsules are counted in whole numbers")

    if plan.titrated:
        lines = directions_engine.titration_directions(
            dosage_form, list(plan.steps), strength, None, rules
        )
        directions = " ".join(lines)
    else:
        directions = directions_engine.fixed_directions(
            dosage_form,
            plan.steps[0].dose_mg,
            strength_mg=strength if dosage_form == "capsule" else None,
            concentration_mg_per_ml=strength if dosage_form == "liquid" else None,
            rules=rules,
        )

    medications = list(data["patient"].get("current_medications", []))
    matches = opioids.screen_medications(medications, rules)
    stops = [m for m in matches if m.severity == "stop"]
    cautions = [m for m in matches if m.severity != "stop"]
    hold_reasons = opioids.hold_reasons(stops) if stops else []
    warnings.extend(opioids.hold_reasons(cautions) if cautions else [])
    if not data.get("opioid_attestation"):
        hold_reasons.append(
            "The prescriber has not attested that the patient takes no opioid medicines."
        )
    chosen = rules.filler(filler) if filler else None
    with_lactose = chosen is not None and chosen.contains_lactose
    if with_lactose and allergic_to_lactose(data["patient"].get("allergies", [])):
        raise Invalid("filler", "the patient is allergic to lactose; choose another filler")

    connection = session.connection()
    rx_number, stored = _take_rx_number_and_find_patient(connection, data["patient"])
    person = _intake_patient(data["patient"], stored)
    if with_lactose and allergic_to_lactose(person.recorded_allergies):
        raise Invalid(
            "filler", "the patient's record lists a lactose allergy; choose another filler"
        )
    patient = person.as_prescribed
    now = utcnow()
    refills = data.get("refills", 0)
    values: dict[str, Any] = {
        "rx_number": rx_number,
        "status": "on_hold" if hold_reasons else "submitted",
        "source": source,
        "patient_id": patient["id"],
        "prescriber_id": prescriber["id"],
        "dosage_form": dosage_form,
        "dose_basis": data.get("dose_basis") or "hcl",
        "strength_mg": strength if dosage_form == "capsule" else None,
        "concentration_mg_per_ml": strength if dosage_form == "liquid" else None,
        "dose_mg": None if plan.titrated else plan.steps[0].dose_mg,
        "quantity": quantity,
        "days_supply": days_supply,
        "refills": refills,
        "refills_remaining": refills,
        "filler": filler,
        "syringe_ml": syringe_ml,
        "notes": data.get("notes", ""),
        "opioid_attestation": bool(data.get("opioid_attestation")),
        "directions": directions,
        "hold_reasons": hold_reasons,
        "warnings": warnings,
        "acknowledgements_required": acknowledgements,
        "created_by_user_id": actor.user_id,
        "created_at": now,
        "updated_at": now,
        "supersedes_id": supersedes_id,
        "patient_details": {name: patient[name] for name in PATIENT_FIELDS},
    }
    events = []
    if person.change is not None:
        events.append(
            audit.FoldedEvent(person.change.action, "patient", after=person.change.after)
        )
    # A new prescription's snapshot: no one has verified it.
    unverified = {**values, "verified_by_user_id": None}
    events.append(
        audit.FoldedEvent("prescription.created", "prescription", after=_snapshot(unverified))
    )
    rx_id, patient["id"] = _store(session, actor, values, person, events)
    values["patient_id"] = patient["id"]
    steps = (
        [{"dose_mg": step.dose_mg, "days": step.days} for step in plan.steps]
        if plan.titrated
        else []
    )
    if steps:
        _ADD_STEPS.run(
            connection,
            [{"prescription_id": rx_id, "position": i, **step} for i, step in enumerate(steps)],
        )
    created = {
        **values,
        "id": rx_id,
        "patient": patient,
        "patient_as_prescribed": patient,
        "prescriber": prescriber,
        "steps": steps,
        "verified_by_user_id": None,
        "verified_at": None,
        "signature_name": None,
        "signature_meaning": None,
        "rejected_reason": None,
        "override_reason": None,
        "override_by_user_id": None,
        "void_reason": None,
    }
    return created


def visible_prescriptions(actor: Actor) -> Any:
    """The base query of what an actor may see: a prescriber only their own."""
    query = select(Prescription)
    if actor.role == "prescriber":
        query = query.where(Prescription.prescriber_id == actor.prescriber_id)
    return query


@query
def get_prescription(session: Session, actor: Actor, prescription_id: int) -> Prescription:
    rx = session.execute(
        visible_prescriptions(actor).where(Prescription.id == prescription_id)
    ).scalar_one_or_none()
    if rx is None:
        raise NotFound("No such prescription.")
    return rx


@query
def list_prescriptions(
    session: Session,
    actor: Actor,
    *,
    status: str | None,
    sort: str,
    page: int,
    per_page: int,
) -> tuple[list[Prescription], int]:
    descending = sort.startswith("-")
    column = SORTABLE.get(sort.lstrip("-"))
    if column is None:
        raise Invalid("sort", f"sort on one of {', '.join(sorted(SORTABLE))} (prefix - to reverse)")
    query = visible_prescriptions(actor)
    if status:
        query = query.where(Prescription.status == status)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    ordered = query.order_by(column.desc() if descending else column.asc(), Prescription.id)
    items = session.execute(ordered.limit(per_page).offset((page - 1) * per_page)).scalars()
    return list(items), int(total)


def locked_prescription(session: Session, prescription_id: int) -> Prescription:
    """The prescription, locked for the rest of the transaction (state changes serialise)."""
    rx = session.execute(
        select(Prescription).where(Prescription.id == prescription_id).with_for_update()
    ).scalar_one_or_none()
    if rx is None:
        raise NotFound("No such prescription.")
    return rx


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
    rx = locked_prescription(session, prescription_id)
    if rx.status == "on_hold":
        raise Conflict("This prescription is on hold; resolve or override the hold first.")
    if rx.status != "submitted":
        raise Conflict(f"A {rx.status} prescription cannot be verified.")
    user = check_signature(session, actor, password)
    if rx.acknowledgements_required and not acknowledge_warnings:
        raise Conflict("Acknowledge before verifying: " + " ".join(rx.acknowledgements_required))
    before = _snapshot(rx)
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
            **_snapshot(rx),
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
    before = _snapshot(rx)
    rx.status = "rejected"
    rx.rejected_reason = reason
    audit.record(
        session,
        actor,
        "prescription.rejected",
        "prescription",
        rx.id,
        before=before,
        after=_snapshot(rx),
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
    before = _snapshot(rx)
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
        after=_snapshot(rx),
        reason=reason,
    )
    return rx


def _has_fills(session: Session, rx: Prescription) -> bool:
    from pharmacy.models import Fill

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
    before = _snapshot(rx)
    rx.status = "voided"
    rx.void_reason = reason
    audit.record(
        session,
        actor,
        "prescription.voided",
        "prescription",
        rx.id,
        before=before,
        after=_snapshot(rx),
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
) -> dict[str, Any]:
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
    before = _snapshot(old)
    old.status = "voided"
    old.void_reason = reason
    session.flush()
    prescriber = _prescriber(session, old.prescriber_id)
    if prescriber is None:  # cannot happen while the foreign key holds
        raise NotFound("The prescription's prescriber record is missing.")
    new = _intake(
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
        after={**_snapshot(old), "superseded_by": new["id"]},
        reason=reason,
    )
    return new


@query
def list_prescribers(session: Session) -> list[Prescriber]:
    return list(session.execute(select(Prescriber).order_by(Prescriber.full_name)).scalars())
