"""Fixtures of the hardening tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text


@pytest.fixture
def raw(app: Any) -> Iterator[Any]:
    """Tampering as the database's owner: on PostgreSQL the app's own role may not even
    try (test_database_roles), so the triggers are shown against the owner."""
    from tests.conftest import owner_url

    engine = create_engine(owner_url(app.config["DATABASE_URL"]))

    def run(sql: str, **params: Any) -> Any:
        with engine.begin() as conn:
            return conn.execute(text(sql), params)

    yield run
    engine.dispose()
