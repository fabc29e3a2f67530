"""Issue 18, breaks 1-3: the chain head, signed checkpoints outside the database, TRUNCATE,
and a restore that checks the backup first. Runs on SQLite and PostgreSQL.

Each tampering test first shows the break (plain `audit verify` passes, or the statement
succeeds) and then that the fix notices it. Tampering runs as someone who can bypass the
triggers: on PostgreSQL a superuser in replica mode, on SQLite after dropping them (each
test has its own copy of the database)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from pharmacy.audit import event_hash, hashed_fields
from pharmacy.models import AuditEvent
from tests.conftest import owner_url

from .helpers import dialect, submit, verify

KEY = "an audit checkpoint key of forty bytes!!"


@pytest.fixture(autouse=True)
def audit_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHARMACY_AUDIT_KEY", KEY)
    monkeypatch.delenv("PHARMACY_CHECKPOINT_DIR", raising=False)


def _tamper(app: Any, *statements: str) -> None:
    engine = create_engine(owner_url(app.config["DATABASE_URL"]))
    with engine.begin() as conn:
        if dialect(app) == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            names = (
                conn.execute(
                    text(
                        "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                        "AND tbl_name LIKE 'audit%'"
                    )
                )
                .scalars()
                .all()
            )
            for name in names:
                conn.execute(text(f'DROP TRIGGER "{name}"'))
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def _cli(app: Any, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=list(args))


def _activity(api: Any) -> None:
    rx = submit(api, "drA")
    assert verify(api, rx["id"]).status_code == 200
    submit(api, "drB", patient={"first_name": "Grace", "last_name": "Hopper"})


def _events(app: Any) -> list[dict[str, Any]]:
    from pharmacy.services.uow import current_db

    with current_db().engine.connect() as conn:
        table = AuditEvent.__table__
        rows = conn.execute(select(table).order_by(table.c.id)).mappings().all()
    return [dict(row) for row in rows]


def test_verify_fails_when_the_head_is_missing(api: Any) -> None:
    _activity(api)
    assert _cli(api.app, "audit", "verify").exit_code == 0
    _tamper(api.app, "DELETE FROM audit_chain_head")
    result = _cli(api.app, "audit", "verify")
    assert result.exit_code == 1, result.output  # it said "intact" before the fix
    assert "head is missing" in result.output


def test_verify_fails_when_the_head_names_another_event(api: Any) -> None:
    _activity(api)
    events = _events(api.app)
    _tamper(api.app, f"UPDATE audit_chain_head SET last_event_id = {events[0]['id']}")
    result = _cli(api.app, "audit", "verify")
    assert result.exit_code == 1 and "another last event" in result.output


def test_the_database_refuses_to_delete_the_head(api: Any, raw: Any) -> None:
    _activity(api)
    with pytest.raises(DBAPIError, match="never deleted"):
        raw("DELETE FROM audit_chain_head")


@pytest.mark.parametrize(
    "table", ["audit_events", "audit_chain_head", "prescriptions", "patients", "batches", "fills"]
)
def test_postgres_refuses_truncate(api: Any, raw: Any, table: str) -> None:
    if dialect(api.app) != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; DELETE FROM fires the row triggers")
    _activity(api)
    before = raw(f"SELECT count(*) FROM {table}").scalar_one()
    with pytest.raises(DBAPIError, match="never truncated"):
        raw(f"TRUNCATE {table} CASCADE")
    assert raw(f"SELECT count(*) FROM {table}").scalar_one() == before


def _checkpoint(app: Any, folder: Path) -> Path:
    result = _cli(app, "audit", "checkpoint", "--dir", str(folder))
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip().splitlines()[-1])
    assert path.parent == folder and path.is_file()
    assert path.stat().st_mode & 0o077 == 0
    return path


def _verify_with(app: Any, folder: Path) -> Any:
    return _cli(app, "audit", "verify", "--checkpoints", str(folder))


def test_checkpoint_written_signed_and_verified(api: Any, tmp_path: Path) -> None:
    _activity(api)
    path = _checkpoint(api.app, tmp_path)
    fields = json.loads(path.read_text())
    events = _events(api.app)
    assert fields["last_event_id"] == events[-1]["id"]
    assert fields["head_hash"] == events[-1]["row_hash"]
    assert fields["count"] == len(events)
    submit(api, "drA", patient={"first_name": "Later", "last_name": "Event"})
    _checkpoint(api.app, tmp_path)
    result = _verify_with(api.app, tmp_path)
    assert result.exit_code == 0, result.output
    assert "all 2 signed checkpoints" in result.output


def test_checkpoints_detect_deleted_tail_events(api: Any, tmp_path: Path) -> None:
    _activity(api)
    _checkpoint(api.app, tmp_path)
    events = _events(api.app)
    keep = events[-3]
    _tamper(
        api.app,
        f"DELETE FROM audit_events WHERE id > {keep['id']}",
        f"UPDATE audit_chain_head SET last_event_id = {keep['id']}, "
        f"last_hash = '{keep['row_hash']}'",
    )
    assert _cli(api.app, "audit", "verify").exit_code == 0  # the break: the chain alone passes
    result = _verify_with(api.app, tmp_path)
    assert result.exit_code == 1
    assert "MISMATCH" in result.output and "remain" in result.output


def test_checkpoints_detect_a_rewritten_event_with_a_recomputed_chain(
    api: Any, tmp_path: Path
) -> None:
    _activity(api)
    _checkpoint(api.app, tmp_path)
    events = _events(api.app)
    statements = []
    prev = events[1]["prev_hash"]
    for index, row in enumerate(events[1:], start=1):
        if index == 1:
            row["reason"] = "rewritten after the fact"
        row_hash = event_hash(prev, hashed_fields(row))
        reason = "NULL" if row["reason"] is None else f"'{row['reason']}'"
        statements.append(
            f"UPDATE audit_events SET reason = {reason}, prev_hash = '{prev}', "
            f"row_hash = '{row_hash}' WHERE id = {row['id']}"
        )
        prev = row_hash
    statements.append(f"UPDATE audit_chain_head SET last_hash = '{prev}'")
    _tamper(api.app, *statements)
    assert _cli(api.app, "audit", "verify").exit_code == 0  # recomputed: the chain passes
    result = _verify_with(api.app, tmp_path)
    assert result.exit_code == 1 and "rewritten" in result.output


def test_checkpoints_detect_a_replaced_head(api: Any, tmp_path: Path) -> None:
    _activity(api)
    _checkpoint(api.app, tmp_path)
    _tamper(api.app, "UPDATE audit_chain_head SET last_hash = '" + "f" * 64 + "'")
    result = _verify_with(api.app, tmp_path)
    assert result.exit_code == 1 and "BROKEN" in result.output


def test_a_forged_or_foreign_checkpoint_is_refused(
    api: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _activity(api)
    path = _checkpoint(api.app, tmp_path)
    fields = json.loads(path.read_text())
    fields["count"] -= 1  # to cover for a deleted event
    path.write_text(json.dumps(fields))
    result = _verify_with(api.app, tmp_path)
    assert result.exit_code == 1 and "signature does not match" in result.output
    other = tmp_path / "other"
    _checkpoint(api.app, other)
    monkeypatch.setenv("PHARMACY_AUDIT_KEY", "another key that is forty bytes long!!!!")
    assert _verify_with(api.app, other).exit_code == 1


def test_no_checkpoint_or_no_key_is_a_failure(
    api: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _activity(api)
    result = _verify_with(api.app, tmp_path / "empty")
    assert result.exit_code == 1 and "no checkpoints" in result.output
    monkeypatch.delenv("PHARMACY_AUDIT_KEY")
    result = _cli(api.app, "audit", "checkpoint", "--dir", str(tmp_path))
    assert result.exit_code != 0 and "PHARMACY_AUDIT_KEY_FILE" in result.output


def test_backup_writes_a_checkpoint(api: Any, tmp_path: Path) -> None:
    _activity(api)
    folder = tmp_path / "checkpoints"
    result = _cli(api.app, "backup", str(tmp_path / "b.db"), "--checkpoints", str(folder))
    assert "Audit checkpoint:" in result.output, result.output
    assert result.exit_code == 0, result.output  # PostgreSQL: pg_dump ran
    assert (tmp_path / "b.db").stat().st_mode & 0o777 == 0o600
    assert len(list(folder.glob("audit-checkpoint-*.json"))) == 1
    assert _verify_with(api.app, folder).exit_code == 0
