"""Prebuilt statements on PostgreSQL, sent through psycopg's own libpq connection.

Why: psycopg's cursor wraps every round trip in machinery of its own (generators driven
by a wait loop, result bookkeeping, its prepared-statement counter): about a quarter more
CPU than the libpq calls themselves for a one-row statement on our machines, and intake
sends four such statements a request (bench/RESULTS.md, "Load"). Here a
statement's values are adapted by psycopg's own `PostgresQuery` and its rows loaded by
psycopg's own `Transformer`, so what is sent and read back is exactly what the cursor would
send and read; only the sending differs:

- each statement is prepared once per connection (by its SQL and its parameters' types)
  and then only bound and executed;
- when the connection is not in a transaction yet, the BEGIN psycopg would have sent first
  goes in the same pipeline as the statement: one round trip instead of two;
- it never blocks inside libpq: it waits for the socket with `poll`, which lets other
  threads run meanwhile (a libpq call that blocks would hold the GIL, and a thread waiting
  for a lock another thread's transaction holds would then stop that thread from ever
  committing).

psycopg must then not prepare statements of its own: on every ROLLBACK it would answer
with DEALLOCATE ALL, which would take ours too. `make_engine` turns that off
(`prepare_threshold=None`) and `for_connection` uses this path only on connections made
that way. Any error from the server forgets the connection's prepared statements (a
migration may have changed a table under them), so the next transaction prepares afresh.

A statement this module cannot send (psycopg missing the internals it relies on, a
non-default BEGIN) goes through the cursor as before (`execute` answers None).
"""

from __future__ import annotations

import itertools
import select
from dataclasses import dataclass
from typing import Any

try:  # psycopg's internals: every version this project allows has them (tests check)
    from psycopg import errors as _errors
    from psycopg import pq
    from psycopg._queries import PostgresQuery, _query2pg_nocache
    from psycopg.adapt import Transformer

    AVAILABLE = True
except ImportError:  # pragma: no cover - only without psycopg (SQLite installs)
    AVAILABLE = False

_KEY = "pharmacy.direct_postgres"
# Names of our prepared statements: never psycopg's own `_pg3_…`.
_NAMES = itertools.count(1)
PREPARE_THRESHOLD_OFF: dict[str, Any] = {"prepare_threshold": None}


@dataclass(frozen=True)
class _Split:
    """A statement's SQL as psycopg converts it for the server (`$1`… placeholders) and
    where each named value goes: worked out once per statement, not per call (psycopg
    caches this itself only for statements under 4 KB and 50 values; intake's INSERT with
    its events is over both)."""

    query: bytes
    formats: list[Any]
    order: list[str] | None
    parts: list[Any]


_SPLITS: dict[tuple[str, str], _Split] = {}


def _split(sql: str, encoding: str) -> _Split:
    found = _SPLITS.get((sql, encoding))
    if found is None:
        found = _Split(*_query2pg_nocache(sql.encode(encoding), encoding))
        _SPLITS[(sql, encoding)] = found
    return found


class Answer:
    """What a statement answered, shaped like a cursor's: its rows, and (name, type code)
    per column, worked out only when asked for (a prebuilt statement asks once)."""

    __slots__ = ("_result", "_encoding", "rows")

    def __init__(self, result: Any, encoding: str, rows: list[tuple[Any, ...]]) -> None:
        self._result = result
        self._encoding = encoding
        self.rows = rows

    @property
    def description(self) -> list[tuple[str, int]] | None:
        result = self._result
        if result is None:
            return None
        return [
            (result.fname(index).decode(self._encoding), result.ftype(index))
            for index in range(result.nfields)
        ]


