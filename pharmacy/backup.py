"""Backup and restore.

SQLite (the default for one counter): `pharmacy backup PATH` copies the live database with
SQLite's online backup API, which gives a consistent snapshot while the app keeps serving;
`pharmacy restore PATH` checks the file (integrity, schema revision, audit chain) and copies
it back over the live database the same way.

PostgreSQL (production): the same commands run the server's own tools, pg_dump and a
pg_restore checked in a scratch database first (`pharmacy.backup_postgres`).
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import click
from flask import current_app
from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """A backup or restore that cannot be done safely; nothing was changed."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    tables: int
    revision: str | None


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite URL, or None for another database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _inspect(path: Path) -> BackupInfo:
    """Check that a file is a sound pharmacy database."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            check = conn.execute("PRAGMA integrity_check").fetchone()
            if not check or check[0] != "ok":
                raise BackupError(f"{path} fails SQLite's integrity check")
            tables = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
            names = {
                row[0]
                for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            if not {"alembic_version", "audit_events"} <= names:
                raise BackupError(f"{path} is not a pharmacy database")
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a readable SQLite database") from error
    return BackupInfo(path, int(tables), revision[0] if revision else None)


def backup_sqlite(database_path: Path, target: Path) -> BackupInfo:
    """Copy the live database to `target` (which must not exist) with the online backup
    API: a consistent snapshot even while other connections write."""
    if not database_path.is_file():
        raise BackupError(f"there is no database at {database_path}")
    if target.exists():
        raise BackupError(f"{target} exists; choose a new file so no backup is overwritten")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    create_private(partial)  # it holds patient data: owner only, from the first byte
    with (
        closing(sqlite3.connect(database_path, timeout=30)) as source,
        closing(sqlite3.connect(partial)) as destination,
    ):
        source.backup(destination)
        # A single self-contained file: no -wal beside it.
        destination.execute("PRAGMA journal_mode=DELETE")
    partial.replace(target)
    target.chmod(0o600)  # it holds patient data
    return _inspect(target)


def restore_sqlite(backup: Path, database_path: Path) -> BackupInfo:
    """Replace the live database's contents with a backup, checked first (integrity,
    schema revision, triggers, audit chain): a backup that fails leaves the live database
    untouched. Afterwards the migration-defined triggers are re-created."""
    from pharmacy.backup_checks import BackupRefused, check_backup, recreate_triggers

    info = _inspect(backup)
    try:
        check_backup(backup, info.revision)
    except BackupRefused as error:
        raise BackupError(f"{error}; the live database was not touched") from error
    database_path.parent.mkdir(parents=True, exist_ok=True)
    create_private(database_path)
    with (
        closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as source,
        closing(sqlite3.connect(database_path, timeout=30)) as destination,
    ):
        source.backup(destination)
    recreate_triggers(database_path)
    return info


def create_private(path: Path) -> None:
    """Create `path` empty with mode 0600 if it does not exist, else make it 0600."""
    if path.exists():
        path.chmod(0o600)
    else:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


# The commands (registered by pharmacy.cli.register_commands).


def _checkpoint_dir(option: Path | None, fallback: Path) -> Path:
    if option is not None:
        return option
    configured = os.environ.get(CHECKPOINT_DIR_ENV)
    return Path(configured) if configured else fallback


CHECKPOINT_DIR_ENV = "PHARMACY_CHECKPOINT_DIR"
_CHECKPOINTS_HELP = f"Checkpoint folder (default: ${CHECKPOINT_DIR_ENV}, else beside the backup)."


@click.command("backup", help="Back up the database to PATH and write a signed audit checkpoint.")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--checkpoints", type=click.Path(file_okay=False, path_type=Path), help=_CHECKPOINTS_HELP
)
def backup_command(path: Path, checkpoints: Path | None) -> None:
    url = current_app.config["DATABASE_URL"]
    try:
        database = sqlite_path(url)
        if database is None:
            _backup_postgres(url, path, _checkpoint_dir(checkpoints, path.parent))
            return
        info = backup_sqlite(database, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backed up {info.tables} tables (revision {info.revision}) to {info.path}.")
    # The checkpoint signs the backup's own chain: the snapshot it was taken from.
    _write_checkpoint(_checkpoint_dir(checkpoints, path.parent), f"sqlite:///{info.path}")


def _write_checkpoint(directory: Path, url: str) -> Path:
    from sqlalchemy.orm import Session

    from pharmacy.checkpoints import CheckpointError, load_key, write_checkpoint
    from pharmacy.db import make_engine
    from pharmacy.models._types import utcnow

    engine = make_engine(url)
    try:
        with Session(engine) as session:
            written = write_checkpoint(session, directory, load_key(), utcnow())
    except CheckpointError as error:
        raise click.ClickException(f"audit checkpoint not written: {error}") from error
    finally:
        engine.dispose()
    click.echo(f"Audit checkpoint: {written}")
    return written


@click.command("restore", help="Check the backup at PATH, then replace the database with it.")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--app-role",
    envvar="PHARMACY_APP_ROLE",
    help="PostgreSQL: the app's role, given its grants again after the restore (default: "
    "$PHARMACY_APP_ROLE; roles that held them before are always given them again).",
)
def restore_command(path: Path, yes: bool, app_role: str | None) -> None:
    from pharmacy.services.uow import current_db

    url = current_app.config["DATABASE_URL"]
    try:
        database = sqlite_path(url)
        if database is None:
            if not yes:
                click.confirm(f"Replace everything in the database with {path}?", abort=True)
            current_db().dispose()
            _restore_postgres(url, path, app_role)
            return
        if not yes:
            click.confirm(f"Replace everything in {database} with {path}?", abort=True)
        current_db().dispose()
        info = restore_sqlite(path, database)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored {info.tables} tables (revision {info.revision}) from {info.path}.")
    if not _report_chain(None):
        raise SystemExit(1)


def _backup_postgres(url: str, path: Path, checkpoints: Path) -> None:
    from pharmacy.backup_postgres import ToolFailed, dump

    # The checkpoint first: the dump then holds every event it signs.
    _write_checkpoint(checkpoints, url)
    try:
        dump(url, path)
    except ToolFailed as error:
        raise BackupError(str(error)) from error
    click.echo(f"Backed up the database with pg_dump to {path}.")


def _restore_postgres(url: str, path: Path, app_role: str | None) -> None:
    from pharmacy.backup_checks import BackupRefused
    from pharmacy.backup_postgres import ToolFailed, restore
    from pharmacy.db_roles import RoleError, checked_role

    try:
        roles = (checked_role(app_role),) if app_role else ()
        done = restore(url, path, roles)
    except (BackupRefused, RoleError) as error:
        raise BackupError(f"{error}; the live database was not touched") from error
    except ToolFailed as error:
        raise BackupError(
            f"{error}; pg_restore ran in one transaction, so nothing changed"
        ) from error
    click.echo(f"Restored {done.events} audit events (revision {done.revision}) from {path}.")
    click.echo(
        "Triggers re-created; grants given again to: " + (", ".join(done.granted) or "no app role")
    )
    if not _report_chain(None):
        raise SystemExit(1)


@click.group("audit", help="The audit trail.")
def audit_group() -> None:
    pass


@audit_group.command(
    "verify", help="Recompute the hash chain (and check it against signed checkpoints)."
)
@click.option(
    "--checkpoints",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also check the chain against every signed checkpoint in this folder.",
)
def audit_verify_command(checkpoints: Path | None) -> None:
    if not _report_chain(checkpoints):
        raise SystemExit(1)


@audit_group.command("checkpoint", help="Sign the chain's head into a new file in DIR.")
@click.option("--dir", "directory", required=True, type=click.Path(file_okay=False, path_type=Path))
def audit_checkpoint_command(directory: Path) -> None:
    click.echo(str(_write_checkpoint(directory, current_app.config["DATABASE_URL"])))


def _report_chain(checkpoints: Path | None) -> bool:
    from pharmacy.audit import verify_chain
    from pharmacy.checkpoints import CheckpointError, load_key, verify_checkpoints
    from pharmacy.services.uow import current_db

    session = current_db().session_factory()
    try:
        check = verify_chain(session)
        report = None
        if checkpoints is not None and check.ok:
            try:
                report = verify_checkpoints(session, checkpoints, load_key())
            except CheckpointError as error:
                click.echo(f"Audit checkpoints not checked: {error}")
                return False
    finally:
        session.close()
    if not check.ok:
        where = f"event id {check.first_broken_id}" if check.first_broken_id else "the chain head"
        click.echo(f"Audit chain BROKEN at {where}: {check.problem} ({check.events} events read).")
        return False
    click.echo(f"Audit chain intact: {check.events} events.")
    if report is None:
        return True
    for problem in report.problems:
        click.echo(f"Audit checkpoint MISMATCH: {problem}")
    if report.ok:
        click.echo(f"Agrees with all {report.checked} signed checkpoints.")
    return report.ok
