"""A test client that signs in through the login page and posts forms with their CSRF
token, as a browser would."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


class Browser:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.client = app.test_client()
        self.token = ""

    def login(self, username: str, password: str = PASSWORD) -> Any:
        page = self.client.get("/login")
        self.token = csrf_from(page.get_data(as_text=True))
        response = self.client.post(
            "/login", data={"username": username, "password": password, "csrf_token": self.token}
        )
        if response.status_code == 302:
            # A fresh session after sign-in: take the new token from any page.
            self.refresh_token()
        return response

    def refresh_token(self) -> None:
        page = self.client.get("/", follow_redirects=True)
        html = page.get_data(as_text=True)
        match = CSRF.search(html)
        if match:
            self.token = match.group(1)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        form = dict(data or {})
        form.setdefault("csrf_token", self.token)
        return self.client.post(path, data=form, **kwargs)

    def text(self, response: Any) -> str:
        return response.get_data(as_text=True)
