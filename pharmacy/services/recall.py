"""Recalls (pharmacist): an ingredient lot or a batch is marked recalled, every batch made
from it (directly or through intermediate batches) is quarantined, and the recall list
names every fill with its patient and prescriber contact details.

Service functions:

- `recall_ingredient_lot(actor, lot_id, reason, today) -> dict`
- `recall_batch(actor, batch_ref, reason, today) -> dict`
- `get_recall(actor, recall_id, today) -> dict` (with the trace)
- `recall_list_rows(actor, recall_id, today) -> list[dict]` — one row per fill: plain data
  for a PDF recall list
- `recall_list_csv(actor, recall_id, today) -> str`
- `open_recall()`: the SQL condition of an open recall (the dashboard counts it, the
  list filters by it)

**An open recall** is one that still waits for the pharmacy to act on something it
reached (a recall row has no closed state of its own):

- a batch it quarantined is still in quarantine: neither cleared after investigation
  (`clear_quarantine`) nor rejected; or
- a fill it reached (its affected_fill_ids, taken when recalled) has not left the
  pharmacy (it is filled, labeled, product-verified or ready for pick-up) and its batch
  is still kept out (quarantined, rejected or recalled): it must be pulled before it
  reaches a patient. A batch cleared after investigation frees its fills.

Fills already dispensed are the recall list's patients to contact; the model records no
notification, so they do not keep a recall open. A fill returned to stock has left the
recall's reach.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Integer,
    String,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import FunctionElement

from pharmacy import audit
from pharmacy.audit import Actor
from pharmacy.compounding.units import plain
from pharmacy.errors import Conflict, NotFound
from pharmacy.models import Batch, Fill, Recall, User
from pharmacy.models._types import utcnow
from pharmacy.services.batches import locked_batch
from pharmacy.services.lots import locked_lot
from pharmacy.services.trace import downstream_cte, fills_query, trace_lot_in_session
from pharmacy.services.uow import query, use_case

QUARANTINABLE = ("in_progress", "recorded", "released")
NOT_YET_HANDED_OVER = ("filled", "labeled", "product_verified", "ready")
KEPT_OUT = ("quarantined", "rejected", "recalled")
CSV_COLUMNS = [
    "recall_id",
    "rx_number",
    "fill_id",
    "fill_number",
    "filled_on",
    "quantity",
    "batch_lot",
    "patient_id",
    "patient_name",
    "patient_date_of_birth",
    "patient_phone",
    "patient_address",
    "prescriber_name",
    "prescriber_npi",
    "prescriber_phone",
    "prescriber_address",
]


def _quarantine(
    session: Session, actor: Actor, batch_ids: list[int], recall_id: int, reason: str
) -> list[int]:
    if not batch_ids:
        return []
    batches = session.execute(
        select(Batch).where(Batch.id.in_(batch_ids)).order_by(Batch.id).with_for_update(of=Batch)
    ).scalars()
    changed = []
    for batch in batches:
        if batch.status not in QUARANTINABLE:
            continue
        before = {"status": batch.status}
        batch.status = "quarantined"
        batch.status_reason = f"recall {recall_id}: {reason}"
        changed.append(batch.id)
        audit.record(
            session,
            actor,
            "batch.quarantined",
            "batch",
            batch.id,
            before=before,
            after={"status": "quarantined", "recall_id": recall_id},
            reason=reason,
        )
    return changed


def _reason_prefix() -> ColumnElement[str]:
    """How _quarantine marks a batch this recall quarantined: 'recall {id}: {reason}'."""
    return literal("recall ") + cast(Recall.id, String) + literal(":%")


class _AffectedFillKeptOut(FunctionElement[bool]):
    """EXISTS a fill in the recall's affected_fill_ids (what it reached when recalled) not
    yet handed over whose batch is still kept out (quarantined, rejected or recalled). The
    JSON array is unnested by each database's own function, so one class compiles per
    dialect (sqlalchemy.ext.compiler)."""

    type = Boolean()
    inherit_cache = True  # a statement holding it is cached (sqlalchemy.ext.compiler)


def _fill_kept_out(unnest: Any) -> Any:
    elements = unnest(Recall.affected_fill_ids).table_valued("value")
    return (
        exists()
        .select_from(elements)
        .where(
            Fill.id == cast(elements.c.value, Integer),
            Fill.status.in_(NOT_YET_HANDED_OVER),
            Batch.id == Fill.batch_id,
            Batch.status.in_(KEPT_OUT),
        )
    )


@compiles(_AffectedFillKeptOut, "postgresql")
def _pg_affected(element: Any, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(_fill_kept_out(func.json_array_elements_text), **kw))


@compiles(_AffectedFillKeptOut)
def _sqlite_affected(element: Any, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(_fill_kept_out(func.json_each), **kw))


def open_recall() -> ColumnElement[bool]:
    """A recall still open (see the module's docstring), correlated to `recalls`."""
    prefix = literal("recall ") + cast(Recall.id, String) + literal(":%")
    still_quarantined = exists().where(
        Batch.status == "quarantined", Batch.status_reason.like(prefix)
    )
    return or_(still_quarantined, _AffectedFillKeptOut())


def _in_closure(closure: Any) -> Any:
    return lambda column: column.in_(select(closure.c.batch_id))


def _fill_ids(session: Session, closure: Any) -> list[int]:
    return [row.id for row in session.execute(fills_query(_in_closure(closure), False)).all()]


def _name(session: Session, actor: Actor) -> str:
    user = session.get(User, actor.user_id) if actor.user_id else None
    return user.full_name if user else actor.username


def _open_recall(
    session: Session,
    actor: Actor,
    *,
    reason: str,
    ingredient_lot_id: int | None = None,
    batch_id: int | None = None,
) -> tuple[Recall, Any]:
    """The recall row and the closure of every batch downstream of what is recalled."""
    recall = Recall(
        ingredient_lot_id=ingredient_lot_id,
        batch_id=batch_id,
        reason=reason,
        recalled_by_user_id=actor.user_id,
        recalled_by_name=_name(session, actor),
    )
    session.add(recall)
    session.flush()
    return recall, downstream_cte(lot_id=ingredient_lot_id, batch_id=batch_id)


def _close_recall(
    session: Session,
    actor: Actor,
    recall: Recall,
    closure: Any,
    to_quarantine: list[int],
    *,
    action: str,
    entity: tuple[str, int],
    before: dict[str, Any],
    today: date,
) -> dict[str, Any]:
    """Quarantine the downstream batches, note the fills reached, and audit the recall."""
    recall.quarantined_batch_ids = _quarantine(
        session, actor, to_quarantine, recall.id, recall.reason
    )
    recall.affected_fill_ids = _fill_ids(session, closure)
    audit.record(
        session,
        actor,
        action,
        entity[0],
        entity[1],
        before=before,
        after={
            "status": "recalled",
            "recall_id": recall.id,
            "quarantined_batch_ids": recall.quarantined_batch_ids,
            "affected_fills": len(recall.affected_fill_ids),
        },
        reason=recall.reason,
    )
    return recall_data(session, actor, recall, today)


@use_case
def recall_ingredient_lot(
    session: Session, actor: Actor, lot_id: int, *, reason: str, today: date
) -> dict[str, Any]:
    lot = locked_lot(session, lot_id)
    if lot.status == "recalled":
        raise Conflict("This lot is already recalled.")
    before = {"status": lot.status}
    lot.status = "recalled"
    lot.status_reason = reason
    lot.recalled_at = utcnow()
    lot.recalled_by_user_id = actor.user_id
    recall, closure = _open_recall(session, actor, reason=reason, ingredient_lot_id=lot.id)
    batch_ids = list(session.execute(select(closure.c.batch_id)).scalars())
    return _close_recall(
        session,
        actor,
        recall,
        closure,
        batch_ids,
        action="lot.recalled",
        entity=("ingredient_lot", lot.id),
        before=before,
        today=today,
    )


@use_case
def recall_batch(
    session: Session, actor: Actor, batch_ref: int | str, *, reason: str, today: date
) -> dict[str, Any]:
    batch = locked_batch(session, batch_ref)
    if batch.status == "recalled":
        raise Conflict("This batch is already recalled.")
    before = {"status": batch.status}
    batch.status = "recalled"
    batch.status_reason = reason
    recall, closure = _open_recall(session, actor, reason=reason, batch_id=batch.id)
    downstream = [b for b in session.execute(select(closure.c.batch_id)).scalars() if b != batch.id]
    return _close_recall(
        session,
        actor,
        recall,
        closure,
        downstream,
        action="batch.recalled",
        entity=("batch", batch.id),
        before=before,
        today=today,
    )


def _trace(session: Session, actor: Actor, recall: Recall, today: date) -> dict[str, Any]:
    if recall.ingredient_lot_id is not None:
        return trace_lot_in_session(session, actor, recall.ingredient_lot_id, today)
    from pharmacy.services.trace import trace_batch

    return trace_batch.in_session(session, actor, recall.batch_id, today=today)  # type: ignore[attr-defined, no-any-return]


def recall_data(session: Session, actor: Actor, recall: Recall, today: date) -> dict[str, Any]:
    trace = _trace(session, actor, recall, today)
    return {
        "id": recall.id,
        "target": "ingredient_lot" if recall.ingredient_lot_id is not None else "batch",
        "ingredient_lot_id": recall.ingredient_lot_id,
        "batch_id": recall.batch_id,
        "reason": recall.reason,
        "recalled_at": recall.recalled_at,
        "recalled_by": recall.recalled_by_name,
        "quarantined_batch_ids": list(recall.quarantined_batch_ids or []),
        "affected_fill_ids": list(recall.affected_fill_ids or []),
        "is_open": bool(
            session.execute(select(open_recall()).where(Recall.id == recall.id)).scalar_one()
        ),
        "batches": trace["batches"],
        "fills": trace["fills"],
        "patients": trace["patients"],
        "prescribers": trace["prescribers"],
        "patient_data": trace["patient_data"],
    }


def _recall(session: Session, recall_id: int) -> Recall:
    recall = session.get(Recall, recall_id)
    if recall is None:
        raise NotFound("No such recall.")
    return recall


@query
def get_recall(session: Session, actor: Actor, recall_id: int, *, today: date) -> dict[str, Any]:
    return recall_data(session, actor, _recall(session, recall_id), today)


@query
def list_recalls(
    session: Session, actor: Actor, *, open_only: bool = False
) -> list[dict[str, Any]]:
    """The newest 200 recalls (open_only: only the open ones), each with is_open."""
    is_open = open_recall()
    stmt = select(Recall, is_open.label("is_open"))
    if open_only:
        stmt = stmt.where(is_open)
    rows = session.execute(stmt.order_by(Recall.id.desc()).limit(200)).all()
    return [
        {
            "id": r.id,
            "ingredient_lot_id": r.ingredient_lot_id,
            "batch_id": r.batch_id,
            "reason": r.reason,
            "recalled_at": r.recalled_at,
            "recalled_by": r.recalled_by_name,
            "quarantined_batch_ids": r.quarantined_batch_ids,
            "affected_fill_ids": r.affected_fill_ids,
            "is_open": bool(still_open),
        }
        for r, still_open in rows
    ]


@query
def recall_list_rows(
    session: Session, actor: Actor, recall_id: int, *, today: date
) -> list[dict[str, Any]]:
    recall = _recall(session, recall_id)
    if recall.ingredient_lot_id is not None:
        closure = downstream_cte(lot_id=recall.ingredient_lot_id)
    else:
        closure = downstream_cte(batch_id=recall.batch_id)
    rows = session.execute(fills_query(_in_closure(closure), True)).all()
    return [
        {
            "recall_id": recall.id,
            "rx_number": r.rx_number,
            "fill_id": r.id,
            "fill_number": r.fill_number,
            "filled_on": r.filled_on.isoformat(),
            "quantity": plain(r.quantity) if r.quantity is not None else "",
            "batch_lot": r.lot_number,
            "patient_id": r.patient_id,
            "patient_name": f"{r.first_name} {r.last_name}",
            "patient_date_of_birth": r.date_of_birth.isoformat(),
            "patient_phone": r.patient_phone,
            "patient_address": r.patient_address,
            "prescriber_name": r.prescriber_name,
            "prescriber_npi": r.npi,
            "prescriber_phone": r.prescriber_phone,
            "prescriber_address": r.prescriber_address,
        }
        for r in rows
    ]


def _cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas in text cells (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def recall_list_csv(actor: Actor, recall_id: int, *, today: date) -> str:
    rows = recall_list_rows(actor, recall_id, today=today)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()
