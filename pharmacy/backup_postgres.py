"""Backup and restore on PostgreSQL with the server's own tools, the restore checked first.

`pharmacy backup PATH` runs pg_dump (custom format, no owner) into a file created 0600.
`pharmacy restore PATH` never lets an unchecked dump near the live database: it restores
the dump into a scratch database and refuses it unless it is at this code's schema
revision, its audit chain is intact, and every trigger the migrations define is there,
enabled and unaltered (trigger and function compared with a database freshly migrated to
head), with no trigger the migrations do not define. Only then does pg_restore replace
the live database, in one transaction; afterwards the triggers and their functions are
created again from that reference and the app roles' grants are given again
(`pharmacy.db_roles`), so a dump cannot smuggle in wider rights.

The role that restores must own the tables and may create databases (the README's owner
role); the password, if any, reaches the tools through PGPASSWORD, never the command line.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError

from pharmacy import migrate
from pharmacy.backup_checks import (
    BackupRefused,
    require_head_revision,
    require_intact_chain,
    require_rule_indexes,
)
from pharmacy.db_roles import app_roles_in_use, grant_app_role

TOOL_TIMEOUT_SECONDS = 1800


class ToolFailed(RuntimeError):
    """pg_dump or pg_restore is missing or failed; its own message says why."""


@dataclass(frozen=True)
class Trigger:
    table: str
    name: str
    definition: str
    enabled: str
    function: str


@dataclass(frozen=True)
class Restored:
    events: int
    revision: str
    granted: tuple[str, ...]


_TRIGGERS = text(
    """
    SELECT c.relname AS table, t.tgname AS name, pg_get_triggerdef(t.oid) AS definition,
           t.tgenabled AS enabled, pg_get_functiondef(t.tgfoid) AS function
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace
    """
)


def libpq(database_url: str, database: str | None = None) -> tuple[str, dict[str, str]]:
    """The libpq URL for the tools (no password) and the environment that carries it."""
    url = make_url(database_url)
    plain = URL.create(
        "postgresql", url.username, None, url.host, url.port, database or url.database, url.query
    ).render_as_string(hide_password=False)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return plain, env


def _run(tool: str, *args: str, database_url: str, database: str | None = None) -> None:
    program = shutil.which(tool)
    if program is None:
        raise ToolFailed(f"{tool} is not installed (Debian: postgresql-client)")
    target, env = libpq(database_url, database)
    done = subprocess.run(  # noqa: S603 - fixed argv of the server's own tool, no shell
        [program, *args, f"--dbname={target}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=TOOL_TIMEOUT_SECONDS,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise ToolFailed(f"{tool} failed: {last}")


def dump(database_url: str, target: Path) -> Path:
    """pg_dump the database into `target` (a new file, 0600 from its first byte)."""
    from pharmacy.backup import BackupError, create_private

    if target.exists():
        raise BackupError(f"{target} exists; choose a new file so no backup is overwritten")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    create_private(partial)
    try:
        _run("pg_dump", "--format=custom", "--no-owner", f"--file={partial}",
             database_url=database_url)  # fmt: skip
    except ToolFailed:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    target.chmod(0o600)
    return target


def restore(database_url: str, backup: Path, app_roles: tuple[str, ...] = ()) -> Restored:
    """Check the dump in a scratch database, then replace the live database with it and
    re-create its triggers and grants. Any refusal leaves the live database untouched."""
    if not backup.is_file():
        raise BackupRefused(f"{backup} does not exist")
    reference = reference_triggers(database_url)
    with _scratch(database_url, "check") as scratch:
        try:
            _run("pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                 "--single-transaction", str(backup), database_url=database_url,
                 database=scratch)  # fmt: skip
        except ToolFailed as error:
            raise BackupRefused(f"{backup} is not a restorable pharmacy dump ({error})") from error
        events, revision = _check(make_url(database_url).set(database=scratch), reference)
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            roles = tuple(sorted(set(app_roles) | set(app_roles_in_use(conn))))
        _run("pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
             "--exit-on-error", "--single-transaction", str(backup),
             database_url=database_url)  # fmt: skip
        with engine.begin() as conn:
            recreate_triggers(conn, reference)
            for role in roles:
                grant_app_role(conn, role)
    finally:
        engine.dispose()
    return Restored(events, revision, roles)


def _check(url: URL, reference: dict[tuple[str, str], Trigger]) -> tuple[int, str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            require_head_revision(revision, "the backup")
            _compare_triggers(_triggers(conn), reference)
        require_rule_indexes(engine, "the backup")
        return require_intact_chain(engine, "the backup"), str(revision)
    finally:
        engine.dispose()


def _compare_triggers(
    found: dict[tuple[str, str], Trigger], reference: dict[tuple[str, str], Trigger]
) -> None:
    for key, expected in sorted(reference.items()):
        name = f"{key[1]} on {key[0]}"
        trigger = found.get(key)
        if trigger is None:
            raise BackupRefused(f"the backup lacks the trigger {name} (its protection was dropped)")
        if trigger.enabled != "O":
            raise BackupRefused(f"the backup has the trigger {name} disabled")
        if trigger.definition != expected.definition or trigger.function != expected.function:
            raise BackupRefused(f"the backup has an altered trigger {name}")
    extra = sorted(set(found) - set(reference))
    if extra:
        table, name = extra[0]
        raise BackupRefused(
            f"the backup has a trigger the migrations do not define: {name} on {table}"
        )


def _triggers(conn: Connection) -> dict[tuple[str, str], Trigger]:
    rows = conn.execute(_TRIGGERS).mappings()
    return {(row["table"], row["name"]): Trigger(**row) for row in rows}


def recreate_triggers(conn: Connection, reference: dict[tuple[str, str], Trigger]) -> None:
    """Create every migration-defined trigger and its function again, in the caller's
    transaction: the restored database holds exactly the protections of its schema."""
    for trigger in sorted(reference.values(), key=lambda t: (t.table, t.name)):
        conn.execute(text(trigger.function))
        conn.execute(text(f'DROP TRIGGER IF EXISTS "{trigger.name}" ON public."{trigger.table}"'))
        conn.execute(text(trigger.definition))


_REFERENCE: dict[str, dict[tuple[str, str], Trigger]] = {}


def reference_triggers(database_url: str) -> dict[tuple[str, str], Trigger]:
    """The triggers of a database freshly migrated to head on the same server (cached)."""
    server = make_url(database_url).set(database="").render_as_string(hide_password=True)
    if server not in _REFERENCE:
        with _scratch(database_url, "reference") as scratch:
            url = make_url(database_url).set(database=scratch)
            migrate.upgrade(url.render_as_string(hide_password=False))
            engine = create_engine(url)
            try:
                with engine.connect() as conn:
                    _REFERENCE[server] = _triggers(conn)
            finally:
                engine.dispose()
    return _REFERENCE[server]


@contextmanager
def _scratch(database_url: str, purpose: str) -> Iterator[str]:
    """A new empty database beside the live one, dropped afterwards."""
    live = re.sub(r"[^a-z0-9_]", "_", (make_url(database_url).database or "pharmacy").lower())
    name = f"{live[:40]}_{purpose}_{os.getpid()}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except DBAPIError as error:
        admin.dispose()
        raise BackupRefused(
            "could not create a scratch database to check the backup in: restore as the "
            f"owner role with CREATEDB ({type(error.orig).__name__})"
        ) from error
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
