"""Issue 18, breaks 3 and 8: `pharmacy restore` replaced the live database first and checked
afterwards (it printed "Audit chain BROKEN", exited 0 and kept the tampered data), a backup
without the audit triggers restored cleanly, and SQLite files were created 0644. SQLite."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from .helpers import dialect, submit, table_snapshot


@pytest.fixture(autouse=True)
def audit_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHARMACY_AUDIT_KEY", "k" * 40)


@pytest.fixture
def backup(api: Any, tmp_path: Path) -> Path:
    if dialect(api.app) != "sqlite":
        pytest.skip("SQLite: PostgreSQL restores with pg_restore (SECURITY.md)")
    submit(api, "drA")
    target = tmp_path / "backup.db"
    result = api.app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    return target


def _tamper_backup(path: Path, *statements: str) -> None:
    with closing(sqlite3.connect(path)) as conn:
        for statement in statements:
            conn.execute(statement)
        conn.commit()


def _live(app: Any) -> dict[str, Any]:
    engine = create_engine(app.config["DATABASE_URL"])
    try:
        return table_snapshot(engine)
    finally:
        engine.dispose()


def _restore(app: Any, path: Path) -> Any:
    return app.test_cli_runner().invoke(args=["restore", str(path), "--yes"])


@pytest.mark.parametrize(
    ("statements", "message"),
    [
        (["DROP TRIGGER audit_events_no_update",
          "UPDATE audit_events SET reason = 'edited' WHERE id = 2"], "lacks the trigger"),
        (["DROP TRIGGER audit_events_no_update"], "lacks the trigger audit_events_no_update"),
        (["DROP TRIGGER prescriptions_no_delete",
          "CREATE TRIGGER prescriptions_no_delete BEFORE DELETE ON prescriptions "
          "FOR EACH ROW WHEN 0 BEGIN SELECT RAISE(ABORT, 'x'); END"], "altered trigger"),
        (["DROP INDEX ix_patients_identity"], "lacks the unique index ix_patients_identity"),
        (["DROP INDEX ix_patients_identity",
          "CREATE INDEX ix_patients_identity ON patients "
          "(identity_name, date_of_birth)"],
         "lacks the unique index ix_patients_identity"),
        (["UPDATE alembic_version SET version_num = '0003_hardening'"], "schema revision"),
    ],
)
def test_a_bad_backup_is_refused_and_the_live_database_untouched(
    api: Any, backup: Path, statements: list[str], message: str
) -> None:
    submit(api, "drB", patient={"first_name": "After", "last_name": "Backup"})
    before = _live(api.app)
    _tamper_backup(backup, *statements)
    result = _restore(api.app, backup)
    assert result.exit_code != 0
    assert message in result.output and "not touched" in result.output
    assert _live(api.app) == before


def test_a_backup_with_a_broken_chain_is_refused(api: Any, backup: Path) -> None:
    before = _live(api.app)
    # Rewritten behind the triggers' back, then the triggers put back as they were.
    with closing(sqlite3.connect(backup)) as conn:
        sql = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'audit_events_no_update'"
        ).fetchone()[0]
        conn.execute("DROP TRIGGER audit_events_no_update")
        conn.execute("UPDATE audit_events SET reason = 'edited' WHERE id = 2")
        conn.execute(sql)
        conn.commit()
    result = _restore(api.app, backup)
    assert result.exit_code != 0 and "audit chain broken" in result.output
    assert _live(api.app) == before


def test_a_good_backup_restores_and_keeps_its_protections(api: Any, backup: Path) -> None:
    expected = _live(api.app)
    submit(api, "drB", patient={"first_name": "After", "last_name": "Backup"})
    result = _restore(api.app, backup)
    assert result.exit_code == 0, result.output
    assert _live(api.app) == expected
    from pharmacy.backup_checks import reference_triggers

    database = Path(api.app.config["DATABASE_URL"].removeprefix("sqlite:///"))
    with closing(sqlite3.connect(database)) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
        assert set(reference_triggers()) <= names
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("UPDATE audit_events SET reason = 'x'")


def test_sqlite_files_are_private(tmp_path: Path) -> None:
    from pharmacy import migrate
    from pharmacy.db import Database

    path = tmp_path / "fresh.db"
    migrate.upgrade(f"sqlite:///{path}")
    assert path.stat().st_mode & 0o777 == 0o600
    loose = tmp_path / "loose.db"
    loose.touch(mode=0o644)
    loose.chmod(0o644)
    db = Database(f"sqlite:///{loose}")
    with db.engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x)")
        for suffix in ("", "-wal", "-shm"):
            file = Path(f"{loose}{suffix}")
            if file.exists():
                assert file.stat().st_mode & 0o777 == 0o600, suffix
    db.dispose()
