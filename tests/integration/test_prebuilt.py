"""Prebuilt statements (pharmacy/prebuilt.py) store and read exactly what Core does, in the
caller's transaction, on SQLite and PostgreSQL; and they refuse what they cannot do."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, bindparam, exc, insert, select, text
from sqlalchemy.orm import Session

from pharmacy.db import make_engine
from pharmacy.models import Patient, Prescriber, Prescription, User
from pharmacy.prebuilt import Prebuilt
from pharmacy.services.prescriptions import _ADD_PRESCRIPTION, INTAKE_COLUMNS

PATIENTS = Patient.__table__
PRESCRIPTIONS = Prescription.__table__
CANARY = "Zebulon Canarywood"


@pytest.fixture
def connection(database_url: str) -> Iterator[Connection]:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        transaction = conn.begin()
        yield conn
        if transaction.is_active:
            transaction.rollback()
    engine.dispose()


def _people(conn: Connection) -> tuple[int, int, int]:
    user = conn.execute(
        insert(User.__table__).returning(User.__table__.c.id),
        {
            "username": "prebuilt",
            "password_hash": "-",
            "role": "prescriber",
            "full_name": "Dr Prebuilt",
        },
    ).scalar_one()
    prescriber = conn.execute(
        insert(Prescriber.__table__).returning(Prescriber.__table__.c.id),
        {"full_name": "Dr Prebuilt", "npi": "1245319599", "phone": "", "address": ""},
    ).scalar_one()
    patient = conn.execute(
        insert(PATIENTS).returning(PATIENTS.c.id),
        {"first_name": "Ada", "last_name": "Lovelace", "date_of_birth": date(1985, 12, 10)},
    ).scalar_one()
    return user, prescriber, patient


def _prescription(
    user_id: int, patient_id: int, prescriber_id: int, rx_number: str
) -> dict[str, Any]:
    now = datetime(2026, 11, 22, 3, 4, 5, 678901, tzinfo=UTC)
    values: dict[str, Any] = {
        "rx_number": rx_number,
        "status": "submitted",
        "source": "api",
        "patient_id": patient_id,
        "prescriber_id": prescriber_id,
        "dosage_form": "capsule",
        "dose_basis": "hcl",
        "strength_mg": Decimal("4.5000"),
        "concentration_mg_per_ml": None,
        "dose_mg": Decimal("1.2500"),
        "quantity": Decimal("30"),
        "days_supply": 30,
        "refills": 2,
        "refills_remaining": 2,
        "filler": "mcc",
        "syringe_ml": None,
        "notes": "naïve café — ✓ 漢字",
        "opioid_attestation": True,
        "directions": "Take 1 capsule by mouth at bedtime.",
        "hold_reasons": [],
        "warnings": ["Quantity 30 does not cover 31 days at this dose."],
        "acknowledgements_required": ["low dose", {"nested": [1, "two"]}],
        "created_by_user_id": user_id,
        "created_at": now,
        "updated_at": now,
        "supersedes_id": None,
        "patient_details": {
            "address": "",
            "phone": "",
            "allergies": ["latex"],
            "current_medications": ["naïve café ✓"],
        },
    }
    assert set(values) == set(INTAKE_COLUMNS)
    return values


def test_stores_and_reads_exactly_what_core_does(connection: Connection) -> None:
    people = _people(connection)
    by_core = connection.execute(
        insert(PRESCRIPTIONS).returning(PRESCRIPTIONS.c.id), _prescription(*people, "RX1")
    ).scalar_one()
    by_prebuilt = _ADD_PRESCRIPTION.scalar(connection, _prescription(*people, "RX2"))
    assert isinstance(by_prebuilt, int) and by_prebuilt != by_core

    def core_row(rx_id: int) -> dict[str, Any]:
        row = connection.execute(select(PRESCRIPTIONS).where(PRESCRIPTIONS.c.id == rx_id)).one()
        return dict(row._mapping)

    read = Prebuilt(select(PRESCRIPTIONS).where(PRESCRIPTIONS.c.id == bindparam("rx_id")))
    stored_by_core, stored_by_prebuilt = core_row(by_core), core_row(by_prebuilt)
    for row in (stored_by_core, stored_by_prebuilt):
        row.pop("id"), row.pop("rx_number")
    assert stored_by_prebuilt == stored_by_core
    assert stored_by_prebuilt["strength_mg"] == Decimal("4.5")
    assert stored_by_prebuilt["created_at"].tzinfo is not None

    # Read back through a prebuilt SELECT: the same values and types as Core's row.
    assert read.first(connection, {"rx_id": by_core}) == core_row(by_core)
    assert read.first(connection, {"rx_id": 10**9}) is None


def test_values_the_statement_carries_go_through_their_processors(
    connection: Connection,
) -> None:
    """A value written into the statement (a JSON list, a time) is stored as Core stores
    it, though it is processed once when the statement is compiled, not on every call."""
    when = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    carried = Prebuilt(
        insert(PATIENTS)
        .values(allergies=["penicillin", "latex"], current_medications=[], created_at=when)
        .returning(PATIENTS.c.id),
        columns=("first_name", "last_name", "date_of_birth", "address", "phone"),
    )
    values = {"last_name": "Lovelace", "date_of_birth": date(1985, 12, 10), "address": ""}
    first = carried.scalar(connection, {"first_name": "Ada", "phone": "", **values})
    second = carried.scalar(connection, {"first_name": "Byron", "phone": "1", **values})
    rows = connection.execute(
        select(PATIENTS.c.allergies, PATIENTS.c.created_at, PATIENTS.c.first_name)
        .where(PATIENTS.c.id.in_([first, second]))
        .order_by(PATIENTS.c.id)
    ).all()
    assert [tuple(row) for row in rows] == [
        (["penicillin", "latex"], when, "Ada"),
        (["penicillin", "latex"], when, "Byron"),
    ]
    find = Prebuilt(
        select(PATIENTS.c.first_name).where(
            PATIENTS.c.created_at == when, PATIENTS.c.phone == bindparam("phone")
        )
    )
    assert find.rows(connection, {"phone": "1"}) == [{"first_name": "Byron"}]


def test_a_list_of_values_runs_once_for_each(connection: Connection) -> None:
    add = Prebuilt(
        insert(PATIENTS),
        columns=(
            "first_name",
            "last_name",
            "date_of_birth",
            "address",
            "phone",
            "allergies",
            "current_medications",
            "created_at",
        ),
    )
    now = datetime.now(UTC)
    add.run(
        connection,
        [
            {
                "first_name": f"Many{n}",
                "last_name": "Runs",
                "date_of_birth": date(1990, 1, n + 1),
                "address": "",
                "phone": "",
                "allergies": [],
                "current_medications": [],
                "created_at": now,
            }
            for n in range(3)
        ],
    )
    names = connection.execute(
        select(PATIENTS.c.first_name).where(PATIENTS.c.last_name == "Runs")
    ).scalars()
    assert sorted(names) == ["Many0", "Many1", "Many2"]


def test_runs_inside_the_callers_transaction(database_url: str) -> None:
    engine = make_engine(database_url)
    find = Prebuilt(select(PATIENTS.c.id).where(PATIENTS.c.last_name == bindparam("last")))
    try:
        with Session(engine) as session:
            with session.begin():
                _people(session.connection())
                assert find.scalar(session.connection(), {"last": "Lovelace"}) is not None
                session.rollback()
            with session.begin():
                assert find.scalar(session.connection(), {"last": "Lovelace"}) is None
    finally:
        engine.dispose()


def test_skipping_a_python_side_default_is_refused(connection: Connection) -> None:
    # Patient.created_at has a Python-side default that only Core's execution fills in.
    partial = Prebuilt(insert(PATIENTS), columns=("first_name", "last_name", "date_of_birth"))
    with pytest.raises(TypeError, match="created_at"):
        partial.run(
            connection,
            {"first_name": "A", "last_name": "B", "date_of_birth": date(2000, 1, 1)},
        )


def test_unknown_or_missing_values_are_refused(connection: Connection) -> None:
    find = Prebuilt(select(PATIENTS.c.id).where(PATIENTS.c.last_name == bindparam("last")))
    with pytest.raises(TypeError, match="lats"):
        find.rows(connection, {"last": "x", "lats": "typo"})
    with pytest.raises(exc.InvalidRequestError, match="last"):
        find.rows(connection, {})


def test_two_columns_of_one_name_are_refused(connection: Connection) -> None:
    # Core labels clashing columns itself; hand-written SQL can still clash.
    both = Prebuilt(text("SELECT 1 AS n, 2 AS n"))
    with pytest.raises(TypeError, match="same name"):
        both.rows(connection)


def test_a_driver_error_is_sqlalchemys_and_keeps_patient_data_out(
    connection: Connection,
) -> None:
    values = {**_prescription(*_people(connection), "RX-DUP"), "notes": CANARY}
    _ADD_PRESCRIPTION.run(connection, values)
    with pytest.raises(exc.IntegrityError) as raised:
        _ADD_PRESCRIPTION.run(connection, values)  # rx_number is unique
    assert raised.value.params is None
    assert CANARY not in str(raised.value)


def test_a_lost_connection_is_invalidated_and_its_replacement_works(database_url: str) -> None:
    engine = make_engine(database_url)
    find = Prebuilt(select(PATIENTS.c.id).where(PATIENTS.c.last_name == bindparam("last")))
    try:
        with engine.connect() as conn:
            assert find.rows(conn, {"last": "Nobody"}) == []
            conn.connection.dbapi_connection.close()  # the server went away
            with pytest.raises(exc.DBAPIError) as raised:
                find.rows(conn, {"last": "Nobody"})
            assert raised.value.connection_invalidated
            assert conn.invalidated
        with engine.connect() as conn:  # the pool connects afresh; a new cursor follows
            assert find.rows(conn, {"last": "Nobody"}) == []
    finally:
        engine.dispose()
