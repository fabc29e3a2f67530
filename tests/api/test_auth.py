"""Accounts, tokens and the access declarations (issue 2 §5)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from pharmacy.auth import declared_roles
from pharmacy.models import ApiToken, User
from pharmacy.models._types import utcnow
from pharmacy.services.uow import current_db
from tests.conftest import PASSWORD

TOKEN = "/api/v1/auth/token"


def test_token_response_names_the_role_and_prescriber(api: Any) -> None:
    response = api.client.post(TOKEN, json={"username": "drA", "password": PASSWORD})
    assert response.status_code == 200
    payload = response.get_json()
    assert payload["role"] == "prescriber"
    assert payload["prescriber_id"] == api.accounts["drA"].prescriber_id
    assert len(payload["token"]) >= 40


def test_unknown_user_and_wrong_password_get_the_same_answer(api: Any) -> None:
    unknown = api.client.post(TOKEN, json={"username": "nobody", "password": PASSWORD})
    wrong = api.client.post(TOKEN, json={"username": "pharm", "password": "wrong password"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.get_json() == wrong.get_json()


def test_tokens_are_stored_hashed(api: Any) -> None:
    token = api.accounts["pharm"].token
    stored = current_db().session().execute(select(ApiToken.token_hash)).scalars().all()
    assert token not in stored
    assert all(len(value) == 64 for value in stored)


def test_passwords_are_argon2id(api: Any) -> None:
    hashes = current_db().session().execute(select(User.password_hash)).scalars().all()
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)


def test_revoked_token_no_longer_works(api: Any) -> None:
    assert api.get("/api/v1/prescriptions", as_="pharm").status_code == 200
    assert api.call("DELETE", TOKEN, as_="pharm").status_code == 204
    assert api.get("/api/v1/prescriptions", as_="pharm").status_code == 401


def test_expired_token_no_longer_works(api: Any) -> None:
    with current_db().transaction() as session:
        session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert api.get("/api/v1/prescriptions", as_="pharm").status_code == 401


def test_a_deactivated_user_is_refused_on_reads_and_writes(api: Any) -> None:
    assert api.get("/api/v1/prescriptions", as_="pharm").status_code == 200
    with current_db().transaction() as session:
        session.execute(update(User).where(User.username == "pharm").values(active=False))
    assert api.get("/api/v1/prescriptions", as_="pharm").status_code == 401
    assert api.get("/api/v1/search", as_="pharm", query_string={"q": "x"}).status_code == 401
    assert api.post("/api/v1/refill-requests", as_="pharm", json={}).status_code == 401


def test_a_read_request_signs_in_as_the_token_s_user(api: Any) -> None:
    """The read path's actor is the token's user, role and prescriber, as a write's is."""
    found = api.get("/api/v1/search", as_="drA", query_string={"q": "x"})
    assert found.status_code == 200
    assert api.get("/api/v1/dashboard", as_="drA").status_code == 403  # a prescriber's role
    assert api.get("/api/v1/dashboard", as_="tech").status_code == 200


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer nonsense", "Basic cGhhcm06eA=="])
def test_missing_or_bad_credentials_are_401(api: Any, header: str) -> None:
    response = api.client.get(
        "/api/v1/prescriptions", headers={"Authorization": header} if header else {}
    )
    assert response.status_code == 401
    assert response.get_json()["code"] == 401


def test_repeated_failures_lock_the_name_for_a_while(api: Any) -> None:
    for _ in range(5):
        assert (
            api.client.post(TOKEN, json={"username": "tech", "password": "guess"}).status_code
            == 401
        )
    locked = api.client.post(TOKEN, json={"username": "tech", "password": PASSWORD})
    assert locked.status_code == 429


def test_every_endpoint_declares_its_roles(app: Any) -> None:
    undeclared = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if declared_roles(app, rule.endpoint) is None
    ]
    assert undeclared == []


def test_cli_adds_a_prescriber_with_a_valid_npi(app: Any) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "add",
            "drwho",
            "--role",
            "prescriber",
            "--password-stdin",
            "--full-name",
            "Dr. Who",
            "--npi",
            "1234567893",
        ],
        input="a very long password\n",
    )
    assert result.exit_code == 0, result.output
    bad = runner.invoke(
        args=[
            "users",
            "add",
            "drno",
            "--role",
            "prescriber",
            "--password-stdin",
            "--full-name",
            "Dr. No",
            "--npi",
            "1234567890",
        ],
        input="a very long password\n",
    )
    assert bad.exit_code != 0
    assert "npi" in bad.output.lower()
    client = app.test_client()
    token = client.post(TOKEN, json={"username": "drwho", "password": "a very long password"})
    assert token.status_code == 200
    assert token.get_json()["prescriber_id"] is not None


@pytest.mark.parametrize(
    ("npi", "valid"),
    [
        ("1234567893", True),
        ("1245319599", True),
        ("1234567890", False),
        ("123456789", False),
        ("abcdefghij", False),
    ],
)
def test_npi_check_digit(npi: str, valid: bool) -> None:
    from pharmacy.services.accounts import npi_is_valid

    assert npi_is_valid(npi) is valid
