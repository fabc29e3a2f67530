"""Guarantee 6: no patient data, passwords or tokens in logs; cookies locked down; no
production start without a SECRET_KEY.

A canary patient (and a canary password) goes through every use case — intake, patient
update, hold and override, verify, reject, batch, fill, labels, trace, recall, failed
sign-ins on the API and the sign-in page, and a crash whose exception text carries the
canary — with every logger at DEBUG and stdout/stderr captured at the file-descriptor
level. None of the canary values may appear.
"""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from pharmacy.config import ConfigurationError
from tests.stock_support import capsule_stock, fill, make_batch, record_as_planned

from .helpers import (
    CANARY_ADDRESS,
    CANARY_FIRST,
    CANARY_LAST,
    CANARY_PHONE,
    PASSWORD,
    rx_payload,
)

CANARY_DOB = "1961-02-03"
CANARY_MED = "zzcanarymab 5 mg"
CANARY_PASSWORD = "Canary-Pa55word-zq"
CANARY_REASON = "Canary reason text qq"


def _canary_patient(**extra: Any) -> dict[str, Any]:
    return {
        "first_name": CANARY_FIRST,
        "last_name": CANARY_LAST,
        "date_of_birth": CANARY_DOB,
        "phone": CANARY_PHONE,
        "address": CANARY_ADDRESS,
        "current_medications": [CANARY_MED],
        **extra,
    }


def _routes(app: Any) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules()}


