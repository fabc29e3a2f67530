"""Backup and restore.

SQLite (the default for one counter): `pharmacy backup PATH` copies the live database with
SQLite's online backup API, which gives a consistent snapshot while the app keeps serving;
`pharmacy restore PATH` checks the file (integrity, schema revision, audit chain) and copies
it back over the live database the same way.

PostgreSQL (production): use the server's own tools, which this module describes
(`postgres_commands`) rather than wraps:

    pg_dump --format=custom --no-owner --file=PATH "$DATABASE_URL"
    pg_restore --clean --if-exists --no-owner --single-transaction --dbname="$DATABASE_URL" PATH

(with the `postgresql+psycopg://` prefix written as `postgresql://`).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import click
from flask import current_app
from sqlalchemy.engine import URL, make_url


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


def postgres_commands(database_url: str, path: str) -> list[str]:
    """The pg_dump and pg_restore commands for a PostgreSQL URL (password left out: give it
    with PGPASSWORD or ~/.pgpass)."""
    url = make_url(database_url)
    libpq = URL.create(
        "postgresql", url.username, None, url.host, url.port, url.database, url.query
    ).render_as_string(hide_password=False)
    return [
        f'pg_dump --format=custom --no-owner --file="{path}" "{libpq}"',
        "pg_restore --clean --if-exists --no-owner --single-transaction "
        f'--dbname="{libpq}" "{path}"',
    ]


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
    """Replace the live database's contents with a checked backup, with the online backup
    API (connections open elsewhere see the restored data on their next transaction)."""
    info = _inspect(backup)
    database_path.parent.mkdir(parents=True, exist_ok=True)
    with (
        closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as source,
        closing(sqlite3.connect(database_path, timeout=30)) as destination,
    ):
        source.backup(destination)
    return info


# The commands (registered by pharmacy.cli.register_commands).


@click.command("backup", help="Back up the database to PATH (SQLite: online backup API).")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    url = current_app.config["DATABASE_URL"]
    try:
        database = sqlite_path(url)
        if database is None:
            click.echo("PostgreSQL: back up with the server's tools:")
            click.echo("  " + postgres_commands(url, str(path))[0])
            raise SystemExit(2)
        info = backup_sqlite(database, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backed up {info.tables} tables (revision {info.revision}) to {info.path}.")


@click.command("restore", help="Replace the database's contents with the backup at PATH.")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path: Path, yes: bool) -> None:
    from pharmacy.services.uow import current_db

    url = current_app.config["DATABASE_URL"]
    try:
        database = sqlite_path(url)
        if database is None:
            click.echo("PostgreSQL: restore with the server's tools (stop the app first):")
            click.echo("  " + postgres_commands(url, str(path))[1])
            raise SystemExit(2)
        if not yes:
            click.confirm(f"Replace everything in {database} with {path}?", abort=True)
        current_db().dispose()
        info = restore_sqlite(path, database)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored {info.tables} tables (revision {info.revision}) from {info.path}.")
    _report_chain()


@click.group("audit", help="The audit trail.")
def audit_group() -> None:
    pass


@audit_group.command("verify", help="Recompute the hash chain; exit 1 naming the first broken row.")
def audit_verify_command() -> None:
    if not _report_chain():
        raise SystemExit(1)


def _report_chain() -> bool:
    from pharmacy.audit import verify_chain
    from pharmacy.services.uow import current_db

    db = current_db()
    session = db.session_factory()
    try:
        check = verify_chain(session)
    finally:
        session.close()
    if check.ok:
        click.echo(f"Audit chain intact: {check.events} events.")
        return True
    where = f"event id {check.first_broken_id}" if check.first_broken_id else "the chain head"
    click.echo(f"Audit chain BROKEN at {where}: {check.problem} ({check.events} events read).")
    return False
