"""Web tests: page tests with the Flask test client (both databases) and browser tests
against a live server (see test_browser_*.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.helpers import Browser


@pytest.fixture
def browser_for(app: Any, api: Any) -> Any:
    """`browser_for("pharm")` → a test client signed in through the login page."""

    def make(username: str) -> Browser:
        client = Browser(app)
        response = client.login(username)
        assert response.status_code == 302, client.text(response)
        return client

    return make
