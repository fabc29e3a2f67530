"""Issue 18, breaks 5 and 6. Five wrong passwords locked the account for 15 minutes for
everyone, even the right password from another place; e-signature passwords were not
throttled at all. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from pharmacy.services.sign_in_throttle import Throttle

from .helpers import PASSWORD, submit

TOKEN = "/api/v1/auth/token"


def _sign_in(api: Any, address: str, password: str, username: str = "pharm") -> Any:
    return api.client.post(
        TOKEN, json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def _actions(raw: Any, action: str) -> int:
    return int(raw("SELECT count(*) FROM audit_events WHERE action = :a", a=action).scalar_one())


def test_delays_grow_from_one_address() -> None:
    throttle = Throttle(free=5, window_minutes=15, first_delay_seconds=2)
    assert [throttle.delay(n).total_seconds() for n in range(4, 10)] == [0, 2, 4, 8, 16, 32]
    assert throttle.delay(40) == timedelta(minutes=15)  # never beyond the window


def _age_failures(seconds: int) -> None:
    from sqlalchemy import select

    from pharmacy.models import LoginFailure
    from pharmacy.services.uow import current_db

    with current_db().transaction() as session:
        for failure in session.scalars(select(LoginFailure)):
            failure.failed_at -= timedelta(seconds=seconds)


def test_a_guesser_elsewhere_does_not_lock_the_real_user_out(api: Any, raw: Any) -> None:
    for _ in range(5):
        assert _sign_in(api, "203.0.113.9", "wrong guess").status_code == 401
    # The guesser's address now waits (the break: so did everyone, for 15 minutes).
    throttled = _sign_in(api, "203.0.113.9", PASSWORD)
    assert throttled.status_code == 429
    assert "from here" in throttled.get_json()["message"]
    # The pharmacist at the counter signs in.
    assert _sign_in(api, "192.0.2.10", PASSWORD).status_code == 200
    # Once the delay has passed, the guesser's address may try again, and waits longer next.
    _age_failures(seconds=3)
    assert _sign_in(api, "203.0.113.9", "wrong guess").status_code == 401
    assert _sign_in(api, "203.0.113.9", PASSWORD).status_code == 429


def test_the_account_ceiling_alerts_instead_of_locking(api: Any, raw: Any) -> None:
    api.app.config["LOGIN_ALERT_CEILING"] = 6
    for n in range(6):
        assert _sign_in(api, f"198.51.100.{n}", "wrong guess").status_code == 401
    assert _actions(raw, "auth.sign_in_alert") == 1
    assert _sign_in(api, "198.51.100.99", "wrong guess").status_code == 401
    assert _actions(raw, "auth.sign_in_alert") == 1  # once per crossing, not per failure
    assert _sign_in(api, "192.0.2.10", PASSWORD).status_code == 200  # not locked
    from tests.web.helpers import Browser

    admin = Browser(api.app)
    assert admin.login("admin").status_code == 302
    page = admin.text(admin.get("/admin/users"))
    assert "Many failed sign-ins for" in page and "pharm" in page
    tech = Browser(api.app)
    tech.login("tech")
    assert "Many failed sign-ins" not in tech.text(tech.get("/bench"))


def _verify(api: Any, rx_id: int, password: str) -> Any:
    return api.post(f"/api/v1/prescriptions/{rx_id}/verify", as_="pharm",
                    json={"password": password, "acknowledge_warnings": True})


def test_signature_guesses_revoke_the_stolen_token(api: Any, raw: Any) -> None:
    rx = submit(api, "drA")
    limit = api.app.config["SIGNATURE_FAILURE_LIMIT"]
    for attempt in range(limit):
        response = _verify(api, rx["id"], f"guess {attempt}")
        assert response.status_code == 422
        assert "password" in response.get_json()["errors"]
    # The break: the token could go on guessing. Now it is revoked, and that is audited.
    assert api.get("/api/v1/prescriptions", as_="pharm").status_code == 401
    assert _actions(raw, "auth.credentials_revoked") == 1
    assert _verify(api, rx["id"], PASSWORD).status_code == 401
    # The real pharmacist signs in again and signs.
    api.accounts["pharm"].token = _sign_in(api, "192.0.2.10", PASSWORD).get_json()["token"]
    assert _verify(api, rx["id"], PASSWORD).status_code == 200


def test_a_few_signature_slips_do_not_revoke(api: Any) -> None:
    rx = submit(api, "drA")
    for _ in range(api.app.config["SIGNATURE_FAILURE_LIMIT"] - 1):
        assert _verify(api, rx["id"], "typo").status_code == 422
    assert _verify(api, rx["id"], PASSWORD).status_code == 200


@pytest.mark.parametrize("path", ["/login"])
def test_pages_sign_in_uses_the_same_throttle(api: Any, path: str) -> None:
    from tests.web.helpers import Browser

    client = Browser(api.app)
    for _ in range(api.app.config["LOGIN_FAILURE_LIMIT"]):
        assert client.login("tech", "nope nope nope").status_code == 401
    assert client.login("tech").status_code == 429
