"""Shared fixtures. Integration and API tests run once on SQLite and once on PostgreSQL
(when TEST_DATABASE_URL is set; REQUIRE_POSTGRES=1 makes its absence a failure)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"
PASSWORD = "correct horse battery staple"
_postgres_skipped = False


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not POSTGRES_URL:
        terminalreporter.write_line(
            "PostgreSQL tests were skipped: set TEST_DATABASE_URL to run them (CI does)."
        )


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated to head and seeded once; each test gets a copy."""
    from pharmacy import migrate
    from pharmacy.app import create_app
    from pharmacy.seed import seed_reference_data
    from pharmacy.services.uow import current_db

    path = tmp_path_factory.mktemp("template") / "template.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "PHARMACY_ENV": "testing", "SECRET_KEY": "t"})
    with app.app_context():
        with current_db().transaction() as session:
            seed_reference_data(session)
        current_db().dispose()
    return path


@dataclass(frozen=True)
class PostgresDatabase:
    """A worker's database: migrated by the owner (the suite's superuser), served by a
    restricted app role with exactly `pharmacy db grant`'s rights, as in production."""

    owner_url: str
    app_url: str
    app_role: str


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabase]:
    """A database of this worker's own, migrated to head, with its app role."""
    from pharmacy import migrate
    from pharmacy.db_roles import grant_app_role

    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
        pytest.skip("PostgreSQL tests skipped: TEST_DATABASE_URL is not set")
    base = make_url(POSTGRES_URL)
    name = f"{base.database}_{_worker()}"
    role = f"{name}_app".lower()[-63:].lstrip("0123456789")
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
            conn.execute(text(f"CREATE ROLE {role} LOGIN"))
    except Exception as error:  # noqa: BLE001
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required but not reachable: {type(error).__name__}")
        pytest.skip("PostgreSQL not reachable")
    owner_url = base.set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(owner_url)
    owner = create_engine(owner_url)
    with owner.begin() as conn:
        conn.execute(text("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
        grant_app_role(conn, role)
    owner.dispose()
    app_url = make_url(owner_url).set(username=role, password=None)
    yield PostgresDatabase(owner_url, app_url.render_as_string(hide_password=False), role)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_database(postgres_databases: PostgresDatabase) -> str:
    """The worker's database as its owner sees it (for tests that need the owner)."""
    return postgres_databases.owner_url


def owner_url(database_url: str) -> str:
    """The owner's URL for a test database: the suite's own user on PostgreSQL (the app
    runs as a restricted role there), the same file on SQLite."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        return database_url
    base = make_url(POSTGRES_URL)
    return url.set(username=base.username, password=base.password).render_as_string(
        hide_password=False
    )


def _truncate_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        # The tables refuse TRUNCATE (migration 0019) through triggers, which a superuser
        # may skip for this one transaction: replica mode fires no ordinary trigger.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        tables = [
            row[0]
            for row in conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
        ]
        if tables:
            conn.execute(
                text(
                    "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
                )
            )
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / f"{uuid.uuid4().hex}.db"
        shutil.copy(template, path)
        return f"sqlite:///{path}"
    databases: PostgresDatabase = request.getfixturevalue("postgres_databases")
    _truncate_postgres(databases.owner_url)
    return databases.app_url


@pytest.fixture
def app(database_url: str) -> Iterator[Any]:
    from pharmacy.app import create_app
    from pharmacy.seed import seed_reference_data
    from pharmacy.services.uow import current_db

    flask_app = create_app(
        {"DATABASE_URL": database_url, "PHARMACY_ENV": "testing", "SECRET_KEY": "test-secret"}
    )
    flask_app.config["WTF_CSRF_ENABLED"] = True
    with flask_app.app_context():
        if database_url.startswith("postgresql"):
            with current_db().transaction() as session:
                seed_reference_data(session)
        yield flask_app
        current_db().dispose()


@dataclass
class Account:
    id: int
    username: str
    role: str
    token: str
    prescriber_id: int | None = None


class Api:
    """A test client that speaks as one of the seeded accounts."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.client = app.test_client()
        self.accounts: dict[str, Account] = {}
        self._npi_seq = 0

    def add_user(self, username: str, role: str, **extra: Any) -> Account:
        from pharmacy.audit import SYSTEM
        from pharmacy.services import accounts

        if role == "prescriber":
            extra.setdefault("full_name", f"Dr. {username.title()}")
            extra.setdefault("npi", next_npi())
        user = accounts.create_user(
            SYSTEM, username=username, password=PASSWORD, role=role, **extra
        )
        response = self.client.post(
            "/api/v1/auth/token", json={"username": username, "password": PASSWORD}
        )
        assert response.status_code == 200, response.get_json()
        account = Account(user.id, username, role, response.get_json()["token"], user.prescriber_id)
        self.accounts[username] = account
        return account

    def call(self, method: str, path: str, as_: str | None = None, **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {})
        if as_ is not None:
            headers["Authorization"] = f"Bearer {self.accounts[as_].token}"
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path: str, as_: str | None = None, **kwargs: Any) -> Any:
        return self.call("GET", path, as_, **kwargs)

    def post(self, path: str, as_: str | None = None, **kwargs: Any) -> Any:
        return self.call("POST", path, as_, **kwargs)


_NPI_COUNTER = [100000]


def next_npi() -> str:
    """A fresh NPI with a valid check digit."""
    from pharmacy.services.accounts import npi_is_valid

    while True:
        _NPI_COUNTER[0] += 1
        stem = f"1{_NPI_COUNTER[0]:08d}"
        for check in range(10):
            if npi_is_valid(stem + str(check)):
                return stem + str(check)


@pytest.fixture
def api(app: Any) -> Api:
    """Accounts: admin, pharmacist (pharm), technician (tech), prescribers drA and drB."""
    client = Api(app)
    client.add_user("admin", "admin")
    client.add_user("pharm", "pharmacist", full_name="Pat Pharmacist")
    client.add_user("tech", "technician")
    client.add_user("drA", "prescriber")
    client.add_user("drB", "prescriber")
    return client
