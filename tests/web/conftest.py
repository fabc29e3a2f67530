"""Web tests: page tests with the Flask test client (both databases) and browser tests
against a live server (see test_browser_*.py)."""

from __future__ import annotations

from collections.abc import Iterator  # noqa: F401
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


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from tests.web.browser import start_live_server

    yield from start_live_server(tmp_path_factory.mktemp("live"))


@pytest.fixture(scope="session")
def chromium() -> Any:
    from tests.web.browser import launch_chromium

    yield from launch_chromium()


@pytest.fixture
def page(chromium: Any, live_server: Any) -> Any:
    """A fresh browser context (no cookies) per test; console errors fail the test."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    tab.on(
        "console",
        lambda message: problems.append(f"console {message.type}: {message.text}")
        if message.type == "error" and "status of 4" not in message.text
        else None,
    )

    def on_dialog(dialog: Any) -> None:
        # Our pages ask `confirm()` before irreversible actions; anything else (an alert
        # from injected markup) is a failure.
        if dialog.type == "confirm":
            dialog.accept()
        else:
            problems.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

    tab.on("dialog", on_dialog)
    yield tab
    context.close()
    assert not problems, problems
