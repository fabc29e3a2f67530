"""Audit events are chained and written as their transaction commits: all of a unit of
work's events, in the order recorded, with one time; none from a transaction or savepoint
that rolled back. A unit of work that follows a read in the same request sees fresh rows.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from pharmacy import audit
from pharmacy.audit import SYSTEM, verify_chain
from pharmacy.models import AuditChainHead, AuditEvent, Prescription

from .helpers import submit


def _events(after_id: int = 0) -> list[AuditEvent]:
    from pharmacy.services.uow import current_db

    session = current_db().session_factory()
    try:
        return list(
            session.execute(
                select(AuditEvent).where(AuditEvent.id > after_id).order_by(AuditEvent.id)
            ).scalars()
        )
    finally:
        session.close()


def _last_id() -> int:
    events = _events()
    return events[-1].id if events else 0


def _assert_head_is_the_newest_and_the_chain_verifies(events: list[AuditEvent]) -> None:
    from pharmacy.services.uow import current_db

    session = current_db().session_factory()
    try:
        head = session.get(AuditChainHead, 1)
        assert head is not None
        assert (head.last_event_id, head.last_hash) == (events[-1].id, events[-1].row_hash)
        assert verify_chain(session).ok
    finally:
        session.close()


@pytest.mark.parametrize("count", [1, 8, 19])
def test_the_writer_moves_the_head_to_the_newest_event(app: Any, count: int) -> None:
    """The audit writer appends a transaction's events and moves the chain head to the
    newest of them, whatever the count."""
    from pharmacy.services.uow import current_db

    start = _last_id()
    with current_db().transaction() as session:
        for n in range(count):
            audit.record(session, SYSTEM, "test.many", "test", n, after={"n": n})
    events = _events(start)
    assert [e.entity_id for e in events] == [str(n) for n in range(count)]
    _assert_head_is_the_newest_and_the_chain_verifies(events)

def test_a_unit_of_work_writes_its_events_in_order_with_one_time(app: Any) -> None:
    from pharmacy.services.uow import current_db

    start = _last_id()
    with current_db().transaction() as session:
        for n in range(3):
            audit.record(session, SYSTEM, f"test.step{n}", "test", n, after={"n": n})
        # Nothing is written before the commit: the head is not locked yet.
        assert session.execute(select(AuditEvent).where(AuditEvent.id > start)).first() is None
    events = _events(start)
    assert [e.action for e in events] == ["test.step0", "test.step1", "test.step2"]
    assert len({e.occurred_at for e in events}) == 1
    for previous, event in zip(events, events[1:], strict=False):
        assert event.prev_hash == previous.row_hash
    _assert_head_is_the_newest_and_the_chain_verifies(events)


def test_a_rolled_back_unit_of_work_leaves_no_event(app: Any) -> None:
    from pharmacy.services.uow import current_db

    start = _last_id()
    with pytest.raises(RuntimeError), current_db().transaction() as session:
        audit.record(session, SYSTEM, "test.lost", "test", 1)
        raise RuntimeError("fault")
    # The next unit of work on the same session does not inherit the lost event.
    with current_db().transaction() as session:
        audit.record(session, SYSTEM, "test.kept", "test", 2)
    assert [e.action for e in _events(start)] == ["test.kept"]


def test_a_rolled_back_savepoint_takes_its_events_only(app: Any) -> None:
    from pharmacy.services.uow import current_db

    start = _last_id()
    with current_db().transaction() as session:
        audit.record(session, SYSTEM, "test.before", "test", 1)
        savepoint = session.begin_nested()
        audit.record(session, SYSTEM, "test.inside", "test", 2)
        savepoint.rollback()
        kept = session.begin_nested()
        audit.record(session, SYSTEM, "test.inside_kept", "test", 3)
        kept.commit()
        audit.record(session, SYSTEM, "test.after", "test", 4)
    assert [e.action for e in _events(start)] == [
        "test.before",
        "test.inside_kept",
        "test.after",
    ]


def test_intake_records_the_patient_before_the_prescription(api: Any) -> None:
    start = _last_id()
    rx = submit(api, "drA", patient={"first_name": "Ada", "last_name": "Audit"})
    events = _events(start)
    assert [(e.action, e.entity_type) for e in events] == [
        ("patient.created", "patient"),
        ("prescription.created", "prescription"),
    ]
    assert events[1].entity_id == str(rx["id"])
    assert events[0].entity_id == str(rx["patient"]["id"])
    assert events[0].actor_name == "drA"


def test_a_write_after_a_read_in_the_same_request_sees_fresh_rows(api: Any) -> None:
    """The unit of work starts afresh after the request's read transaction, so an object
    read before it is read again inside it."""
    from pharmacy.services.uow import current_db

    rx = submit(api, "drA")
    db = current_db()
    session = db.session()
    seen = session.get(Prescription, rx["id"])
    assert seen is not None and seen.status == "submitted"
    other = db.session_factory()
    other.execute(update(Prescription).where(Prescription.id == rx["id"]).values(notes="changed"))
    other.commit()
    other.close()
    with db.transaction() as work:
        again = work.get(Prescription, rx["id"])
        assert again is seen
        assert again.notes == "changed"
    db.remove()


def test_events_recorded_before_intake_keep_their_place(app: Any, api: Any) -> None:
    """A transaction that recorded an event before intake writes all of them at commit,
    in the order recorded."""
    from marshmallow import EXCLUDE

    from pharmacy.services import prescriptions as rx_service
    from pharmacy.services.uow import current_db
    from schema.prescriptions import PrescriptionIn

    from .helpers import rx_payload

    submit(api)  # the chain has a head
    start = _last_id()
    account = api.accounts["drA"]
    actor = audit.Actor(account.id, account.username, account.role, "", account.prescriber_id)
    data = PrescriptionIn().load(rx_payload(patient={"first_name": "Cy"}), unknown=EXCLUDE)
    from datetime import date

    with current_db().transaction() as session:
        audit.record(session, SYSTEM, "test.before_intake", "test", 1)
        rx_service.create_prescription.in_session(session, actor, data, today=date.today())
    assert [e.action for e in _events(start)] == [
        "test.before_intake",
        "patient.created",
        "prescription.created",
    ]
    session = current_db().session_factory()
    try:
        assert verify_chain(session).ok
    finally:
        session.close()
