"""Fixtures of the hardening tests."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text


@pytest.fixture
def raw(app: Any) -> Any:
    """A raw connection factory for tampering in tests."""
    from pharmacy.services.uow import current_db

    def run(sql: str, **params: Any) -> Any:
        with current_db().engine.begin() as conn:
            return conn.execute(text(sql), params)

    return run
