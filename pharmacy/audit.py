"""The audit trail: one append-only, hash-chained event per state change, written in the
caller's transaction."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CTE,
    Connection,
    Insert,
    Select,
    String,
    bindparam,
    cast,
    event,
    func,
    insert,
    literal,
    select,
    text,
    true,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from pharmacy.models import AuditChainHead, AuditEvent
from pharmacy.models._types import utcnow
from pharmacy.prebuilt import Prebuilt

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class Actor:
    """Who is acting: passed explicitly into every use case."""

    user_id: int | None
    username: str
    role: str
    full_name: str = ""
    prescriber_id: int | None = None


SYSTEM = Actor(user_id=None, username="system", role="system", full_name="System")


def _plain(value: Any) -> Any:
    """JSON-safe and stable, so what is stored is exactly what was hashed."""
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, float):
        return str(Decimal(str(value)))
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return str(value)


# The canonical JSON an event's hash covers: keys sorted, no spaces, ASCII only. (One
# encoder, as `json.dumps(…, sort_keys=True, separators=(",", ":"))` would build per call.)
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def event_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    payload = _CANONICAL.encode({"prev": prev_hash, **fields})
    return hashlib.sha256(payload.encode()).hexdigest()


HASHED_COLUMNS = (
    "occurred_at",
    "actor_user_id",
    "actor_name",
    "actor_role",
    "action",
    "entity_type",
    "entity_id",
    "before",
    "after",
    "reason",
)


def hashed_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """What an event's hash covers, from a row or from the values about to be inserted."""
    fields = {name: values[name] for name in HASHED_COLUMNS}
    fields["occurred_at"] = fields["occurred_at"].isoformat()
    return fields


@dataclass
class _Pending:
    """An event recorded in a transaction that has not committed yet."""

    actor: Actor
    action: str
    entity_type: str
    entity_id: str | None
    before: Any
    after: Any
    reason: str | None
    savepoint: Any  # the innermost savepoint open when it was recorded, if any


_PENDING_KEY = "pharmacy.audit.pending"
_EVENTS = AuditEvent.__table__
_HEAD = AuditChainHead.__table__


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: object = None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    """Append one event to the caller's transaction: it is written, chained, as that
    transaction commits, and vanishes if it rolls back."""
    session.info.setdefault(_PENDING_KEY, []).append(
        _Pending(
            actor=actor,
            action=action,
            entity_type=entity_type,
            entity_id=None if entity_id is None else str(entity_id),
            before=_plain(before),
            after=_plain(after),
            reason=reason,
            savepoint=session.get_nested_transaction(),
        )
    )


# Built once and sent straight to the driver (pharmacy/prebuilt.py): they run as every
# writing transaction commits.
_LOCK_HEAD = Prebuilt(select(_HEAD.c.last_hash).where(_HEAD.c.id == 1).with_for_update())
_CREATE_HEAD = Prebuilt(
    text(
        "INSERT INTO audit_chain_head (id, last_hash) VALUES (1, :genesis) "
        "ON CONFLICT (id) DO NOTHING"
    )
)
_APPENDED_COLUMNS = (*HASHED_COLUMNS, "prev_hash", "row_hash")
# Events per INSERT: a transaction's few events go in one statement, and a long run of them
# in a few, without a compiled statement for every count.
APPEND_CHUNK = 8


@functools.cache
def _append(count: int) -> Prebuilt:
    """One INSERT of `count` events. The database moves the chain head to the newest of them
    (migration 0008), so no statement of ours does."""
    return Prebuilt(
        insert(_EVENTS).values(
            [
                {
                    name: bindparam(f"{name}_{n}", type_=_EVENTS.c[name].type)
                    for name in _APPENDED_COLUMNS
                }
                for n in range(count)
            ]
        )
    )


# A statement of the use case's own may lock the head as it writes (`locking_head`), so
# that the events need no statement of their own for it: a round trip fewer on PostgreSQL.
_LOCKED_HEAD_KEY = "pharmacy.audit.locked_head"
LOCKED_HEAD_HASH = "audit_head_hash"


def locking_head(statement: Insert) -> Insert:
    """`statement` (an INSERT … RETURNING, on PostgreSQL) that also locks the chain head
    until the transaction ends, returning its hash as `LOCKED_HEAD_HASH` for
    `head_locked`. The head is locked a little earlier than at commit, for the rest of the
    use case; its other locks must come before it, as at commit."""
    head = _LOCK_HEAD.statement.cte("audit_head")
    return statement.add_cte(head).returning(
        select(head.c.last_hash).scalar_subquery().label(LOCKED_HEAD_HASH)
    )


def head_locked(session: Session, last_hash: str | None) -> None:
    """The head's hash as a `locking_head` statement read it (None: no head row yet). The
    events written at commit follow it, unless a savepoint around that statement is rolled
    back (its lock goes with it)."""
    if last_hash is not None:
        session.info[_LOCKED_HEAD_KEY] = (last_hash, session.get_nested_transaction())


