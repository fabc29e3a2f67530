"""The connection pool pings a connection only when it has been left idle: one used a moment
ago is handed out as it is, and one the server dropped while idle is replaced before use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from pharmacy import db
from pharmacy.db import make_engine


@pytest.fixture
def counted_engine(postgres_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An engine maker whose dialect counts its pings."""
    engines: list[Engine] = []

    def make(idle_seconds: float) -> tuple[Engine, list[int]]:
        engine = make_engine(postgres_database, ping_after_idle_seconds=idle_seconds)
        pings: list[int] = []
        real_ping = engine.dialect.do_ping

        def counting_ping(dbapi_connection: Any) -> bool:
            pings.append(1)
            return real_ping(dbapi_connection)

        monkeypatch.setattr(engine.dialect, "do_ping", counting_ping)
        engines.append(engine)
        return engine, pings

    yield make
    for engine in engines:
        engine.dispose()


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


def test_a_connection_used_a_moment_ago_is_not_pinged(counted_engine: Any) -> None:
    engine, pings = counted_engine(60.0)
    first = _backend_pid(engine)  # a new connection: nothing to ping
    second = _backend_pid(engine)  # back in the pool for far less than a minute
    assert first == second
    assert pings == []


def test_a_connection_left_idle_is_pinged_before_use(counted_engine: Any) -> None:
    engine, pings = counted_engine(0.0)
    first = _backend_pid(engine)
    assert pings == []
    assert _backend_pid(engine) == first  # pinged, alive, handed out
    assert pings == [1]


def test_a_connection_the_server_dropped_while_idle_is_replaced(
    counted_engine: Any, postgres_database: str
) -> None:
    engine, pings = counted_engine(0.0)
    dropped = _backend_pid(engine)
    _terminate(postgres_database, dropped)
    replacement = _backend_pid(engine)  # no error reaches the caller
    assert replacement != dropped
    assert pings == [1]  # the ping found it gone; the fresh one needed none


@pytest.fixture
def never_ping(monkeypatch: pytest.MonkeyPatch) -> None:
    """Apps made after this hand out pooled connections without a ping, so a connection the
    server has dropped reaches a request."""
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 3600.0)


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
