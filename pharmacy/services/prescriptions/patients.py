"""The one patient record per person that intake finds, creates or brings up to date."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pharmacy.db import dialect_of
from pharmacy.models import Patient
from pharmacy.models.identity import identity_name
from pharmacy.models.prescriptions import PATIENT_DETAILS
from pharmacy.models.search import patient_search_name

# Built once (every intake runs it): the same folded name and date of birth, the key of the
# unique ix_patients_identity, so the look-up finds exactly the record the index would
# refuse a twin of.
_PERSON = select(Patient).where(
    Patient.identity_name == bindparam("identity"),
    Patient.date_of_birth == bindparam("born"),
)


def find_patient(session: Session, first_name: str, last_name: str, born: date) -> Patient | None:
    """The person's record: the same name (case and spacing aside) and date of birth."""
    person = {"identity": identity_name(first_name, last_name), "born": born}
    return session.execute(_PERSON, person).scalar_one_or_none()


def settled_patient(session: Session, details: dict[str, Any]) -> tuple[Patient, bool]:
    """The person's record, and whether it was on file before (False: added now).

    ix_patients_identity is unique. When another intake adds the same new person first,
    this INSERT waits for it to commit and then adds nothing (ON CONFLICT DO NOTHING), and
    the record the other intake made is the one on file. Nothing is locked but the new
    record's index entry, so intakes for different people never queue here."""
    first, last, born = details["first_name"], details["last_name"], details["date_of_birth"]
    stored = find_patient(session, first, last, born)
    if stored is not None:
        return stored, True
    added = _added_unless_on_file(session, new_patient(details))
    if added is not None:
        return added, False
    stored = find_patient(session, first, last, born)
    if stored is None:
        raise LookupError("the new patient's record was neither added nor on file")
    return stored, True


def _added_unless_on_file(session: Session, patient: Patient) -> Patient | None:
    """`patient` INSERTed and returned as the session's record of it, or None when the
    person's record is already on file. An INSERT statement runs no mapper events, so the
    identity and search keys their listeners keep are set here from the same functions."""
    values = {column: getattr(patient, column) for column in NEW_PATIENT_COLUMNS}
    values["identity_name"] = identity_name(patient.first_name, patient.last_name)
    values["search_name"] = patient_search_name(patient)
    statement = _insert_unless_on_file(dialect_of(session))
    return session.scalars(statement, values).one_or_none()


@functools.cache
def _insert_unless_on_file(dialect: str) -> Any:
    """Built once per database (every new patient runs it), values bound at execution.
    The same statement on both, from each dialect's own construct for it (the generic
    INSERT has no ON CONFLICT): one round trip instead of a savepoint around an INSERT."""
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    columns = (*NEW_PATIENT_COLUMNS, "identity_name", "search_name")
    return (
        insert(Patient)
        .values({column: bindparam(column) for column in columns})
        .on_conflict_do_nothing(index_elements=["identity_name", "date_of_birth"])
        .returning(Patient)
    )


def sent_details(details: dict[str, Any]) -> dict[str, Any]:
    """The address, phone, allergies and medications a prescription came with."""
    return {
        "address": details.get("address", ""),
        "phone": details.get("phone", ""),
        "allergies": list(details.get("allergies", [])),
        "current_medications": list(details.get("current_medications", []))
        + [
            coded["text"]
            for coded in details.get("current_medication_codes", [])
            if coded["text"] not in details.get("current_medications", [])
        ],
        "conditions": list(details.get("conditions", [])),
    }


def merged_record(stored: Patient, sent: dict[str, Any]) -> dict[str, Any]:
    """The record after one more prescription. A new address or phone replaces the old
    one, a blank one keeps it; an allergy or a condition is never dropped because a
    prescription left it out (a pharmacist reviews the record); the current medications are
    the newest list."""
    return {
        "address": sent["address"] or stored.address,
        "phone": sent["phone"] or stored.phone,
        "allergies": _kept(stored.allergies, sent["allergies"]),
        "current_medications": sent["current_medications"],
        "conditions": _kept(stored.conditions, sent.get("conditions", [])),
    }


def _kept(stored: list[Any] | None, sent: list[str]) -> list[str]:
    """What the record held, then what is new (case ignored)."""
    kept = list(stored or [])
    known = {item.casefold() for item in kept}
    for item in sent:
        if item.casefold() not in known:
            kept.append(item)
            known.add(item.casefold())
    return kept


@dataclass(frozen=True)
class PatientChange:
    """What intake did to the patient's record, for the audit trail: the action, and (for
    an update) the names of the fields that changed, never their identifying values."""

    action: str
    after: dict[str, Any] | None = None


def update_patient(stored: Patient, details: dict[str, Any]) -> PatientChange | None:
    """Bring the record on file up to date with what this prescription sent, and say what
    changed (None: nothing)."""
    record = merged_record(stored, sent_details(details))
    # The language: the newest one sent; a prescription that sends none keeps it.
    record["language"] = details.get("language") or stored.language
    names = (*PATIENT_DETAILS, "language")
    changed = sorted(name for name in names if getattr(stored, name) != record[name])
    for name in changed:
        setattr(stored, name, record[name])
    if not changed:
        return None
    return PatientChange("patient.updated", after={"changed": changed})


# What `new_patient` sets; the INSERT's other columns take their defaults.
NEW_PATIENT_COLUMNS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "language",
    "address",
    "phone",
    "allergies",
    "current_medications",
    "conditions",
)


def new_patient(details: dict[str, Any]) -> Patient:
    """A first record for a person, from what their first prescription sent."""
    return Patient(
        first_name=details["first_name"],
        last_name=details["last_name"],
        date_of_birth=details["date_of_birth"],
        language=details.get("language") or "en",
        **sent_details(details),
    )


def allergies_only_on_file(rx: Any) -> list[str]:
    """Allergies the patient's record holds from other prescriptions than this one (for
    pharmacy staff: a prescriber sees only what they sent)."""
    sent = {allergy.casefold() for allergy in rx.patient_as_prescribed["allergies"] or []}
    return [a for a in rx.patient.allergies or [] if a.casefold() not in sent]