def _locked_head_hash(connection: Connection) -> str:
    """The chain head's hash, its row locked until the transaction ends (created on first
    use)."""
    last_hash = _LOCK_HEAD.scalar(connection)
    if last_hash is None:
        _CREATE_HEAD.run(connection, {"genesis": GENESIS_HASH})
        last_hash = _LOCK_HEAD.scalar(connection)
    return str(last_hash)


def has_pending(session: Session) -> bool:
    """Whether the transaction has recorded events that are not written yet."""
    return bool(session.info.get(_PENDING_KEY))


# -- events written by a use case's own INSERT (PostgreSQL) -------------------------------
#
# A use case whose INSERT makes the entity its events name can append them in that same
# statement: one round trip fewer than writing them at commit. The INSERT is a
# data-modifying CTE; the statement locks the chain head (as `locking_head` does) and
# inserts one event per entity, each chained to the one before, hashing in the database:
# Python prepares each event's canonical JSON (`event_hash`) around the two values only
# the database knows at that point, the entity's new id and the previous hash, and
# PostgreSQL fills them in and takes the SHA-256. `verify_chain` recomputes every such hash
# in Python, so the two must agree byte for byte (tests/hardening/test_audit_fragments.py,
# tests/hardening/test_audit_commit.py).

# The hashed fields the database fills in, in the order the canonical JSON has them.
_FILLED_IN = ("entity_id", "prev")
_RUN_OF = {key: sum(key > filled for filled in _FILLED_IN) for key in HASHED_COLUMNS}
# The columns an appended event stores from its bind values.
_BOUND_COLUMNS = tuple(name for name in HASHED_COLUMNS if name != "entity_id")


def payload_fragments(fields: Mapping[str, Any]) -> tuple[str, str, str]:
    """The canonical JSON `event_hash` hashes, for `fields` (HASHED_COLUMNS but
    entity_id, with occurred_at as text), cut around the values of entity_id and prev:
    `start + entity_id + middle + prev_hash + end` is the whole of it."""
    # The fields in three runs, by where their keys sort around the two filled in.
    runs: list[dict[str, Any]] = [{}, {}, {}]
    for key, value in fields.items():
        runs[_RUN_OF[key]][key] = value
    before, between, after = (_CANONICAL.encode(run)[1:-1] for run in runs)
    # Both filled-in values are JSON strings of digits or hex: nothing to escape.
    start = "{" + before + ("," if before else "") + '"entity_id":"'
    middle = '"' + ("," + between if between else "") + ',"prev":"'
    end = '"' + ("," + after if after else "") + "}"
    return start, middle, end


def appending_events(
    written: CTE, entity_ids: list[ColumnElement[Any]], *columns: ColumnElement[Any]
) -> Select[Any]:
    """SELECT `columns` of `written` (a one-row INSERT … RETURNING as a CTE) while appending
    one event per id in `entity_ids` (columns of `written`), in that order, after the
    locked chain head; also returns the new head's hash as LOCKED_HEAD_HASH, for
    `head_locked`. With no head row yet (a new database) it appends nothing and returns
    None there: the caller then `record`s the events. Values: `folded_event_values`."""
    head = _LOCK_HEAD.statement.cte("audit_head")
    source: Any = head
    previous: ColumnElement[Any] = head.c.last_hash
    for index, entity_id in enumerate(entity_ids):
        entity = cast(entity_id, String)

        def bound(name: str, *, index: int = index) -> Any:
            return bindparam(f"audit_{index}_{name}", type_=String)

        payload = bound("start") + entity + bound("middle") + previous + bound("end")
        row_hash = func.encode(func.sha256(func.convert_to(payload, literal("UTF8"))), "hex")
        appended = (
            insert(_EVENTS)
            .from_select(
                [*_BOUND_COLUMNS, "entity_id", "prev_hash", "row_hash"],
                select(
                    *(
                        bindparam(f"audit_{index}_{name}", type_=_EVENTS.c[name].type)
                        for name in _BOUND_COLUMNS
                    ),
                    entity,
                    previous,
                    row_hash,
                ).select_from(source.join(written, true())),
            )
            .returning(_EVENTS.c.row_hash)
            .cte(f"audit_event_{index}")
        )
        source, previous = appended, appended.c.row_hash
    return select(*columns, select(previous).scalar_subquery().label(LOCKED_HEAD_HASH))


@dataclass(frozen=True)
class FoldedEvent:
    """An event for `appending_events`: the entity's id is the INSERT's to give."""

    action: str
    entity_type: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str | None = None


