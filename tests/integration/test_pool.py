"""A connection the server dropped reaches a request only as a 503 that says nothing was
saved, and the next request works (the pool pre-pings connections, so with it on a dropped
connection never reaches a request at all; these tests turn it off to see the worst case)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from pharmacy import db


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(database_url: str, pid: int | None = None) -> None:
    """End one server process of this database (`pid`), or every one but the caller's."""
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        ended = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND (CAST(:pid AS integer) IS NULL OR pid = :pid)"
            ),
            {"pid": pid},
        ).scalar_one()
    admin.dispose()
    assert ended >= 1


@pytest.fixture
def never_ping(monkeypatch: pytest.MonkeyPatch) -> None:
    """Apps made after this hand out pooled connections without a ping, so a connection the
    server has dropped reaches a request."""
    monkeypatch.setattr(db, "POOL_PRE_PING", False)


def _until_answered(get: Any, check_503: Any) -> list[int]:
    statuses = []
    for _ in range(12):  # each lost connection is replaced once it has failed
        response = get()
        statuses.append(response.status_code)
        if response.status_code == 200:
            break
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "1"
        check_503(response)
    return statuses


def test_a_request_whose_connection_was_lost_gets_503_and_a_retry_works(
    never_ping: None, api: Any, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to lose")
    assert api.get("/api/v1/prescriptions", as_="pharm").status_code == 200
    _terminate(database_url)

    def json_says_nothing_saved(response: Any) -> None:
        assert "nothing was saved" in response.get_json()["message"]

    statuses = _until_answered(
        lambda: api.get("/api/v1/prescriptions", as_="pharm"), json_says_nothing_saved
    )
    assert statuses[0] == 503
    assert statuses[-1] == 200


def test_a_page_whose_connection_was_lost_gets_a_503_page_and_a_retry_works(
    never_ping: None, api: Any, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to lose")
    from tests.web.helpers import Browser

    browser = Browser(api.app)
    assert browser.login("pharm").status_code == 302
    assert browser.get("/pharmacist").status_code == 200
    _terminate(database_url)

    def page_says_nothing_saved(response: Any) -> None:
        assert response.mimetype == "text/html"
        assert "nothing was saved" in browser.text(response)

    statuses = _until_answered(lambda: browser.get("/pharmacist"), page_says_nothing_saved)
    assert statuses[0] == 503
    assert statuses[-1] == 200
