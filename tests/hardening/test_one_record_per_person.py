"""One patient record per person (name in any case, date of birth), held by the database's
unique ix_patients_identity rather than by a lock, on both databases: whoever writes a
second record (an intake that lost a race, an admin with SQL) is refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .helpers import submit

TWIN_INSERT = (
    "INSERT INTO patients (first_name, last_name, date_of_birth, address, phone, allergies, "
    "current_medications, conditions, created_at, search_name, language, identity_name) "
    "VALUES (:first, :last, :born, '', '', '[]', '[]', '[]', CURRENT_TIMESTAMP, '', 'en', "
    ":identity)"
)
REFUSED_AS_NOT_UNIQUE = "(?i)unique|duplicate"


def _records(app: Any, last_name: str) -> list[int]:
    from pharmacy.models import Patient
    from pharmacy.services.uow import current_db

    session = current_db().session_factory()
    try:
        return list(session.scalars(select(Patient.id).where(Patient.last_name == last_name)))
    finally:
        session.close()


def test_the_database_refuses_a_second_record_of_a_person(api: Any, raw: Any) -> None:
    from pharmacy.models.identity import identity_name

    submit(api, patient={"first_name": "Grace", "last_name": "Hopper"})
    folded = identity_name("GRACE", " hopper")
    with pytest.raises(IntegrityError, match=REFUSED_AS_NOT_UNIQUE):
        raw(TWIN_INSERT, first="GRACE", last=" hopper", born="1970-05-01", identity=folded)
    # Another date of birth is another person.
    raw(TWIN_INSERT, first="Grace", last="Hopper", born="1971-05-01", identity=folded)
    assert len(_records(api.app, "Hopper")) == 2


def test_a_name_with_accented_capitals_finds_its_record(api: Any) -> None:
    """Case and spacing are set aside the same way on both databases (SQLite's lower()
    folds only ASCII): "ÉLODIE  ÅNGSTRÖM" is "Élodie Ångström"; accents are kept."""
    first = submit(api, patient={"first_name": "Élodie", "last_name": "Ångström"})
    again = submit(api, patient={"first_name": "ÉLODIE", "last_name": "ÅNGSTRÖM "})
    assert again["patient"]["id"] == first["patient"]["id"]
    other = submit(api, patient={"first_name": "Elodie", "last_name": "Ångström"})
    assert other["patient"]["id"] != first["patient"]["id"]


def test_an_intake_that_loses_the_race_files_under_the_record_on_file(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As when another intake added the same new person between this one's look-up and
    its INSERT: the INSERT adds nothing (ON CONFLICT DO NOTHING), and the prescription goes
    on the record on file, brought up to date."""
    from pharmacy.models import AuditEvent
    from pharmacy.services.prescriptions import patients
    from pharmacy.services.uow import current_db

    first = submit(api, patient={"first_name": "Alan", "last_name": "Turing"})
    real_find = patients.find_patient
    calls: list[int] = []

    def missed_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return None if len(calls) == 1 else real_find(*args, **kwargs)

    monkeypatch.setattr(patients, "find_patient", missed_once)
    second = submit(
        api, patient={"first_name": "ALAN", "last_name": "turing", "phone": "(217) 555-0111"}
    )
    assert len(calls) == 2
    assert second["patient"]["id"] == first["patient"]["id"]
    assert _records(api.app, "Turing") == [first["patient"]["id"]]
    session = current_db().session_factory()
    try:
        actions = list(
            session.scalars(
                select(AuditEvent.action).where(
                    AuditEvent.entity_type == "patient",
                    AuditEvent.entity_id == str(first["patient"]["id"]),
                ).order_by(AuditEvent.id)
            )
        )
        prescriptions = session.scalar(
            select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == "prescription.created"
            )
        )
    finally:
        session.close()
    assert actions == ["patient.created", "patient.updated"]
    assert prescriptions == 2


def test_a_new_record_carries_the_keys_its_listeners_would_set(api: Any) -> None:
    """Intake adds a new person with an INSERT statement, which runs no mapper events: the
    identity and search keys must still be those the listeners keep on every other write."""
    from pharmacy.models import Patient
    from pharmacy.models.identity import identity_name
    from pharmacy.models.search import patient_search_name
    from pharmacy.services.uow import current_db

    sent = {"first_name": " Łukasz ", "last_name": "NGUYỄN", "phone": "(217) 555-0199"}
    added = submit(api, patient=sent)
    session = current_db().session_factory()
    try:
        patient = session.get(Patient, added["patient"]["id"])
        assert patient is not None
        assert patient.identity_name == identity_name(" Łukasz ", "NGUYỄN")
        assert patient.search_name == patient_search_name(patient)
        assert "lukasz nguyen" in patient.search_name and "2175550199" in patient.search_name
        assert patient.created_at is not None
    finally:
        session.close()


def test_an_upgrade_stops_on_a_person_with_two_records(tmp_path: Path) -> None:
    from pharmacy import migrate

    path = tmp_path / "twins.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url, "0024_refills_due")
    with sqlite3.connect(path) as conn:
        for first in ("Twin", "TWIN"):
            conn.execute(
                "INSERT INTO patients (first_name, last_name, date_of_birth, address, phone, "
                "allergies, current_medications, conditions, created_at, search_name, language) "
                "VALUES (?, ?, ?, '', '', '[]', '[]', '[]', CURRENT_TIMESTAMP, '', 'en')",
                (first, "Record", "1960-01-02"),
            )
    with pytest.raises(RuntimeError) as refused:
        migrate.upgrade(url)
    message = str(refused.value)
    assert "1 person(s) have more than one patient record" in message
    assert "Twin" not in message and "Record" not in message  # no patient data
    with sqlite3.connect(path) as conn:
        (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision == "0024_refills_due"


def test_an_upgrade_folds_the_names_already_on_file(tmp_path: Path) -> None:
    """Migration 0025 fills every existing record's identity as intake now folds names,
    so the people on file are found again (and two people born the same day stay two)."""
    from pharmacy import migrate
    from pharmacy.models.identity import identity_name

    path = tmp_path / "on_file.db"
    migrate.upgrade(f"sqlite:///{path}", "0024_refills_due")
    people = [("Élodie", "ÅNGSTRÖM ", "1960-01-02"), ("Ada", "Lovelace", "1960-01-02")]
    with sqlite3.connect(path) as conn:
        for first, last, born in people:
            conn.execute(
                "INSERT INTO patients (first_name, last_name, date_of_birth, address, phone, "
                "allergies, current_medications, conditions, created_at, search_name, language) "
                "VALUES (?, ?, ?, '', '', '[]', '[]', '[]', CURRENT_TIMESTAMP, '', 'en')",
                (first, last, born),
            )
    migrate.upgrade(f"sqlite:///{path}")
    with sqlite3.connect(path) as conn:
        stored = conn.execute("SELECT identity_name FROM patients ORDER BY id").fetchall()
    assert [row[0] for row in stored] == [identity_name(f, last) for f, last, _ in people]
    assert stored[0][0] == identity_name("élodie", "ångström")
