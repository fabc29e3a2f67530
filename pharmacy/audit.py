"""The audit trail: one append-only, hash-chained event per state change, written in the
caller's transaction."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
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
    payload = json.dumps({"prev": prev_hash, **fields}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def hashed_fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "occurred_at": event.occurred_at.isoformat(),
        "actor_user_id": event.actor_user_id,
        "actor_name": event.actor_name,
        "actor_role": event.actor_role,
        "action": event.action,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
    }


_HEAD_KEY = "pharmacy.audit.locked_head"


def _lock_head(session: Session) -> AuditChainHead:
    """The chain head, locked until the transaction ends. Locked once per transaction (a
    second event in the same transaction reuses it); created on first use."""
    transaction = session.get_transaction()
    cached = session.info.get(_HEAD_KEY)
    if cached is not None and cached[0] is transaction and cached[1] in session:
        return cached[1]  # type: ignore[no-any-return]
    locked = select(AuditChainHead).where(AuditChainHead.id == 1).with_for_update()
    head = session.execute(locked).scalar_one_or_none()
    if head is None:
        session.execute(
            text(
                "INSERT INTO audit_chain_head (id, last_hash) VALUES (1, :genesis) "
                "ON CONFLICT (id) DO NOTHING"
            ),
            {"genesis": GENESIS_HASH},
        )
        head = session.execute(locked).scalar_one()
    session.info[_HEAD_KEY] = (transaction, head)
    return head


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
) -> AuditEvent:
    """Append one event in the caller's transaction (it commits or rolls back with it)."""
    head = _lock_head(session)
    event = AuditEvent(
        occurred_at=utcnow(),
        actor_user_id=actor.user_id,
        actor_name=actor.username,
        actor_role=actor.role,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        before=_plain(before),
        after=_plain(after),
        reason=reason,
        prev_hash=head.last_hash,
    )
    event.row_hash = event_hash(head.last_hash, hashed_fields(event))
    session.add(event)
    session.flush()
    head.last_hash = event.row_hash
    head.last_event_id = event.id
    return event


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
        rows = (
            session.execute(
                select(AuditEvent)
                .where(AuditEvent.id > last_id)
                .order_by(AuditEvent.id)
                .limit(batch_size)
            )
            .scalars()
            .all()
        )
        if not rows:
            break
        for event in rows:
            count += 1
            if event.prev_hash != prev:
                return ChainCheck(False, count, event.id, "previous hash does not match")
            if event_hash(prev, hashed_fields(event)) != event.row_hash:
                return ChainCheck(False, count, event.id, "contents do not match their hash")
            prev = event.row_hash
            last_id = event.id
        session.expunge_all()
    head = session.get(AuditChainHead, 1)
    if head is not None and head.last_hash != prev:
        return ChainCheck(False, count, None, "chain head does not match the last event")
    return ChainCheck(True, count)
