"""Guarantee 3: the audit trail cannot be rewritten, and clinical records are never
hard-deleted. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from pharmacy.audit import GENESIS_HASH, verify_chain
from pharmacy.models import AuditEvent

from .helpers import dialect, submit, verify

CLINICAL = ["patients", "prescribers", "prescriptions"]
# The only DELETE routes: ending one's own token (no record is removed).
ALLOWED_DELETE_ROUTES = {"auth.revoke"}


def _events(app: Any) -> list[AuditEvent]:
    from pharmacy.services.uow import current_db

    session = current_db().session_factory()
    try:
        return list(session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars())
    finally:
        session.close()


def _activity(api: Any) -> dict[str, Any]:
    rx = submit(api, "drA")
    assert verify(api, rx["id"]).status_code == 200
    other = submit(api, "drB", patient={"first_name": "Grace", "last_name": "Hopper"})
    api.post(f"/api/v1/prescriptions/{other['id']}/reject", as_="pharm", json={"reason": "dup"})
    return rx


def test_events_are_chained(api: Any) -> None:
    _activity(api)
    events = _events(api.app)
    assert len(events) >= 10
    assert events[0].prev_hash == GENESIS_HASH
    for previous, event in zip(events, events[1:], strict=False):
        assert event.prev_hash == previous.row_hash
    from pharmacy.services.uow import current_db

    session = current_db().session_factory()
    assert verify_chain(session).ok
    session.close()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET reason = 'rewritten' WHERE id = :id",
        "UPDATE audit_events SET row_hash = row_hash WHERE id = :id",
        "DELETE FROM audit_events WHERE id = :id",
        "DELETE FROM audit_events",
    ],
)
def test_database_refuses_rewriting_the_audit_trail(api: Any, raw: Any, statement: str) -> None:
    _activity(api)
    before = [(e.id, e.row_hash, e.reason) for e in _events(api.app)]
    with pytest.raises(DBAPIError) as caught:
        raw(statement, id=before[1][0])
    assert "append-only" in str(caught.value)
    assert [(e.id, e.row_hash, e.reason) for e in _events(api.app)] == before


@pytest.mark.parametrize("table", CLINICAL)
def test_database_refuses_deleting_clinical_records(api: Any, raw: Any, table: str) -> None:
    _activity(api)
    count = raw(f"SELECT count(*) FROM {table}").scalar_one()
    assert count > 0
    with pytest.raises(DBAPIError) as caught:
        raw(f"DELETE FROM {table}")
    assert "never deleted" in str(caught.value)
    assert raw(f"SELECT count(*) FROM {table}").scalar_one() == count


def test_no_route_deletes_records(app: Any) -> None:
    deleting = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "DELETE" in (rule.methods or set())
    }
    assert deleting <= ALLOWED_DELETE_ROUTES, (
        "Clinical records are never hard-deleted: void them with a reason (a POST that "
        f"records who and why). DELETE routes found: {sorted(deleting - ALLOWED_DELETE_ROUTES)}"
    )


def test_rejection_keeps_the_record_and_its_reason(api: Any) -> None:
    rx = submit(api, "drA")
    response = api.post(
        f"/api/v1/prescriptions/{rx['id']}/reject", as_="pharm", json={"reason": "wrong patient"}
    )
    assert response.status_code == 200
    kept = api.get(f"/api/v1/prescriptions/{rx['id']}", as_="pharm").get_json()
    assert (kept["status"], kept["rejected_reason"]) == ("rejected", "wrong patient")
    actions = [e.action for e in _events(api.app) if e.entity_id == str(rx["id"])]
    assert actions[-1] == "prescription.rejected"


def _run_verify(app: Any) -> Any:
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def _drop_update_trigger(raw: Any, app: Any) -> None:
    on = " ON audit_events" if dialect(app) == "postgresql" else ""
    raw(f"DROP TRIGGER audit_events_no_update{on}")


def _restore_update_trigger(raw: Any, app: Any) -> None:
    on = " ON audit_events" if dialect(app) == "postgresql" else ""
    raw(f"DROP TRIGGER IF EXISTS audit_events_no_update{on}")
    if dialect(app) == "postgresql":
        raw(
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events FOR EACH ROW "
            "EXECUTE FUNCTION pharmacy_refuse_change("
            "'audit_events is append-only: UPDATE and DELETE are refused')"
        )
    else:
        raw(
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events FOR EACH ROW "
            "BEGIN SELECT RAISE(ABORT, "
            "'audit_events is append-only: UPDATE and DELETE are refused'); END"
        )


def test_audit_verify_passes_on_an_intact_chain(api: Any) -> None:
    _activity(api)
    result = _run_verify(api.app)
    assert result.exit_code == 0, result.output
    assert "intact" in result.output


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE audit_events SET reason = 'nothing to see' WHERE id = :id",
        "UPDATE audit_events SET actor_name = 'someone else' WHERE id = :id",
        "UPDATE audit_events SET row_hash = substr(row_hash, 2) || 'x' WHERE id = :id",
    ],
)
def test_audit_verify_names_the_first_tampered_row(api: Any, raw: Any, tamper: str) -> None:
    _activity(api)
    events = _events(api.app)
    target = events[len(events) // 2].id
    _drop_update_trigger(raw, api.app)
    try:
        raw(tamper, id=target)
        raw(tamper.replace(":id", ":later"), later=events[-2].id)
    finally:
        _restore_update_trigger(raw, api.app)
    result = _run_verify(api.app)
    assert result.exit_code == 1, result.output
    assert f"BROKEN at event id {target}" in result.output


def test_audit_verify_detects_a_removed_row(api: Any, raw: Any) -> None:
    _activity(api)
    events = _events(api.app)
    target = events[3].id
    name = "audit_events_no_delete"
    on = " ON audit_events" if dialect(api.app) == "postgresql" else ""
    raw(f"DROP TRIGGER {name}{on}")
    try:
        raw("DELETE FROM audit_events WHERE id = :id", id=target)
    finally:
        if dialect(api.app) == "postgresql":
            raw(
                f"CREATE TRIGGER {name} BEFORE DELETE ON audit_events FOR EACH ROW "
                "EXECUTE FUNCTION pharmacy_refuse_change("
                "'audit_events is append-only: UPDATE and DELETE are refused')"
            )
        else:
            raw(
                f"CREATE TRIGGER {name} BEFORE DELETE ON audit_events FOR EACH ROW "
                "BEGIN SELECT RAISE(ABORT, "
                "'audit_events is append-only: UPDATE and DELETE are refused'); END"
            )
    result = _run_verify(api.app)
    assert result.exit_code == 1
    assert f"BROKEN at event id {events[4].id}" in result.output


def test_triggers_survive_on_a_migrated_database(app: Any, raw: Any) -> None:
    if dialect(app) == "postgresql":
        names = raw(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        ).scalars().all()
    else:
        names = raw("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars().all()
    assert {"audit_events_no_update", "audit_events_no_delete", "prescriptions_no_delete"} <= set(
        names
    )
