"""Guarantee 7: back up, destroy, restore, and every table is as it was.

SQLite through `pharmacy backup` / `pharmacy restore` (online backup API); PostgreSQL
through the same commands, which run pg_dump and a checked pg_restore.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pharmacy.backup import BackupError, restore_sqlite, sqlite_path
from pharmacy.backup_postgres import libpq
from pharmacy.serving import role_problem
from tests.conftest import owner_url

from .helpers import dialect, submit, table_snapshot, verify


def _activity(api: Any) -> None:
    rx = submit(api, "drA", patient={"first_name": "Zoë", "last_name": "Łukasiewicz"})
    assert verify(api, rx["id"]).status_code == 200
    submit(api, "drB", patient={"first_name": "Grace", "last_name": "Hopper"})


def _snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = create_engine(url)
    try:
        return table_snapshot(engine)
    finally:
        engine.dispose()


@pytest.fixture(autouse=True)
def audit_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """`pharmacy backup` signs a checkpoint; the key lives outside the database."""
    monkeypatch.setenv("PHARMACY_AUDIT_KEY", "k" * 40)


def test_sqlite_backup_destroy_restore(api: Any, tmp_path: Path) -> None:
    if dialect(api.app) != "sqlite":
        pytest.skip("the PostgreSQL round trip is the next test")
    from pharmacy.services.uow import current_db

    _activity(api)
    url = api.app.config["DATABASE_URL"]
    before = _snapshot(url)
    assert sum(len(rows) for rows in before.values()) > 20
    runner = api.app.test_cli_runner()
    target = tmp_path / "backups" / "pharmacy-backup.db"

    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert target.stat().st_mode & 0o077 == 0  # patient data: owner only
    again = runner.invoke(args=["backup", str(target)])
    assert again.exit_code != 0 and "exists" in again.output  # never overwrites a backup

    # Destroy: the database file and its WAL are gone.
    current_db().dispose()
    database = sqlite_path(url)
    assert database is not None
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    assert not database.exists()

    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert "Audit chain intact" in result.output
    assert _snapshot(url) == before
    # And the app works on the restored database.
    assert api.get("/api/v1/prescriptions", as_="pharm").get_json()["meta"]["total"] == 2
    assert api.get("/api/v1/prescriptions", as_="pharm").status_code == 200


def test_sqlite_restore_refuses_a_bad_file(app: Any, tmp_path: Path) -> None:
    if dialect(app) != "sqlite":
        pytest.skip("SQLite only")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(BackupError):
        restore_sqlite(junk, tmp_path / "live.db")
    result = app.test_cli_runner().invoke(args=["restore", str(junk), "--yes"])
    assert result.exit_code != 0
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0


def test_sqlite_backup_while_writing_is_consistent(api: Any, tmp_path: Path) -> None:
    """The online backup API copies a consistent snapshot while the app keeps writing."""
    if dialect(api.app) != "sqlite":
        pytest.skip("SQLite only")
    import threading

    from pharmacy.backup import backup_sqlite

    url = api.app.config["DATABASE_URL"]
    database = sqlite_path(url)
    assert database is not None
    stop = threading.Event()

    def write() -> None:
        with api.app.app_context():
            n = 0
            while not stop.is_set() and n < 200:
                n += 1
                submit(api, "drA", patient={"first_name": f"P{n}", "last_name": "Writer"})

    writer = threading.Thread(target=write)
    writer.start()
    try:
        copies = [backup_sqlite(database, tmp_path / f"b{i}.db") for i in range(3)]
    finally:
        stop.set()
        writer.join()
    for copy in copies:
        engine = create_engine(f"sqlite:///{copy.path}")
        with engine.connect() as conn:
            from sqlalchemy.orm import Session

            from pharmacy.audit import verify_chain

            with Session(bind=conn) as session:
                assert verify_chain(session).ok
        engine.dispose()


def test_postgres_backup_destroy_restore(api: Any, tmp_path: Path) -> None:
    if dialect(api.app) != "postgresql":
        pytest.skip("the SQLite round trip is the previous test")
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.skip("pg_dump/pg_restore are not installed")
    from pharmacy.services.uow import current_db

    _activity(api)
    app_url = api.app.config["DATABASE_URL"]
    url = owner_url(app_url)
    before = _snapshot(url)
    target = tmp_path / "pharmacy.dump"
    result = api.app.test_cli_runner().invoke(args=["backup", str(target)])  # as the app
    assert result.exit_code == 0, result.output
    assert target.stat().st_mode & 0o777 == 0o600

    current_db().dispose()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    assert _snapshot(url) == {}

    api.app.config["DATABASE_URL"] = url  # restoring is the owner's work
    role = make_url(app_url).username
    result = api.app.test_cli_runner().invoke(
        args=["restore", str(target), "--yes", "--app-role", str(role)]
    )
    assert result.exit_code == 0, result.output
    assert "Audit chain intact" in result.output
    assert _snapshot(url) == before
    # The restored database still refuses rewrites, and the app role has its rights back.
    engine = create_engine(url)
    with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events"))
    engine.dispose()
    assert role_problem(app_url) is None
    api.app.config["DATABASE_URL"] = app_url
    submit(api, "drA", patient={"first_name": "After", "last_name": "Restore"})


def test_the_postgres_tools_never_get_the_password_on_their_command_line() -> None:
    url, env = libpq("postgresql+psycopg://pharmacy:s3cret-pw@db.example:5433/ldn?sslmode=require")
    assert "s3cret-pw" not in url and env["PGPASSWORD"] == "s3cret-pw"
    assert url == "postgresql://pharmacy@db.example:5433/ldn?sslmode=require"
