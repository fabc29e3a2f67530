"""What a SQLite backup must be before it may replace the live database: sound, at the
schema revision this code migrates to, with an intact audit chain, with every trigger the
migrations define present and unaltered (compared with a database freshly migrated to that
revision), and with the unique indexes that carry a rule (one record per person). After a
restore the triggers are re-created from the same reference."""

from __future__ import annotations

import sqlite3
import tempfile
from contextlib import closing
from functools import lru_cache
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect
from sqlalchemy.orm import Session

from pharmacy import migrate
from pharmacy.audit import verify_chain


class BackupRefused(RuntimeError):
    """The backup is not safe to restore; the live database was not touched."""


def head_revision() -> str:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    head = script.get_current_head()
    assert head is not None
    return head


@lru_cache(maxsize=1)
def reference_triggers() -> dict[str, str]:
    """Trigger name → its SQL, as the migrations create them on SQLite."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "reference.db"
        migrate.upgrade(f"sqlite:///{path}")
        return _triggers(path)


def _triggers(path: Path) -> dict[str, str]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        return {name: " ".join(sql.split()) for name, sql in rows}


def check_backup(path: Path, revision: str | None) -> int:
    """Refuse the backup unless it is safe to restore; the number of audit events."""
    require_head_revision(revision, str(path))
    found = _triggers(path)
    for name, sql in sorted(reference_triggers().items()):
        if name not in found:
            raise BackupRefused(f"{path} lacks the trigger {name} (its protection was dropped)")
        if found[name] != sql:
            raise BackupRefused(f"{path} has an altered trigger {name}")
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        require_rule_indexes(engine, str(path))
        return require_intact_chain(engine, str(path))
    finally:
        engine.dispose()


#: Unique indexes a rule rests on: table -> (index, what it keeps, its key as the
#: migrations define it). Intake relies on ix_patients_identity to refuse a second record
#: of one person (pharmacy.services.prescriptions.patients).
RULE_INDEXES = {
    "patients": (
        "ix_patients_identity",
        "one record per person",
        ("identity_name", "date_of_birth"),
    ),
}


def require_rule_indexes(engine: Engine, what: str) -> None:
    """Refuse a database whose rule-carrying indexes are missing, not unique, or on
    another key than the migrations define (on either database)."""
    inspector = inspect(engine)
    for table, (name, rule, key) in RULE_INDEXES.items():
        found = {index["name"]: index for index in inspector.get_indexes(table)}.get(name)
        if found is None or not found["unique"]:
            raise BackupRefused(f"{what} lacks the unique index {name} on {table} ({rule})")
        if tuple(found["column_names"]) != key:
            raise BackupRefused(f"{what} has an altered index {name} on {table} ({rule})")


def require_head_revision(revision: str | None, what: str) -> None:
    """Refuse a backup at another schema revision than this code migrates to."""
    if revision != head_revision():
        raise BackupRefused(
            f"{what} is at schema revision {revision}, this version needs {head_revision()}: "
            "restore it with the version of the software that wrote it, then upgrade"
        )


def require_intact_chain(engine: Engine, what: str) -> int:
    """Refuse a backup whose audit chain does not verify; the number of events."""
    with Session(engine) as session:
        chain = verify_chain(session)
    if not chain.ok:
        where = f"event id {chain.first_broken_id}" if chain.first_broken_id else "the head"
        raise BackupRefused(f"{what}: audit chain broken at {where}: {chain.problem}")
    return chain.events


def recreate_triggers(database: Path) -> None:
    """Drop and create every migration-defined trigger from the reference, in one
    transaction, so the restored database holds exactly the protections of its schema."""
    with closing(sqlite3.connect(database, timeout=30)) as conn:
        conn.isolation_level = None
        conn.execute("BEGIN IMMEDIATE")
        try:
            for name, sql in sorted(reference_triggers().items()):
                conn.execute(f'DROP TRIGGER IF EXISTS "{name}"')
                conn.execute(sql)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
