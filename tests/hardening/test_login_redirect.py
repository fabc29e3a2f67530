"""Issue 18, break 4: an open redirect after sign-in. `/login?next=%2F%09%2Fevil.example`
answered `Location: //evil.example` (a browser drops the tab). `next` is now only a relative
path on this site, as typed and after URL decoding."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from pharmacy.web.auth_views import _safe_next
from tests.conftest import PASSWORD
from tests.web.helpers import Browser, csrf_from

HOSTILE = [
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "/%2F/evil.example",
    "/%09/evil.example",
    "/%5Cevil.example",
    "%2F%2Fevil.example",
    "/%252F/evil.example",
    "/x\x00",
    "evil.example",
    "",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_safe_next_refuses_anything_but_a_local_path(target: str) -> None:
    assert _safe_next(target) is None


@pytest.mark.parametrize("target", ["/pharmacist", "/prescriptions/12?tab=fills", "/a%20b"])
def test_safe_next_keeps_local_paths(target: str) -> None:
    assert _safe_next(target) == target


def _sign_in_with_next(app: Any, next_value: str) -> Any:
    client = Browser(app)
    page = client.get("/login?next=" + quote(next_value, safe=""))
    token = csrf_from(client.text(page))
    return client.client.post("/login", data={
        "username": "pharm", "password": PASSWORD, "csrf_token": token, "next": next_value,
    })


def test_the_reported_redirect_goes_home_instead(app: Any, api: Any) -> None:
    # The report: next=%2F%09%2Fevil.example, which the form posts back decoded.
    response = _sign_in_with_next(app, "/\t/evil.example")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert urlsplit(location).netloc in ("", "localhost")
    assert location.endswith("/pharmacist")
    assert "evil" not in location


def test_a_local_next_is_still_followed(app: Any, api: Any) -> None:
    response = _sign_in_with_next(app, "/bench")
    assert response.headers["Location"].endswith("/bench")
