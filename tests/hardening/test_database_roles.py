"""Issue 18, break 1: the app's database user could TRUNCATE and drop triggers. In
production `pharmacy serve` refuses a superuser, an owner, or a role that may create
objects or TRUNCATE, naming the fix; a role with the README's DML grants passes. PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from pharmacy.serving import role_problem

from .helpers import dialect

APP_GRANTS = (
    "GRANT USAGE ON SCHEMA public TO {role}",
    "GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO {role}",
    "GRANT DELETE ON login_failures TO {role}",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
)


@pytest.fixture
def app_role(app: Any) -> Iterator[str]:
    """A role with the README's grants; dropped afterwards."""
    if dialect(app) != "postgresql":
        pytest.skip("PostgreSQL roles")
    url = app.config["DATABASE_URL"]
    role = f"pharmacy_app_{uuid.uuid4().hex[:8]}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        conn.execute(text("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
        for grant in APP_GRANTS:
            conn.execute(text(grant.format(role=role)))
    try:
        yield make_url(url).set(username=role).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
        engine.dispose()


def _serve(app: Any, url: str) -> Any:
    app.config["PHARMACY_ENV"] = "production"
    app.config["DATABASE_URL"] = url
    return app.test_cli_runner().invoke(args=["serve", "--bind", "127.0.0.1:1"])


def test_serve_refuses_a_superuser(app: Any, app_role: str) -> None:
    result = _serve(app, app.config["DATABASE_URL"])
    assert result.exit_code != 0
    assert "superuser" in result.output and "README" in result.output


def test_the_restricted_role_passes_and_cannot_truncate_or_drop(app: Any, app_role: str) -> None:
    assert role_problem(app_role) is None
    engine = create_engine(app_role)
    try:
        for statement, refusal in [
            ("TRUNCATE prescriptions CASCADE", "permission denied"),
            ("DROP TRIGGER audit_events_no_update ON audit_events", "must be owner"),
            ("CREATE TABLE scratch (x int)", "permission denied"),
            ("DELETE FROM audit_chain_head", "permission denied"),
        ]:
            with pytest.raises(Exception, match=refusal), engine.begin() as conn:
                conn.execute(text(statement))
        with engine.begin() as conn:  # and it can do its work
            conn.execute(text("SELECT count(*) FROM audit_events")).scalar_one()
    finally:
        engine.dispose()


def test_serve_refuses_an_owner(app: Any, app_role: str) -> None:
    url = app.config["DATABASE_URL"]
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    role = make_url(app_role).username
    with engine.connect() as conn:
        owner = conn.execute(text("SELECT current_user")).scalar_one()
        conn.execute(text(f"ALTER TABLE login_failures OWNER TO {role}"))
        try:
            problem = role_problem(app_role)
        finally:  # give the table back, so the role's clean-up does not drop it
            conn.execute(text(f"ALTER TABLE login_failures OWNER TO {owner}"))
    engine.dispose()
    assert problem is not None and "owns" in problem
