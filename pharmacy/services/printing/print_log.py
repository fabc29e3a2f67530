"""The print log: every document printed, by whom, on which stock. A second print of the
same document for the same record is a reprint and needs a reason."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from pharmacy import audit
from pharmacy.audit import Actor
from pharmacy.errors import Invalid
from pharmacy.models import PrintLog, User
from pharmacy.services.uow import query


def check_reprint_reason(
    session: Session, document: str, entity_id: int, reason: str | None
) -> bool:
    """Whether the document was printed before; a reprint without a reason is refused."""
    printed_before = bool(
        session.execute(
            select(exists().where(PrintLog.document == document, PrintLog.entity_id == entity_id))
        ).scalar_one()
    )
    if printed_before and not (reason and reason.strip()):
        raise Invalid("reason", "this was printed before: a reprint needs a reason")
    return printed_before


def record(
    session: Session,
    actor: Actor,
    document: str,
    entity_id: int,
    *,
    stock: str,
    copies: int = 1,
    reason: str | None,
) -> PrintLog:
    """Log a print (and its audit event) in the caller's transaction."""
    printed_before = check_reprint_reason(session, document, entity_id, reason)
    entry = PrintLog(
        document=document,
        entity_id=entity_id,
        copies=copies,
        stock=stock,
        is_reprint=bool(printed_before),
        reason=reason.strip() if reason else None,
        printed_by_user_id=actor.user_id,
    )
    session.add(entry)
    session.flush()
    audit.record(
        session,
        actor,
        "document.reprinted" if printed_before else "document.printed",
        document,
        entity_id,
        after={"copies": copies, "stock": stock, "print_log_id": entry.id},
        reason=entry.reason,
    )
    return entry


@query
def print_history(session: Session, document: str, entity_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(PrintLog, User.username)
        .outerjoin(User, User.id == PrintLog.printed_by_user_id)
        .where(PrintLog.document == document, PrintLog.entity_id == entity_id)
        .order_by(PrintLog.id)
    ).all()
    return [
        {
            "id": log.id,
            "document": log.document,
            "entity_id": log.entity_id,
            "copies": log.copies,
            "stock": log.stock,
            "is_reprint": log.is_reprint,
            "reason": log.reason,
            "printed_by": username,
            "printed_at": log.printed_at,
        }
        for log, username in rows
    ]