def folded_event_values(actor: Actor, events: list[FoldedEvent]) -> dict[str, Any]:
    """The bind values of `appending_events` for `events`, in its order. They share one
    time, as the events a commit writes do."""
    occurred_at = utcnow()
    values: dict[str, Any] = {}
    for index, item in enumerate(events):
        row = _event_values(
            actor,
            item.action,
            item.entity_type,
            None,  # the INSERT's to give
            _plain(item.before),
            _plain(item.after),
            item.reason,
            occurred_at,
        )
        fields = hashed_fields(row)
        del fields["entity_id"]
        start, middle, end = payload_fragments(fields)
        values.update({f"audit_{index}_{name}": row[name] for name in _BOUND_COLUMNS})
        values[f"audit_{index}_start"] = start
        values[f"audit_{index}_middle"] = middle
        values[f"audit_{index}_end"] = end
    return values


def _event_values(
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: str | None,
    before: Any,
    after: Any,
    reason: str | None,
    occurred_at: datetime,
) -> dict[str, Any]:
    """An event's columns but its chain hashes (`before` and `after` already `_plain`)."""
    return {
        "occurred_at": occurred_at,
        "actor_user_id": actor.user_id,
        "actor_name": actor.username,
        "actor_role": actor.role,
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "before": before,
        "after": after,
        "reason": reason,
    }


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    """Chain and insert the transaction's events as it commits: the head is locked only for
    these last statements, and a transaction's events go in one INSERT (up to APPEND_CHUNK).
    The events share one time, the time their change became durable, so the chain's order
    is also the order of time."""
    pending: list[_Pending] = session.info.pop(_PENDING_KEY, [])
    if not pending:
        return
    session.flush()  # the changes the events describe go first
    connection = session.connection()
    locked = session.info.pop(_LOCKED_HEAD_KEY, None)
    prev = locked[0] if locked is not None else _locked_head_hash(connection)
    occurred_at = utcnow()
    rows = []
    for item in pending:
        values = _event_values(
            item.actor,
            item.action,
            item.entity_type,
            item.entity_id,
            item.before,
            item.after,
            item.reason,
            occurred_at,
        )
        row_hash = event_hash(prev, hashed_fields(values))
        rows.append({**values, "prev_hash": prev, "row_hash": row_hash})
        prev = row_hash
    for start in range(0, len(rows), APPEND_CHUNK):
        chunk = rows[start : start + APPEND_CHUNK]
        _append(len(chunk)).run(
            connection,
            {f"{name}_{n}": row[name] for n, row in enumerate(chunk) for name in _APPENDED_COLUMNS},
        )


def _within(savepoint: Any, rolled_back: Any) -> bool:
    while savepoint is not None:
        if savepoint is rolled_back:
            return True
        savepoint = savepoint.parent
    return False


@event.listens_for(Session, "after_transaction_end")
def _drop_pending(session: Session, transaction: Any) -> None:
    """A transaction that ends without committing its events (rolled back, or the session
    closed) takes them with it; so does a rolled-back savepoint, for the events recorded
    inside it."""
    if transaction.parent is None:
        session.info.pop(_PENDING_KEY, None)
        session.info.pop(_LOCKED_HEAD_KEY, None)


@event.listens_for(Session, "after_soft_rollback")
def _drop_savepoint_events(session: Session, previous_transaction: Any) -> None:
    if not previous_transaction.nested:
        return
    pending = session.info.get(_PENDING_KEY)
    if pending:
        pending[:] = [p for p in pending if not _within(p.savepoint, previous_transaction)]
    locked = session.info.get(_LOCKED_HEAD_KEY)
    if locked is not None and _within(locked[1], previous_transaction):
        # The savepoint's rollback released the lock: the head may move before commit.
        del session.info[_LOCKED_HEAD_KEY]


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    events: int
    first_broken_id: int | None = None
    problem: str | None = None


def verify_chain(session: Session, batch_size: int = 5000) -> ChainCheck:
    """Recompute every hash in order; name the first row that does not follow."""
    prev = GENESIS_HASH
    count = 0
    last_id = 0
    while True:
        rows = session.execute(
            select(_EVENTS).where(_EVENTS.c.id > last_id).order_by(_EVENTS.c.id).limit(batch_size)
        ).all()
        if not rows:
            break
        for row in rows:
            event = row._mapping
            count += 1
            if event["prev_hash"] != prev:
                return ChainCheck(False, count, event["id"], "previous hash does not match")
            if event_hash(prev, hashed_fields(event)) != event["row_hash"]:
                return ChainCheck(False, count, event["id"], "contents do not match their hash")
            prev = event["row_hash"]
            last_id = event["id"]
    head = session.execute(select(_HEAD.c.last_hash).where(_HEAD.c.id == 1)).scalar_one_or_none()
    if head is not None and head != prev:
        return ChainCheck(False, count, None, "chain head does not match the last event")
    return ChainCheck(True, count)
