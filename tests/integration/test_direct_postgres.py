"""Prebuilt statements on PostgreSQL go through psycopg's libpq connection
(pharmacy/direct_postgres.py): they answer what psycopg's cursor answers, a transaction's
BEGIN rides with its first statement, errors and lost connections surface as SQLAlchemy's,
and the connection is left as psycopg expects it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, bindparam, exc, literal, select, text
from sqlalchemy.engine import Engine

from pharmacy import direct_postgres
from pharmacy.db import make_engine
from pharmacy.models import Patient
from pharmacy.prebuilt import Prebuilt
from pharmacy.services.prescriptions import _ADD_PATIENT as _NEW_PATIENT

PATIENTS = Patient.__table__
_PATIENT = Prebuilt(select(PATIENTS).where(PATIENTS.c.id == bindparam("patient_id")))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    if not database_url.startswith("postgresql"):
        pytest.skip("the direct path is PostgreSQL's")
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _patient(first_name: str = "Ada", **changes: Any) -> dict[str, Any]:
    return {
        "first_name": first_name,
        "last_name": "Lovelace",
        "date_of_birth": date(1985, 12, 10),
        "address": "1 Analytical Row",
        "phone": "",
        "allergies": ["latex", "naïve café ✓"],
        "current_medications": [],
        "created_at": datetime(2026, 12, 2, 9, 30, 1, 234567, tzinfo=UTC),
        **changes,
    }


def _status(conn: Connection) -> str:
    return str(conn.connection.dbapi_connection.info.transaction_status.name)


def _direct(conn: Connection) -> direct_postgres.DirectConnection:
    direct = direct_postgres.for_connection(conn.connection)
    assert direct is not None
    return direct


def test_the_first_statement_begins_the_transaction_in_the_same_round_trip(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with engine.connect() as conn:
        conn.begin()
        assert _status(conn) == "IDLE"  # psycopg sends BEGIN only with a statement
        pipelined = []
        real = direct_postgres.DirectConnection._begin_and_run

        def spy(self: Any, *args: Any) -> Any:
            pipelined.append(args[0])
            return real(self, *args)

        monkeypatch.setattr(direct_postgres.DirectConnection, "_begin_and_run", spy)
        patient_id = _NEW_PATIENT.scalar(conn, _patient())
        assert pipelined == [b"BEGIN"]
        assert _status(conn) == "INTRANS"
        assert _PATIENT.first(conn, {"patient_id": patient_id})["first_name"] == "Ada"
        assert pipelined == [b"BEGIN"]  # the second statement is already inside it
        conn.rollback()
        assert _status(conn) == "IDLE"
    with engine.connect() as conn:
        # Rolled back: BEGIN really opened a transaction around the INSERT.
        assert _PATIENT.first(conn, {"patient_id": patient_id}) is None
        conn.rollback()


def test_answers_what_the_cursor_answers(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.begin()
        patient_id = _NEW_PATIENT.scalar(conn, _patient())
        direct_row = _PATIENT.first(conn, {"patient_id": patient_id})
        by_core = conn.execute(select(PATIENTS).where(PATIENTS.c.id == patient_id)).one()
        assert direct_row == dict(by_core._mapping)
        assert direct_row["allergies"] == ["latex", "naïve café ✓"]
        assert direct_row["created_at"] == datetime(2026, 12, 2, 9, 30, 1, 234567, tzinfo=UTC)

        mixed = Prebuilt(
            select(
                literal(Decimal("4.5000")).label("strength"),
                bindparam("n", type_=PATIENTS.c.id.type).label("n"),
                literal("漢字").label("text"),
            )
        )
        assert mixed.first(conn, {"n": 7}) == {"strength": Decimal("4.5000"), "n": 7, "text": "漢字"}
        assert mixed.first(conn, {"n": None}) == {"strength": Decimal("4.5000"), "n": None, "text": "漢字"}
        conn.rollback()


def test_each_statement_is_prepared_once_per_connection_and_survives_a_rollback(
    engine: Engine,
) -> None:
    with engine.connect() as conn:
        conn.begin()
        direct = _direct(conn)
        before = len(direct.prepared)
        _PATIENT.first(conn, {"patient_id": 1})
        _PATIENT.first(conn, {"patient_id": 2})
        assert len(direct.prepared) == before + 1
        conn.rollback()  # psycopg prepares nothing itself, so sends no DEALLOCATE ALL
        conn.begin()
        assert _PATIENT.first(conn, {"patient_id": 1}) is None
        assert len(direct.prepared) == before + 1
        conn.rollback()


def test_a_database_error_is_sqlalchemys(engine: Engine) -> None:
    duplicate = Prebuilt(
        text("INSERT INTO counters (key, value) VALUES (:key, :value)")
    )
    with engine.connect() as conn:
        conn.begin()
        duplicate.run(conn, {"key": "direct-test", "value": 1})
        with pytest.raises(exc.IntegrityError):
            duplicate.run(conn, {"key": "direct-test", "value": 2})
        assert _status(conn) == "INERROR"
        assert _direct(conn).prepared == {}  # forgotten: the next transaction prepares afresh
        conn.rollback()
        # The same connection works on, in a new transaction.
        duplicate.run(conn, {"key": "direct-test", "value": 3})
        conn.rollback()


def test_an_error_in_the_first_statement_ends_the_pipeline_cleanly(engine: Engine) -> None:
    failing = Prebuilt(select((literal(1) / bindparam("zero", type_=PATIENTS.c.id.type)).label("q")))
    with engine.connect() as conn:
        conn.begin()
        with pytest.raises(exc.DataError):
            failing.first(conn, {"zero": 0})
        assert _status(conn) == "INERROR"
        conn.rollback()
        conn.begin()
        assert failing.first(conn, {"zero": 1}) == {"q": 1}
        conn.rollback()


def test_a_lost_connection_is_invalidated(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.begin()
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        conn.rollback()
        with engine.connect() as other:
            other.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
            other.rollback()
        conn.begin()
        with pytest.raises(exc.DBAPIError) as raised:
            _PATIENT.first(conn, {"patient_id": 1})
        assert raised.value.connection_invalidated
        conn.rollback()
    with engine.connect() as conn:  # the pool made a new connection
        assert _PATIENT.first(conn, {"patient_id": 1}) is None
        conn.rollback()


def test_an_autocommit_connection_opens_no_transaction(engine: Engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        assert _PATIENT.first(conn, {"patient_id": 1}) is None
        assert _status(conn) == "IDLE"


def test_a_connection_where_psycopg_prepares_statements_uses_the_cursor(
    database_url: str,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the direct path is PostgreSQL's")
    engine = make_engine(database_url, connect_args={"prepare_threshold": 5})
    try:
        with engine.connect() as conn:
            conn.begin()
            assert direct_postgres.for_connection(conn.connection) is None
            assert _PATIENT.first(conn, {"patient_id": 1}) is None
            conn.rollback()
    finally:
        engine.dispose()


def test_a_statement_waiting_for_a_lock_lets_other_threads_run(engine: Engine) -> None:
    """A statement that waits for a row another transaction has locked waits outside the
    GIL: the thread holding the lock can still commit (a blocking libpq call would stop
    every thread of the worker, that one included)."""
    take = Prebuilt(
        text(
            "INSERT INTO counters (key, value) VALUES (:key, 1) ON CONFLICT (key) "
            "DO UPDATE SET value = counters.value + 1 RETURNING value"
        )
    )
    with engine.connect() as holder:
        holder.begin()
        assert take.scalar(holder, {"key": "direct-lock"}) == 1
        answered: list[int] = []

        def wait_for_the_lock() -> None:
            with engine.connect() as waiter:
                waiter.begin()
                # Were the wait to hold the GIL, this ends it and the test fails, not hangs.
                waiter.exec_driver_sql("SET LOCAL lock_timeout = '5s'")
                answered.append(take.scalar(waiter, {"key": "direct-lock"}))
                waiter.commit()

        waiting = threading.Thread(target=wait_for_the_lock, daemon=True)
        waiting.start()
        time.sleep(0.3)  # the other thread is now waiting for the row
        assert answered == []
        holder.commit()  # runs Python while the other thread waits
        waiting.join(timeout=10)
        assert not waiting.is_alive()
        assert answered == [2]


def test_commit_goes_the_direct_way_and_reports_what_fails_at_commit(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    committed: list[bool] = []
    real = direct_postgres.DirectConnection.commit

    def spy(self: Any) -> None:
        committed.append(True)
        real(self)

    monkeypatch.setattr(direct_postgres.DirectConnection, "commit", spy)
    with engine.connect() as conn:
        conn.begin()
        patient_id = _NEW_PATIENT.scalar(conn, _patient(first_name="Committed"))
        conn.commit()
        assert committed == [True] and _status(conn) == "IDLE"
        conn.begin()
        conn.commit()  # nothing began on the server: nothing sent
        assert _status(conn) == "IDLE"
    with engine.connect() as other:
        assert _PATIENT.first(other, {"patient_id": patient_id})["first_name"] == "Committed"
        other.rollback()
    with engine.connect() as conn:
        conn.exec_driver_sql(
            "CREATE TEMPORARY TABLE deferred_check (n integer UNIQUE DEFERRABLE INITIALLY "
            "DEFERRED)"
        )
        conn.commit()
        conn.exec_driver_sql("INSERT INTO deferred_check VALUES (1), (1)")
        with pytest.raises(exc.IntegrityError):
            conn.commit()  # the constraint is checked at COMMIT
        conn.rollback()
        assert _status(conn) == "IDLE"
