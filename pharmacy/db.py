"""Engine, a session per request, and the declarative base with a naming convention."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


WRITE_OPTION = "pharmacy_write"
# Primary keys and counts are 32-bit integer columns on every database we run on.
MAX_ID = 2**31 - 1


def parse_id(text: object) -> int | None:
    """An id typed, scanned or sent as text: ASCII digits within the id range, else None
    (so a stray or huge number finds nothing instead of overflowing a query)."""
    value = str(text).strip()
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def dialect_of(session: Session) -> str:
    """The name of the database the session's statements run on ("postgresql" or
    "sqlite"), for the few statements each database's own SQL serves better."""
    return session.get_bind().dialect.name


def on_postgresql(session: Session) -> bool:
    return dialect_of(session) == "postgresql"


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling defers BEGIN and cannot take the write lock up
    # front; we emit BEGIN ourselves, IMMEDIATE for a unit of work that writes, so
    # concurrent writers queue on the busy timeout instead of failing on a lock upgrade.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(WRITE_OPTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


# Every connection is pinged as the pool hands it out, so one the server dropped while
# idle is replaced before a request uses it (SQLAlchemy's pre-ping, one cheap round trip).
POOL_PRE_PING = True


def private_sqlite_file(url: str) -> None:
    """A SQLite database file holds patient data: create it 0600 before SQLite does (its
    -wal and -shm files take the database file's mode), or make an existing one 0600."""
    database = make_url(url).database
    if not url.startswith("sqlite") or not database or database == ":memory:":
        return
    if database.startswith("file:"):
        return  # a URI (read-only opens in the backup checks): SQLite creates nothing
    path = Path(database)
    if path.exists():
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
    elif path.parent.is_dir():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def make_engine(url: str, **kwargs: Any) -> Engine:
    # Bound parameters are patient data: never in SQL logs or error messages.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        private_sqlite_file(url)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", POOL_PRE_PING)
    return create_engine(url, **kwargs)


def writing(session: Session) -> bool:
    """Whether the session's transaction was opened as a unit of work that writes."""
    return bool(session.connection().get_execution_options().get(WRITE_OPTION))


class Database:
    """The engine and the scoped session of one app."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.sqlite = is_sqlite(self.engine)
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.session = scoped_session(self.session_factory)

    def begin_write(self) -> Session:
        """Open the request's session as a unit of work that will write, before its first
        read: the sign-in of a request that changes something reads in the transaction its
        use case then runs in (`transaction` carries on with it), so the request uses one
        connection and one transaction, and on SQLite holds the write lock from its first
        statement. A session already in a transaction is left as it is."""
        session = self.session()
        if not session.in_transaction():
            session.connection(execution_options={WRITE_OPTION: True})
        return session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error."""
        session = self.session()
        if session.in_transaction() and not writing(session):
            # A read earlier in the request (its sign-in) opened a transaction; end it so
            # the write starts afresh, reads everything under its own locks, and on SQLite
            # takes the write lock from its first statement. One opened by `begin_write`
            # already is such a write: it carries on.
            session.rollback()
        self.begin_write()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    def end_unfinished_write(self) -> None:
        """Roll back a unit of work `begin_write` opened for a request in which no use case
        then committed (it was refused, or only read), so that no write lock outlives the
        request."""
        session = self.session()
        if session.in_transaction() and writing(session):
            session.rollback()

    def remove(self) -> None:
        self.session.remove()

    def dispose(self) -> None:
        self.session.remove()
        self.engine.dispose()
