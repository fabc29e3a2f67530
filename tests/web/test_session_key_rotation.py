"""A page session across a rotation of the secret key: the old key kept as a fallback still
reads the cookie it signed; dropped, the page asks to sign in again."""

from __future__ import annotations

from typing import Any

from tests.web.helpers import Browser


def test_a_page_session_follows_the_secret_key_and_its_fallbacks(app: Any, api: Any) -> None:
    browser = Browser(app)
    assert browser.login("pharm").status_code == 302
    assert browser.get("/pharmacist").status_code == 200
    signed_with = app.secret_key
    try:
        # Rotated, the old key kept as a fallback: the cookie it signed still reads.
        app.secret_key = "a rotated secret key"
        app.config["SECRET_KEY_FALLBACKS"] = [signed_with]
        assert browser.get("/pharmacist").status_code == 200
        # The old key dropped: the cookie no longer reads, so the page asks to sign in.
        app.config["SECRET_KEY_FALLBACKS"] = []
        response = browser.get("/pharmacist")
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    finally:
        app.secret_key = signed_with
        app.config["SECRET_KEY_FALLBACKS"] = []
    # Back on the key that signed it, the same cookie reads again.
    assert browser.get("/pharmacist").status_code == 200
