"""Statements that run on every request, built once with Core and sent straight to the
database driver on the unit of work's own connection.

Why: SQLAlchemy's per-execution machinery (compiled-cache look-up, execution context,
result wrapping) costs about as much CPU as the driver itself — ~80 of ~150 µs for a
one-row statement on our machines — and intake and the audit chain run ten such statements
per prescription (bench/RESULTS.md, "Load"). A `Prebuilt` is compiled once per dialect;
its values still pass through the column types' own bind and result processors, so what is
stored and read back is exactly what Core would store and read, on SQLite and PostgreSQL.

What it does not do, on purpose: Python-side column defaults, expanding IN lists and
engine events. A statement that would need any of them is refused when it is compiled,
with the reason, instead of silently storing NULL.

On PostgreSQL a statement goes one step further down, to psycopg's libpq connection
(`pharmacy/direct_postgres.py`): psycopg's cursor machinery around each round trip cost
about a quarter more CPU than the libpq calls themselves, and a transaction's BEGIN rides
with its first statement instead of taking a round trip of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from sqlalchemy import Connection, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from pharmacy import direct_postgres

_CURSOR_KEY = "pharmacy.prebuilt.cursor"
_NO_VALUES: Mapping[str, Any] = MappingProxyType({})
Processor = Callable[[Any], Any] | None


@dataclass
class _Compiled:
    sql: str
    compiled: SQLCompiler
    positional: tuple[str, ...] | None  # bind names in order, for a positional driver
    bind_names: frozenset[str]
    binders: Mapping[str, Callable[[Any], Any]]
    # Values the statement carries itself (a literal such as `id = 1`), already through
    # their processors, and the names every call must give; None when a value is computed
    # per call (a callable default), which leaves the work to SQLAlchemy's construct_params.
    constants: Mapping[str, Any] | None
    required: frozenset[str]
    result_types: list[Any]
    # Result processors depend on the driver's type codes, so they are made on first use.
    readers: list[Processor] | None = None
    names: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class _Fetched:
    """What a statement answered: its columns (name and type code, as a cursor describes
    them) and every row."""

    description: Sequence[Any] | None
    rows: list[Any]

    @classmethod
    def from_cursor(cls, cursor: Any) -> _Fetched:
        description = cursor.description
        return cls(description, cursor.fetchall() if description else [])


class Prebuilt:
    """One hot statement. `rows`, `first`, `scalar` and `run` take the unit of work's
    `Connection` (from `session.connection()`) and a dict of bind values."""

    def __init__(self, statement: ClauseElement, *, columns: Sequence[str] | None = None):
        # `columns`: for an INSERT or UPDATE, the columns every call gives values for.
        self.statement = statement
        self.columns = list(columns) if columns is not None else None
        self._by_dialect: dict[str, _Compiled] = {}

    def __repr__(self) -> str:
        return f"Prebuilt({' '.join(str(self.statement).split())[:60]!r})"

    # -- compiling ------------------------------------------------------------------------

    def _compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is not None:
            return found
        compiled = self.statement.compile(dialect=dialect, column_keys=self.columns)
        assert isinstance(compiled, SQLCompiler)
        skipped = [c.key for c in (*compiled.insert_prefetch, *compiled.update_prefetch)]
        if skipped:
            raise TypeError(
                f"{self!r} would skip the Python-side defaults of {', '.join(skipped)}: "
                "give those columns values in `columns`"
            )
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise TypeError(f"{self!r} needs per-execution compilation (an expanding IN)")
        # By the name each value goes under in the SQL (an anonymous literal's key differs).
        binders = {}
        constants: dict[str, Any] = {}
        required = set()
        per_call = False
        for bind, name in compiled.bind_names.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                binders[name] = process
            if bind.callable is not None or (bind.required and bind.key != name):
                per_call = True
            elif bind.required:
                required.add(name)
            else:
                constants[name] = bind.value if process is None else process(bind.value)
        exported = getattr(self.statement, "exported_columns", None)
        result_types = [column.type for column in exported] if exported is not None else []
        found = _Compiled(
            sql=compiled.string,
            compiled=compiled,
            positional=tuple(compiled.positiontup or ()) if compiled.positional else None,
            bind_names=frozenset(compiled.bind_names.values()),
            binders=binders,
            constants=None if per_call else constants,
            required=frozenset(required),
            result_types=result_types,
        )
        self._by_dialect[dialect.name] = found
        return found

    def _parameters(self, plan: _Compiled, values: Mapping[str, Any]) -> Any:
        unknown = values.keys() - plan.bind_names
        if unknown:
            # A value the statement has no place for would be dropped without a word.
            raise TypeError(f"{self!r} has no parameter {', '.join(sorted(unknown))}")
        if plan.constants is None:
            bound = plan.compiled.construct_params(dict(values), escape_names=False)
            for name, process in plan.binders.items():
                bound[name] = process(bound[name])
        else:
            # What construct_params and the processors would give, without walking every
            # bind on every call: the statement's own values were processed once.
            missing = plan.required - values.keys()
            if missing:
                raise exc.InvalidRequestError(
                    f"A value is required for bind parameter {sorted(missing)[0]!r}",
                    code="cd3x",
                )
            bound = dict(plan.constants)
            binders = plan.binders
            for name, value in values.items():
                processor = binders.get(name)
                bound[name] = value if processor is None else processor(value)
        if plan.positional is not None:
            return tuple(bound[name] for name in plan.positional)
        return bound

    # -- running --------------------------------------------------------------------------

    def _cursor(self, connection: Connection) -> Any:
        # One cursor per driver connection, kept with it in the pool; made afresh when the
        # pool has replaced the connection underneath.
        pooled = connection.connection
        kept = pooled.info.get(_CURSOR_KEY)
        if kept is None or kept[0] is not pooled.dbapi_connection:
            kept = (pooled.dbapi_connection, pooled.cursor())
            pooled.info[_CURSOR_KEY] = kept
        return kept[1]

    def _execute(
        self, connection: Connection, values: Mapping[str, Any] | Sequence[Mapping[str, Any]]
    ) -> tuple[Any, _Compiled]:
        """Run the statement; returns what it answered (`description` and `rows`, like a
        cursor's) and the compiled plan."""
        dialect = connection.dialect
        plan = self._compiled(dialect)
        pooled = connection.connection
        cursor = None
        try:
            if isinstance(values, Mapping):
                parameters = self._parameters(plan, values)
                direct = direct_postgres.for_connection(pooled)
                if direct is not None:
                    answer = direct.execute(plan.sql, parameters)
                    if answer is not None:
                        return answer, plan
                cursor = self._cursor(connection)
                cursor.execute(plan.sql, parameters)
            else:
                cursor = self._cursor(connection)
                cursor.executemany(plan.sql, [self._parameters(plan, v) for v in values])
            return _Fetched.from_cursor(cursor), plan
        except dialect.loaded_dbapi.Error as error:
            disconnected = dialect.is_disconnect(error, pooled, cursor)
            if disconnected:
                connection.invalidate(error)
            # Bound values are patient data: never in the error's text.
            raise exc.DBAPIError.instance(
                plan.sql,
                None,
                error,
                dialect.loaded_dbapi.Error,
                hide_parameters=True,
                connection_invalidated=disconnected,
                dialect=dialect,
            ) from error

    def _read(
        self, answer: Any, plan: _Compiled, limit: int | None = None
    ) -> list[dict[str, Any]]:
        if plan.readers is None:
            description = answer.description or ()
            plan.names = tuple(column[0] for column in description)
            if len(set(plan.names)) != len(plan.names):
                raise TypeError(f"{self!r} returns two columns of the same name: label them")
            dialect = plan.compiled.dialect
            readers: list[Processor] = []
            for index, column in enumerate(description):
                if index < len(plan.result_types):
                    impl = plan.result_types[index].dialect_impl(dialect)
                    readers.append(impl.result_processor(dialect, column[1]))
                else:
                    readers.append(None)
            plan.readers = readers
        names, readers = plan.names, plan.readers
        return [
            {
                name: (value if read is None else read(value))
                for name, read, value in zip(names, readers, row, strict=True)
            }
            for row in (answer.rows if limit is None else answer.rows[:limit])
        ]

    def run(
        self,
        connection: Connection,
        values: Mapping[str, Any] | Sequence[Mapping[str, Any]] = _NO_VALUES,
    ) -> None:
        """Execute without reading a result (a list of dicts runs it once per dict)."""
        self._execute(connection, values)

    def rows(
        self, connection: Connection, values: Mapping[str, Any] = _NO_VALUES
    ) -> list[dict[str, Any]]:
        answer, plan = self._execute(connection, values)
        return self._read(answer, plan)

    def first(
        self, connection: Connection, values: Mapping[str, Any] = _NO_VALUES
    ) -> dict[str, Any] | None:
        answer, plan = self._execute(connection, values)
        rows = self._read(answer, plan, limit=1)
        return rows[0] if rows else None

    def scalar(self, connection: Connection, values: Mapping[str, Any] = _NO_VALUES) -> Any:
        """The first column of the first row, or None when there is no row."""
        row = self.first(connection, values)
        return None if row is None else next(iter(row.values()))
