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
from tests.conftest import owner_url

from .helpers import dialect


@pytest.fixture
def app_role(app: Any) -> Iterator[str]:
    """A new role given the app's rights by `pharmacy db grant` (run as the owner);
    dropped afterwards."""
    if dialect(app) != "postgresql":
        pytest.skip("PostgreSQL roles")
    url = owner_url(app.config["DATABASE_URL"])
    role = f"pharmacy_app_{uuid.uuid4().hex[:8]}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
    served = app.config["DATABASE_URL"]
    app.config["DATABASE_URL"] = url
    try:
        result = app.test_cli_runner().invoke(args=["db", "grant", role])
    finally:
        app.config["DATABASE_URL"] = served
    assert result.exit_code == 0, result.output
    try:
        yield make_url(url).set(username=role).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
        engine.dispose()


def test_the_suite_serves_as_a_restricted_role(app: Any) -> None:
    """Every PostgreSQL test runs the app as a role with `pharmacy db grant`'s rights only."""
    if dialect(app) != "postgresql":
        pytest.skip("PostgreSQL roles")
    url = app.config["DATABASE_URL"]
    assert url != owner_url(url)
    assert role_problem(url) is None
    engine = create_engine(url)
    try:
        with pytest.raises(Exception, match="permission denied"), engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_events"))
    finally:
        engine.dispose()


def test_grant_refuses_a_role_name_that_is_not_plain(app: Any) -> None:
    result = app.test_cli_runner().invoke(args=["db", "grant", "app; DROP TABLE x"])
    if dialect(app) == "postgresql":
        assert result.exit_code == 2 and "plain PostgreSQL role name" in result.output
    else:
        assert result.exit_code == 0 and "SQLite has no roles" in result.output


def test_grant_takes_back_wider_rights(app: Any, app_role: str) -> None:
    """A restored dump may carry GRANT ALL; granting again leaves only the app's rights."""
    role = make_url(app_role).username
    engine = create_engine(owner_url(app.config["DATABASE_URL"]))
    with engine.begin() as conn:
        conn.execute(text(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}"))
    engine.dispose()
    assert "TRUNCATE" in (role_problem(app_role) or "")
    app.config["DATABASE_URL"] = owner_url(app.config["DATABASE_URL"])
    assert app.test_cli_runner().invoke(args=["db", "grant", role]).exit_code == 0
    assert role_problem(app_role) is None


def _serve(app: Any, url: str) -> Any:
    app.config["PHARMACY_ENV"] = "production"
    app.config["DATABASE_URL"] = url
    return app.test_cli_runner().invoke(args=["serve", "--bind", "127.0.0.1:1"])


def test_serve_refuses_a_superuser(app: Any, app_role: str) -> None:
    result = _serve(app, owner_url(app.config["DATABASE_URL"]))
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
    url = owner_url(app.config["DATABASE_URL"])
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


def test_grant_as_a_role_that_owns_nothing_says_it_did_not_take(app: Any, app_role: str) -> None:
    """PostgreSQL only warns when a non-owner grants; the command refuses instead."""
    role = make_url(app_role).username
    app.config["DATABASE_URL"] = app_role  # the app role itself, which owns no table
    result = app.test_cli_runner().invoke(args=["db", "grant", role])
    assert result.exit_code == 1 and "would not take" in result.output, result.output
