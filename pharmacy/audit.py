"""The audit trail: one append-only, hash-chained event per state change, written in the
caller's transaction."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, event, insert, select, text, update
from sqlalchemy.orm import Session

from pharmacy.models import AuditChainHead, AuditEvent
from pharmacy.models._types import utcnow

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


def event_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """The one hash of the chain: SHA-256 of the canonical JSON (keys sorted, no spaces,
    ASCII only) of the event's fields and the previous event's hash. The writer and
    `verify_chain` both call it."""
    payload = json.dumps({"prev": prev_hash, **fields}, sort_keys=True, separators=(",", ":"))
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


_CREATE_HEAD = text(
    "INSERT INTO audit_chain_head (id, last_hash) VALUES (1, :genesis) "
    "ON CONFLICT (id) DO NOTHING"
)


# Built once: the writer runs them while it holds the chain head (and intake its Rx
# number), so no statement is put together under those locks.
_LOCK_HEAD = select(_HEAD.c.last_hash).where(_HEAD.c.id == 1).with_for_update()
_APPEND = insert(_EVENTS).returning(_EVENTS.c.id, sort_by_parameter_order=True)
_MOVE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(last_event_id=bindparam("newest_id"), last_hash=bindparam("newest_hash"))
)


def _locked_head_hash(connection: Connection) -> str:
    """The chain head's hash, its row locked until the transaction ends (created on first
    use)."""
    last_hash = connection.execute(_LOCK_HEAD).scalar_one_or_none()
    if last_hash is None:
        # Two first writers may race here: the second finds the row the first made.
        connection.execute(_CREATE_HEAD, {"genesis": GENESIS_HASH})
        last_hash = connection.execute(_LOCK_HEAD).scalar_one()
    return str(last_hash)


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
    """Chain and insert the transaction's events as it commits, then move the head to the
    newest: the head is locked only for these last statements. The events share one time,
    the time their change became durable, so the chain's order is also the order of time."""
    pending: list[_Pending] = session.info.pop(_PENDING_KEY, [])
    if not pending:
        return
    session.flush()  # the changes the events describe go first
    connection = session.connection()
    prev = _locked_head_hash(connection)
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
    newest_id = connection.execute(_APPEND, rows).scalars().all()[-1]
    connection.execute(_MOVE_HEAD, {"newest_id": newest_id, "newest_hash": prev})


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


@event.listens_for(Session, "after_soft_rollback")
def _drop_savepoint_events(session: Session, previous_transaction: Any) -> None:
    if not previous_transaction.nested:
        return
    pending = session.info.get(_PENDING_KEY)
    if pending:
        pending[:] = [p for p in pending if not _within(p.savepoint, previous_transaction)]


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    events: int
    first_broken_id: int | None = None
    problem: str | None = None
    last_event_id: int | None = None
    head_hash: str = GENESIS_HASH


def verify_chain(session: Session, batch_size: int = 5000) -> ChainCheck:
    """Recompute every hash in order; name the first row that does not follow. The chain
    head must be there once there are events, and name the last event and its hash."""
    prev = GENESIS_HASH
    count = 0
    last_id: int | None = None
    while True:
        rows = session.execute(
            select(_EVENTS)
            .where(_EVENTS.c.id > (last_id or 0))
            .order_by(_EVENTS.c.id)
            .limit(batch_size)
        ).mappings().all()
        if not rows:
            break
        for row in rows:
            count += 1
            if row["prev_hash"] != prev:
                return ChainCheck(False, count, row["id"], "previous hash does not match")
            if event_hash(prev, hashed_fields(row)) != row["row_hash"]:
                return ChainCheck(False, count, row["id"], "contents do not match their hash")
            prev = row["row_hash"]
            last_id = row["id"]
    return _check_head(session, ChainCheck(True, count, last_event_id=last_id, head_hash=prev))


def _check_head(session: Session, chain: ChainCheck) -> ChainCheck:
    head = session.execute(
        select(_HEAD.c.last_event_id, _HEAD.c.last_hash).where(_HEAD.c.id == 1)
    ).one_or_none()
    if head is None:
        if chain.events == 0:
            return chain
        return ChainCheck(False, chain.events, None, "the chain head is missing")
    if head.last_hash != chain.head_hash:
        return ChainCheck(False, chain.events, None, "chain head does not match the last event")
    if chain.events and head.last_event_id != chain.last_event_id:
        return ChainCheck(False, chain.events, None, "chain head names another last event")
    return chain
