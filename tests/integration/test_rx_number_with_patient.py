"""Migration 0011's function takes the next Rx number and then finds the patient's record,
in one round trip on PostgreSQL: it answers what the two statements SQLite runs answer,
and its columns are the patients table's (a new column there must be added to it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Connection, insert, text
from sqlalchemy.engine import Engine

from pharmacy.db import make_engine
from pharmacy.models import Patient
from pharmacy.services import prescriptions as rx_service

PATIENTS = Patient.__table__


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _both_ways(conn: Connection, details: dict[str, object]) -> list[tuple[str, object]]:
    """The answer on this database, and (on PostgreSQL) the two statements' answer too."""
    answers = [rx_service._take_rx_number_and_find_patient(conn, details)]
    if conn.dialect.name == "postgresql":
        number = rx_service.next_value(conn, rx_service.RX_COUNTER, start=rx_service.RX_FIRST)
        stored = rx_service._FIND_PATIENT.first(
            conn,
            {
                "first": str(details["first_name"]).lower(),
                "last": str(details["last_name"]).lower(),
                "born": details["date_of_birth"],
            },
        )
        answers.append((f"RX{number}", stored))
    return answers


def test_the_number_then_the_record_as_two_statements_would_give(engine: Engine) -> None:
    details = {"first_name": "ADA", "last_name": "lovelace", "date_of_birth": date(1985, 12, 10)}
    with engine.connect() as conn:
        conn.begin()
        answers = _both_ways(conn, details)
        numbers = [int(number.removeprefix("RX")) for number, _ in answers]
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
        assert all(stored is None for _, stored in answers)
        conn.execute(
            insert(PATIENTS),
            {
                "first_name": "Ada",
                "last_name": "Lovelace",
                "date_of_birth": date(1985, 12, 10),
                "address": "1 Analytical Row",
                "phone": "",
                "allergies": ["latex"],
                "current_medications": [],
                "created_at": datetime(2026, 12, 2, 9, 30, tzinfo=UTC),
            },
        )
        answers = _both_ways(conn, details)
        records = [stored for _, stored in answers]
        assert records[0] is not None and records[0]["allergies"] == ["latex"]
        assert all(record == records[0] for record in records)
        conn.rollback()


def test_the_function_returns_the_patients_columns(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the function is PostgreSQL's")
    with engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()
        cursor.execute(
            "SELECT * FROM pharmacy_take_number_and_find_patient('t', 1, 'a', 'b', '2000-01-01')"
            " LIMIT 0"
        )
        returned = [(column.name, column.type_code) for column in cursor.description]
        cursor.execute("SELECT * FROM patients LIMIT 0")
        table = [(column.name, column.type_code) for column in cursor.description]
        assert returned == [("taken", returned[0][1]), *table]
        conn.rollback()
        assert conn.execute(text("SELECT 1")).scalar() == 1
