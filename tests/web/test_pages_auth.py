"""Sign-in, sign-out, CSRF, throttling, roles and security headers on the pages."""

from __future__ import annotations

from typing import Any

from tests.conftest import PASSWORD
from tests.web.helpers import Browser, csrf_from


def test_login_page_is_public_and_pages_redirect_to_it(app: Any, api: Any) -> None:
    client = Browser(app)
    response = client.get("/pharmacist")
    assert response.status_code == 302
    assert "/login?next=/pharmacist" in response.headers["Location"]
    page = client.get("/login")
    assert page.status_code == 200
    assert "Sign in" in client.text(page)
    assert page.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_each_role_lands_on_its_own_page(app: Any, api: Any) -> None:
    for username, path in [
        ("drA", "/prescriber"), ("pharm", "/pharmacist"), ("tech", "/bench"),
        ("admin", "/admin/users"),
    ]:
        client = Browser(app)
        response = client.login(username)
        assert response.status_code == 302
        assert response.headers["Location"].endswith(path), (username, response.headers)
        assert client.get(path).status_code == 200


def test_login_follows_only_local_next(app: Any, api: Any) -> None:
    client = Browser(app)
    token = csrf_from(client.text(client.get("/login")))
    response = client.client.post("/login", data={
        "username": "pharm", "password": PASSWORD, "csrf_token": token,
        "next": "//evil.example/x",
    })
    assert response.headers["Location"].endswith("/pharmacist")
    client = Browser(app)
    token = csrf_from(client.text(client.get("/login")))
    response = client.client.post("/login", data={
        "username": "pharm", "password": PASSWORD, "csrf_token": token,
        "next": "/prescriptions/1",
    })
    assert response.headers["Location"].endswith("/prescriptions/1")


def test_wrong_password_shows_one_message_and_keeps_username(app: Any, api: Any) -> None:
    client = Browser(app)
    response = client.login("pharm", "wrong password!")
    assert response.status_code == 401
    html = client.text(response)
    assert "Unknown username or wrong password." in html
    assert 'value="pharm"' in html


def test_login_is_throttled_after_repeated_failures(app: Any, api: Any) -> None:
    client = Browser(app)
    for _ in range(app.config["LOGIN_FAILURE_LIMIT"]):
        assert client.login("tech", "nope nope nope").status_code == 401
    response = client.login("tech", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in client.text(response)


def test_forms_need_the_csrf_token(app: Any, api: Any) -> None:
    client = Browser(app)
    response = client.client.post("/login", data={"username": "pharm", "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in client.text(response)


def test_logout_ends_the_session_on_the_server(app: Any, browser_for: Any) -> None:
    client = browser_for("pharm")
    assert client.get("/pharmacist").status_code == 200
    captured = client.client.get_cookie("session")
    assert captured is not None
    stolen = app.test_client()
    stolen.set_cookie("session", captured.value)
    assert stolen.get("/pharmacist").status_code == 200
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/pharmacist").status_code == 302
    # The cookie captured before sign-out no longer opens anything.
    again = app.test_client()
    again.set_cookie("session", captured.value)
    response = again.get("/pharmacist")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_idle_session_times_out(app: Any, browser_for: Any) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from pharmacy.models import WebSession
    from pharmacy.models._types import utcnow
    from pharmacy.services.uow import current_db

    client = browser_for("tech")
    assert client.get("/bench").status_code == 200
    idle = app.config["SESSION_IDLE_MINUTES"] + 1
    with current_db().transaction() as session:
        session.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=idle)))
    assert client.get("/bench").status_code == 302


def test_technician_cannot_reach_pharmacist_pages(app: Any, browser_for: Any) -> None:
    client = browser_for("tech")
    for path in ["/pharmacist", "/pharmacist/orders/new", "/admin/users", "/admin/rules"]:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "Your role may not do this." in client.text(response)
    assert client.post("/prescriptions/1/verify", {"password": PASSWORD}).status_code == 403


def test_prescriber_cannot_reach_workbench_or_admin(app: Any, browser_for: Any) -> None:
    client = browser_for("drA")
    for path in ["/pharmacist", "/bench", "/admin/users"]:
        assert client.get(path).status_code == 403, path
