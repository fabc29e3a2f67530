"""A pharmacist's verification checks the e-signature (a deliberately slow password hash)
before it locks the prescription, so a colleague verifying the same one waits only for the
last statements; what it decides, it decides on the row as it is once locked."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, text

from .helpers import submit as submitted
from .helpers import verify


def test_a_prescription_verified_while_the_signature_was_checked_is_refused(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pharmacy.models import AuditEvent
    from pharmacy.services.prescriptions import decisions
    from pharmacy.services.uow import current_db

    rx = submitted(api)
    real_check = decisions.check_signature

    def colleague_verifies_meanwhile(session: Any, actor: Any, password: str) -> Any:
        user = real_check(session, actor, password)
        # As if another pharmacist's verification committed while this hash was made:
        # the row changes under the record this session read before.
        session.connection().execute(
            text("UPDATE prescriptions SET status = 'verified' WHERE id = :id"), {"id": rx["id"]}
        )
        return user

    monkeypatch.setattr(decisions, "check_signature", colleague_verifies_meanwhile)
    refused = verify(api, rx["id"])
    assert refused.status_code == 409, refused.get_json()
    assert "verified prescription cannot be verified" in refused.get_data(as_text=True)
    session = current_db().session_factory()
    try:
        events = session.scalar(
            select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == "prescription.verified"
            )
        )
    finally:
        session.close()
    assert events == 0


def test_refusals_that_need_no_signature_still_come_first(api: Any) -> None:
    """An unknown prescription is 404 and a held one 409 before any password is weighed
    (a wrong one would count towards the account's signature lock-out)."""
    missing = api.post(
        "/api/v1/prescriptions/9999999/verify", as_="pharm", json={"password": "wrong"}
    )
    assert missing.status_code == 404
    held = submitted(api, patient={"current_medications": ["oxycodone 5 mg"]})
    assert held["status"] == "on_hold"
    refused = api.post(
        f"/api/v1/prescriptions/{held['id']}/verify", as_="pharm", json={"password": "wrong"}
    )
    assert refused.status_code == 409
