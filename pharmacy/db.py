"""Engine, a session per request, and the declarative base with a naming convention."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import MetaData, create_engine, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker

from pharmacy import direct_postgres

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


# A connection back in the pool for less than this is handed out again without a ping:
# under load a ping on every checkout costs each request a round trip, and a connection
# that answered a moment ago tells as much as a ping would. One left idle longer is pinged
# and, if the server has dropped it, replaced before anyone uses it. (HikariCP's
# aliveBypassWindowMs, 500 ms by default, is the same rule.)
PING_AFTER_IDLE_SECONDS = 1.0
_RETURNED_AT = "pharmacy_returned_at"


def _ping_connections_left_idle(engine: Engine, idle_seconds: float) -> None:
    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection: Any, record: Any) -> None:
        if dbapi_connection is not None:
            record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _handed_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get(_RETURNED_AT)
        if returned is None or time.monotonic() - returned < idle_seconds:
            return  # connected just now, or in use a moment ago
        dialect = engine.dialect
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if not dialect.is_disconnect(error, dbapi_connection, None):
                raise
            # The pool replaces this connection (and the others as old) and tries again.
            raise exc.InvalidatePoolError("the server closed an idle connection") from None


def make_engine(url: str, ping_after_idle_seconds: float | None = None,
                **kwargs: Any) -> Engine:
    # Bound parameters are patient data: never in SQL logs or error messages.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 10)
    psycopg = url.startswith("postgresql+psycopg")
    if psycopg:
        # Our hot statements prepare themselves (pharmacy/direct_postgres.py); psycopg's own
        # preparing would deallocate them with its own on every ROLLBACK.
        kwargs["connect_args"] = {
            **direct_postgres.PREPARE_THRESHOLD_OFF,
            **kwargs.get("connect_args", {}),
        }
    engine = create_engine(url, **kwargs)
    if psycopg:
        direct_postgres.commit_directly(engine.dialect)
    if not kwargs.get("pool_pre_ping"):
        _ping_connections_left_idle(
            engine,
            PING_AFTER_IDLE_SECONDS if ping_after_idle_seconds is None else ping_after_idle_seconds,
        )
    return engine


class Database:
    """The engine and the scoped session of one app."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.sqlite = is_sqlite(self.engine)
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.session = scoped_session(self.session_factory)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error."""
        session = self.session()
        if not session.in_transaction():
            session.connection(execution_options={WRITE_OPTION: True})
        elif self.sqlite:
            # A read earlier in the request opened a transaction; end it so the write
            # starts afresh and takes SQLite's write lock from its first statement.
            session.rollback()
            session.connection(execution_options={WRITE_OPTION: True})
        else:
            # PostgreSQL reads committed data statement by statement, so the request's
            # earlier reads (its token check) can become part of this unit of work, saving
            # a round trip to end them and one to begin again. What they loaded is expired,
            # so every object is read afresh, under this transaction's locks.
            session.expire_all()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    def remove(self) -> None:
        self.session.remove()

    def dispose(self) -> None:
        self.session.remove()
        self.engine.dispose()