class DirectConnection:
    """One psycopg connection's libpq handle, its adapters and our prepared statements."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.pgconn = connection.pgconn
        self.transformer = Transformer(connection)
        self.encoding = connection.info.encoding
        self.prepared: dict[tuple[bytes, tuple[int, ...]], bytes] = {}

    def execute(self, sql: str, parameters: Any) -> Answer | None:
        connection, pgconn = self.connection, self.pgconn
        begin = None
        if not connection.autocommit and pgconn.transaction_status == pq.TransactionStatus.IDLE:
            begin = connection._get_tx_start_command()
            if begin != b"BEGIN":
                return None  # an isolation level or read-only BEGIN: psycopg's own path
        split = _split(sql, self.encoding)
        transformer = self.transformer
        values = PostgresQuery.validate_and_reorder_params(split.parts, parameters, split.order)
        params = transformer.dump_sequence(values, split.formats)
        types, formats = transformer.types or (), transformer.formats
        try:
            name = self._prepared_name(split.query, types)
            if begin is None:
                pgconn.send_query_prepared(name, params, param_formats=formats)
                result = self._result()
            else:
                result = self._begin_and_run(begin, name, params, formats)
            self._check(result, pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK)
        except _errors.Error:
            self.prepared.clear()
            raise
        if result.status != pq.ExecStatus.TUPLES_OK or result.nfields == 0:
            return Answer(None, self.encoding, [])
        transformer.set_pgresult(result)
        rows = transformer.load_rows(0, result.ntuples, tuple)
        return Answer(result, self.encoding, rows)

    def commit(self) -> None:
        """COMMIT, as psycopg's `commit()` sends it, through the same path."""
        pgconn = self.pgconn
        if pgconn.transaction_status == pq.TransactionStatus.IDLE:
            return  # nothing began: nothing to commit (psycopg's rule too)
        pgconn.send_query_params(b"COMMIT", None)
        self._check(self._result(), pq.ExecStatus.COMMAND_OK)

    def _prepared_name(self, query: bytes, types: Any) -> bytes:
        key = (query, tuple(types))
        name = self.prepared.get(key)
        if name is None:
            name = f"pharmacy_{next(_NAMES)}".encode()
            self.pgconn.send_prepare(name, query, param_types=types)
            self._check(self._result(), pq.ExecStatus.COMMAND_OK)
            self.prepared[key] = name
        return name

    def _check(self, result: Any, *succeeded: Any) -> None:
        """Raise the server's error (as psycopg's exception) unless `result` succeeded."""
        if result.status not in succeeded:
            raise _errors.error_from_result(result, encoding=self.encoding)

    def _result(self) -> Any:
        """The command's result, reading past the end of its results."""
        result = self._next(required=True)
        while self._next(required=False) is not None:
            pass
        return result

    def _next(self, *, required: bool) -> Any:
        """libpq's next result, once it has arrived: never a call that blocks."""
        pgconn = self.pgconn
        while pgconn.flush():  # the rest of what was sent, once the socket takes it
            self._wait(select.POLLIN | select.POLLOUT)
            pgconn.consume_input()
        # As psycopg does: wait for the socket, then read (no read that finds nothing).
        while pgconn.is_busy():
            self._wait(select.POLLIN)
            pgconn.consume_input()
        result = pgconn.get_result()
        if result is None and required:
            raise _errors.OperationalError(
                pgconn.get_error_message(self.encoding) or "the server sent no result"
            )
        return result

    def _wait(self, events: int) -> None:
        poller = select.poll()
        poller.register(self.pgconn.socket, events | select.POLLERR)
        poller.poll()

    def _begin_and_run(self, begin: bytes, name: bytes, params: Any, formats: Any) -> Any:
        """BEGIN and the statement in one pipeline, one round trip: the statement's result
        (or BEGIN's, if BEGIN failed)."""
        pgconn = self.pgconn
        pgconn.enter_pipeline_mode()
        try:
            pgconn.send_query_params(begin, None)
            pgconn.send_query_prepared(name, params, param_formats=formats)
            pgconn.pipeline_sync()
            began = self._next(required=True)
            self._end_of_command()
            result = self._next(required=True)
            if result.status != pq.ExecStatus.PIPELINE_SYNC:
                self._end_of_command()
                self._until_sync()
            if began.status != pq.ExecStatus.COMMAND_OK:
                return began
            return result
        finally:
            if pgconn.pipeline_status != pq.PipelineStatus.OFF:
                pgconn.exit_pipeline_mode()

    def _end_of_command(self) -> None:
        if self._next(required=False) is not None:
            raise _errors.InternalError("a pipelined command answered more than one result")

    def _until_sync(self) -> None:
        while True:
            result = self._next(required=True)
            if result.status == pq.ExecStatus.PIPELINE_SYNC:
                return


def commit_directly(dialect: Any) -> None:
    """Make `dialect` (one engine's own) send COMMIT through the direct path on the
    connections that have one, psycopg's `commit()` on the others."""
    psycopg_commit = dialect.do_commit

    def do_commit(pooled: Any) -> None:
        direct = for_connection(pooled) if hasattr(pooled, "info") else None
        if direct is None or direct.connection._tpc is not None:
            psycopg_commit(pooled)
        else:
            direct.commit()

    dialect.do_commit = do_commit


def for_connection(pooled: Any) -> DirectConnection | None:
    """The direct path for a pooled connection (SQLAlchemy's `connection.connection`), or
    None when it has none: not psycopg, or psycopg preparing statements of its own."""
    kept: DirectConnection | None = pooled.info.get(_KEY)
    dbapi_connection = pooled.dbapi_connection
    if kept is not None and kept.connection is dbapi_connection:
        return kept
    if not AVAILABLE or getattr(dbapi_connection, "pgconn", None) is None:
        return None
    if dbapi_connection.prepare_threshold is not None:
        return None
    kept = DirectConnection(dbapi_connection)
    pooled.info[_KEY] = kept
    return kept
