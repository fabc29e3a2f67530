"""Issue 18, break 3 on PostgreSQL: `pharmacy restore` checks the dump in a scratch database
first (schema revision, every migration-defined trigger present, enabled and unaltered, no
foreign trigger, an intact audit chain) and refuses with a non-zero exit, leaving the live
database untouched; a good dump restores with its triggers and the app's grants re-created.

Bad dumps are made from a copy of a good one in a database of their own, so the worker's
database never loses a trigger."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pharmacy.backup_postgres import libpq
from pharmacy.serving import role_problem
from tests.conftest import owner_url

from .helpers import dialect, submit, table_snapshot


@pytest.fixture(autouse=True)
def audit_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHARMACY_AUDIT_KEY", "k" * 40)


@pytest.fixture
def good_dump(api: Any, tmp_path: Path) -> Path:
    if dialect(api.app) != "postgresql":
        pytest.skip("PostgreSQL (the SQLite checks are test_restore_checks)")
    if not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    submit(api, "drA")
    target = tmp_path / "good.dump"
    result = api.app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    return target


@pytest.fixture
def bad_dump(api: Any, good_dump: Path, tmp_path: Path) -> Iterator[Any]:
    """make(statements...) → a dump of the good one's contents after the statements, run as
    a superuser in replica mode (so the triggers do not stop the tampering)."""
    owner = owner_url(api.app.config["DATABASE_URL"])
    made: list[str] = []
    admin = create_engine(owner, isolation_level="AUTOCOMMIT")

    def make(*statements: str) -> Path:
        name = f"tamper_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        target, env = libpq(owner, name)
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={target}", str(good_dump)],
                       env=env, check=True, capture_output=True, timeout=120)  # fmt: skip
        copy = create_engine(make_url(owner).set(database=name))
        with copy.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for statement in statements:
                conn.execute(text(statement))
        copy.dispose()
        path = tmp_path / f"{name}.dump"
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={path}", target],
                       env=env, check=True, capture_output=True, timeout=120)  # fmt: skip
        return path

    yield make
    with admin.connect() as conn:
        for name in made:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _live(app: Any) -> dict[str, Any]:
    engine = create_engine(owner_url(app.config["DATABASE_URL"]))
    try:
        return table_snapshot(engine)
    finally:
        engine.dispose()


def _restore(app: Any, path: Path) -> Any:
    """`pharmacy restore` as the owner, the role that may replace tables."""
    served = app.config["DATABASE_URL"]
    app.config["DATABASE_URL"] = owner_url(served)
    try:
        return app.test_cli_runner().invoke(args=["restore", str(path), "--yes"])
    finally:
        app.config["DATABASE_URL"] = served


_ALTERED_FUNCTION = """
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RETURN NEW; END $$
"""


@pytest.mark.parametrize(
    ("statements", "message"),
    [
        (
            [
                "DROP TRIGGER audit_events_no_update ON audit_events",
                "UPDATE audit_events SET reason = 'edited' WHERE id = 1",
            ],
            "lacks the trigger audit_events_no_update",
        ),
        (
            ["ALTER TABLE prescriptions DISABLE TRIGGER prescriptions_no_truncate"],
            "prescriptions_no_truncate on prescriptions disabled",
        ),
        (["ALTER_FUNCTION"], "has an altered trigger"),
        (
            [
                "CREATE FUNCTION sneaky() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RETURN NEW; END $$",
                "CREATE TRIGGER sneaky BEFORE INSERT ON patients FOR EACH ROW "
                "EXECUTE FUNCTION sneaky()",
            ],
            "trigger the migrations do not define: sneaky",
        ),
        (["DROP INDEX ix_patients_identity"], "lacks the unique index ix_patients_identity"),
        (
            [
                "DROP INDEX ix_patients_identity",
                "CREATE INDEX ix_patients_identity ON patients "
                "(identity_name, date_of_birth)",
            ],
            "lacks the unique index ix_patients_identity",
        ),
        (
            [
                "DROP INDEX ix_patients_identity",
                "CREATE UNIQUE INDEX ix_patients_identity ON patients (id)",
            ],
            "altered index ix_patients_identity",
        ),
        (["UPDATE alembic_version SET version_num = '0003_hardening'"], "schema revision"),
        (["UPDATE audit_events SET reason = 'edited' WHERE id = 1"], "audit chain broken"),
    ],
)
def test_a_bad_dump_is_refused_and_the_live_database_untouched(
    api: Any, bad_dump: Any, statements: list[str], message: str
) -> None:
    if statements == ["ALTER_FUNCTION"]:
        function = _trigger_function(api.app, "audit_events_no_update")
        statements = [_ALTERED_FUNCTION.format(function=function)]
    path = bad_dump(*statements)
    submit(api, "drB", patient={"first_name": "After", "last_name": "Backup"})
    before = _live(api.app)
    result = _restore(api.app, path)
    assert result.exit_code != 0, result.output
    assert message in result.output and "not touched" in result.output, result.output
    assert _live(api.app) == before


def _trigger_function(app: Any, trigger: str) -> str:
    engine = create_engine(owner_url(app.config["DATABASE_URL"]))
    with engine.connect() as conn:
        name = conn.execute(
            text("SELECT tgfoid::regproc::text FROM pg_trigger WHERE tgname = :t"), {"t": trigger}
        ).scalar_one()
    engine.dispose()
    return str(name)


def test_a_dump_with_wider_grants_restores_with_the_apps_rights_only(
    api: Any, bad_dump: Any
) -> None:
    app_url = api.app.config["DATABASE_URL"]
    role = make_url(app_url).username
    path = bad_dump(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}")
    result = _restore(api.app, path)
    assert result.exit_code == 0, result.output
    assert f"grants given again to: {role}" in result.output
    assert role_problem(app_url) is None  # no TRUNCATE came back with the dump


def test_a_file_that_is_not_a_dump_is_refused(api: Any, good_dump: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.dump"
    junk.write_bytes(b"not a dump at all")
    before = _live(api.app)
    result = _restore(api.app, junk)
    assert result.exit_code != 0 and "not touched" in result.output, result.output
    assert _live(api.app) == before