def _csrf(client: Any, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def _every_use_case(api: Any) -> list[str]:
    """Drive the canary through the system; return the secrets that must never be logged."""
    secrets = [t.token for t in api.accounts.values()]
    stock = capsule_stock(api)
    # Intake, then a second intake that updates the patient's phone.
    first = api.post("/api/v1/prescriptions", as_="drA",
                     json=rx_payload(patient=_canary_patient()))
    assert first.status_code == 201, first.get_json()
    second = api.post(
        "/api/v1/prescriptions",
        as_="pharm",
        json=rx_payload(
            prescriber_id=api.accounts["drA"].prescriber_id,
            patient=_canary_patient(phone="555-0111", current_medications=["oxycodone 5 mg"]),
        ),
    )
    assert second.status_code == 201 and second.get_json()["status"] == "on_hold"
    rx = first.get_json()
    assert api.post(f"/api/v1/prescriptions/{second.get_json()['id']}/override-hold",
                    as_="pharm", json={"reason": CANARY_REASON}).status_code == 200
    assert api.post(f"/api/v1/prescriptions/{second.get_json()['id']}/reject",
                    as_="pharm", json={"reason": CANARY_REASON}).status_code == 200
    # Verify: a wrong signature password, then the right one.
    assert api.post(f"/api/v1/prescriptions/{rx['id']}/verify", as_="pharm",
                    json={"password": CANARY_PASSWORD}).status_code == 422
    assert api.post(f"/api/v1/prescriptions/{rx['id']}/verify", as_="pharm",
                    json={"password": PASSWORD, "acknowledge_warnings": True}).status_code == 200
    # Batch, fill, labels, trace, recall.
    batch = make_batch(api).get_json()
    assert record_as_planned(api, batch).status_code == 200
    assert api.post(f"/api/v1/batches/{batch['id']}/release", as_="pharm",
                    json={"password": PASSWORD}).status_code == 200
    # The record now lists the oxycodone the second prescription reported: the first one's
    # fill needs a pharmacist's review of it.
    assert fill(api, rx["id"], batch["id"], 30).status_code == 409
    filled = fill(api, rx["id"], batch["id"], 30, as_="pharm", acknowledge_opioid_update=True)
    assert filled.status_code == 201, filled.get_json()
    routes = _routes(api.app)
    if "printing.fill_label" in routes:
        fill_id = filled.get_json()["id"]
        assert api.get(f"/api/v1/fills/{fill_id}/label.pdf", as_="tech").status_code < 500
        assert api.get(f"/api/v1/fills/{fill_id}/leaflet.pdf", as_="tech").status_code < 500
    assert api.get(f"/api/v1/ingredient-lots/{stock['api']['id']}/trace",
                   as_="pharm").status_code == 200
    recall = api.post(f"/api/v1/ingredient-lots/{stock['api']['id']}/recall", as_="pharm",
                      json={"reason": CANARY_REASON})
    assert recall.status_code == 201, recall.get_json()
    csv = api.get(f"/api/v1/recalls/{recall.get_json()['id']}/list.csv", as_="pharm")
    assert CANARY_LAST in csv.get_data(as_text=True)  # the data is there, for its readers
    # Failed sign-ins with a canary password: API and page.
    for _ in range(3):
        assert api.client.post("/api/v1/auth/token", json={
            "username": "pharm", "password": CANARY_PASSWORD}).status_code == 401
    if "web.login" in routes:
        web = api.app.test_client()
        token = _csrf(web, "/login")
        web.post("/login", data={"username": "drA", "password": CANARY_PASSWORD,
                                 "csrf_token": token})
        web.post("/login", data={"username": "drA", "password": PASSWORD, "csrf_token": token})
        web.get(f"/prescriptions/{rx['id']}")
    # Validation errors echoing the canary input.
    api.post("/api/v1/prescriptions", as_="drA",
             json=rx_payload(patient=_canary_patient(date_of_birth="2999-01-01")))
    fresh = api.client.post("/api/v1/auth/token", json={"username": "tech", "password": PASSWORD})
    secrets.append(fresh.get_json()["token"])
    return secrets


def test_no_patient_data_passwords_or_tokens_in_logs(
    api: Any, caplog: Any, capfd: Any, monkeypatch: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("pharmacy", "werkzeug", "flask", "gunicorn", "alembic"):
        caplog.set_level(logging.DEBUG, logger=name)
    # SQL statement logging is the database library's debugging aid, off as shipped (no
    # echo); with a DEBUG root logger it would print bound parameters, so it stays at its
    # shipped level here. SECURITY.md says never to enable it on patient data.
    caplog.set_level(logging.WARNING, logger="sqlalchemy")
    secrets = _every_use_case(api)

    # A crash whose exception text carries the canary: logged by type and place only.
    def explode(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError(f"boom for {CANARY_FIRST} {CANARY_LAST} {CANARY_PHONE}")

    monkeypatch.setattr("pharmacy.services.prescriptions.patients.find_patient", explode)
    crashed = api.post("/api/v1/prescriptions", as_="drA",
                       json=rx_payload(patient=_canary_patient(first_name="Other")))
    assert crashed.status_code == 500
    assert CANARY_FIRST not in crashed.get_data(as_text=True)

    captured = capfd.readouterr()
    text = "\n".join(
        [caplog.text, captured.out, captured.err]
        + [str(record.args) for record in caplog.records]
        + [repr(getattr(record, "exc_info", None)) for record in caplog.records]
    )
    assert "unhandled RuntimeError" in text  # the logs are being captured at all
    needles = [CANARY_FIRST, CANARY_LAST, CANARY_PHONE, CANARY_ADDRESS, CANARY_DOB,
               CANARY_MED, CANARY_PASSWORD, PASSWORD, "555-0111", *secrets]
    found = [needle for needle in needles if needle.lower() in text.lower()]
    assert not found, f"found in logs: {found}"


def test_audit_trail_names_fields_not_patient_values(api: Any) -> None:
    from sqlalchemy import select

    from pharmacy.models import AuditEvent
    from pharmacy.services.uow import read_session

    _every_use_case(api)
    events = read_session().execute(select(AuditEvent)).scalars().all()
    dump = " ".join(f"{e.before} {e.after} {e.entity_id}" for e in events)
    for needle in (CANARY_FIRST, CANARY_LAST, CANARY_PHONE, CANARY_ADDRESS, CANARY_PASSWORD,
                   CANARY_MED, PASSWORD):
        assert needle not in dump


# Configuration: cookies and the secret key.


def _app(tmp_path: Path, template: Path, env: str, **config: Any) -> Any:
    from pharmacy.app import create_app

    path = tmp_path / "cfg.db"
    shutil.copy(template, path)
    return create_app({"DATABASE_URL": f"sqlite:///{path}", "PHARMACY_ENV": env, **config})


def test_production_refuses_to_start_without_secret_key(
    tmp_path: Path, monkeypatch: Any, sqlite_template: Path
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        _app(tmp_path, sqlite_template, "production")
    monkeypatch.setenv("SECRET_KEY", "")
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        _app(tmp_path, sqlite_template, "production")
    monkeypatch.setenv("PHARMACY_ENV", "staging")
    with pytest.raises(ConfigurationError):
        _app(tmp_path, sqlite_template, "")


def _web_sign_in(app: Any) -> Any:
    from pharmacy.audit import SYSTEM
    from pharmacy.services import accounts

    with app.app_context():
        accounts.create_user(SYSTEM, username="cookiepharm", password=PASSWORD,
                             role="pharmacist", full_name="Cookie Pharmacist")
    client = app.test_client()
    base = "https://pharmacy.example"
    html = client.get("/login", base_url=base).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert token
    return client.post(
        "/login",
        data={"username": "cookiepharm", "password": PASSWORD, "csrf_token": token.group(1)},
        base_url=base,
        headers={"Referer": f"{base}/login"},
    )


def _set_cookies(response: Any) -> list[str]:
    return response.headers.getlist("Set-Cookie")


@pytest.mark.parametrize("env", ["production", "development"])
def test_session_cookie_flags(tmp_path: Path, sqlite_template: Path, env: str) -> None:
    app = _app(tmp_path, sqlite_template, env, SECRET_KEY="s" * 48)
    if "web.login" not in _routes(app):
        pytest.skip("no sign-in page")
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert app.config["SESSION_COOKIE_SECURE"] is (env == "production")
    response = _web_sign_in(app)
    assert response.status_code in (302, 303)
    cookies = _set_cookies(response)
    assert cookies
    for cookie in cookies:
        flags = [part.strip().lower() for part in cookie.split(";")]
        assert "httponly" in flags, cookie
        assert any(f.startswith("samesite=") for f in flags), cookie
        assert ("secure" in flags) is (env == "production"), cookie
    from pharmacy.services.uow import current_db

    with app.app_context():
        current_db().dispose()


def test_testing_env_also_sets_httponly_and_samesite(app: Any) -> None:
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert app.config["MAX_CONTENT_LENGTH"] <= 1024 * 1024


def test_security_headers(api: Any) -> None:
    response = api.get("/api/v1/prescriptions", as_="pharm")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
