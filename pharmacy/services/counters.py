"""Sequences kept in the database, safe under concurrency on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Connection, text

_TAKE_NEXT = text(
    "INSERT INTO counters (key, value) VALUES (:key, :start) "
    "ON CONFLICT (key) DO UPDATE SET value = counters.value + 1 "
    "RETURNING value"
)


def next_value(connection: Connection, key: str, start: int = 1) -> int:
    """Atomically take the next number of a named sequence (an upsert that returns the new
    value: the row lock serialises concurrent callers until their transactions end), on the
    unit of work's connection (`session.connection()`)."""
    value = connection.execute(_TAKE_NEXT, {"key": key, "start": start}).scalar_one()
    return int(value)
