"""In a real browser: form errors beside fields, roles, sign-out, escaping."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.browser import screenshot, sign_in, sign_out

pytestmark = pytest.mark.browser


def test_login_page_and_wrong_password(page: Any, live_server: Any) -> None:
    page.goto(live_server.path("/pharmacist"))
    assert "/login" in page.url
    screenshot(page, "01-login")
    sign_in(page, live_server, "pharm", "not the password")
    assert "Unknown username or wrong password." in page.inner_text(".form-summary")
    assert page.input_value("#username") == "pharm"


def test_form_errors_beside_fields_with_input_kept(page: Any, live_server: Any) -> None:
    sign_in(page, live_server, "drgrey")
    page.goto(live_server.path("/prescriptions/new"))
    page.fill("#patient-last_name", "Łukasiewicz-Nguyễn")
    page.fill("#patient-date_of_birth", "2999-01-01")
    page.select_option("#dosage_form", "capsule")
    page.fill("#strength_mg", "1.5 mg please")
    page.fill("#patient-current_medications", "sertraline 50 mg")
    page.click("#submit-rx")
    page.wait_for_selector(".form-summary")
    assert page.is_visible("#patient-first_name-error")
    assert "Date of birth cannot be in the future." in page.inner_text("#patient-date_of_birth-error")
    assert page.is_visible("#strength_mg-error")
    assert page.input_value("#patient-last_name") == "Łukasiewicz-Nguyễn"
    assert page.input_value("#strength_mg") == "1.5 mg please"
    assert page.input_value("#patient-current_medications") == "sertraline 50 mg"
    screenshot(page, "03-prescription-form-errors")


def test_technician_cannot_reach_pharmacist_pages(page: Any, live_server: Any) -> None:
    sign_in(page, live_server, "tech")
    assert page.url.endswith("/bench")
    nav = page.inner_text("header nav")
    assert "Workbench" not in nav
    for path in ["/pharmacist", "/pharmacist/orders/new", "/admin/users"]:
        response = page.goto(live_server.path(path))
        assert response is not None and response.status == 403, path
        assert "Your role may not do this." in page.content()


def test_logout_really_logs_out(page: Any, live_server: Any, chromium: Any) -> None:
    sign_in(page, live_server, "pharm")
    assert page.url.endswith("/pharmacist")
    captured = page.context.cookies()
    assert any(c["name"] == "session" for c in captured)
    sign_out(page)
    response = page.goto(live_server.path("/pharmacist"))
    assert "/login" in page.url
    # Replaying the cookie captured before sign-out opens nothing.
    other = chromium.new_context()
    try:
        other.add_cookies(captured)
        tab = other.new_page()
        response = tab.goto(live_server.path("/pharmacist"))
        assert response is not None
        assert "/login" in tab.url
        assert "Pharmacist workbench" not in tab.content()
    finally:
        other.close()


def test_hostile_patient_name_is_shown_as_text(page: Any, live_server: Any) -> None:
    evil = "<img src=x onerror=alert(1)>"
    sign_in(page, live_server, "drgrey")
    page.goto(live_server.path("/prescriptions/new"))
    page.fill("#patient-first_name", evil)
    page.fill("#patient-last_name", "Tables")
    page.fill("#patient-date_of_birth", "1980-02-03")
    page.select_option("#dosage_form", "capsule")
    page.fill("#strength_mg", "4.5")
    page.fill("#quantity", "30")
    page.check("#opioid_attestation")
    page.click("#submit-rx")
    page.wait_for_selector("#patient-name")
    assert page.inner_text("#patient-name") == f"{evil} Tables"
    assert page.locator("img[src=x]").count() == 0
    page.goto(live_server.path("/prescriber"))
    assert evil in page.inner_text("table.list")
    assert page.locator("img[src=x]").count() == 0
