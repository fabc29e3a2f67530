"""Screenshots of the admin, recall and bench pages (desktop and a bench tablet), and the
keyboard path through sign-in."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.web.browser import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_sign_in_with_the_keyboard_only(page: Any, live_server: Any) -> None:
    page.goto(live_server.path("/login"))
    assert page.evaluate("document.activeElement.id") == "username"
    page.keyboard.type("tech")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/bench")


def test_admin_pages(page: Any, live_server: Any) -> None:
    sign_in(page, live_server, "admin")
    assert page.url.endswith("/admin/users")
    screenshot(page, "12-admin-users")
    page.goto(live_server.path("/admin/rules"))
    assert page.locator("#rule-capsule_overage_percent").count() == 1
    screenshot(page, "13-admin-rules")
    page.goto(live_server.path("/admin/pharmacy"))
    assert page.input_value("#name")
    screenshot(page, "14-admin-pharmacy")
    page.goto(live_server.path("/admin/catalog"))
    assert "naltrexone-hcl" in page.inner_text("table.list")


def test_recall_page_and_tablet_bench(page: Any, live_server: Any) -> None:
    sign_in(page, live_server, "pharm")
    page.goto(live_server.path("/recall"))
    screenshot(page, "15-recall")
    page.set_viewport_size({"width": 820, "height": 1180})
    page.goto(live_server.path("/bench"))
    screenshot(page, "16-bench-tablet")
    page.goto(live_server.path("/pharmacist/orders/new"))
    screenshot(page, "17-phone-order-tablet")
    # On a tablet the preview sits right under the dose plan, not beside the form.
    plan_box = page.locator("#plan").bounding_box()
    preview_box = page.locator(".rx-preview").bounding_box()
    supply_box = page.locator("#quantity").bounding_box()
    assert plan_box["y"] < preview_box["y"] < supply_box["y"]
    # Nothing typed yet: the preview explains instead of showing errors.
    assert page.is_visible("#preview-empty")
    assert not page.is_visible("#preview-errors")
    page.set_viewport_size({"width": 1280, "height": 900})
    preview_box = page.locator(".rx-preview").bounding_box()
    plan_box = page.locator("#plan").bounding_box()
    assert preview_box["x"] > plan_box["x"] + plan_box["width"]


def test_a_pharmacist_approves_a_formula_version(page: Any, live_server: Any) -> None:
    sign_in(page, live_server, "pharm")
    page.goto(live_server.path("/admin/catalog"))
    page.click("a[href='/formulas/ldn-liquid-1mg-preserved']")
    page.wait_for_url("**/formulas/ldn-liquid-1mg-preserved")
    version = int(page.inner_text("#formula-versions tbody tr:first-child td:first-child"))
    screenshot(page, "20-formula")
    checks = page.input_value("#quality_checks")
    page.fill("#quality_checks", checks + "\npH of the finished liquid 4.0 to 5.0")
    page.fill("#reason", "pH check added after the stability review")
    page.fill("#formula-password", PASSWORD)
    page.click("#approve-version")
    page.wait_for_load_state()
    assert f"version {version + 1} approved" in page.inner_text(".flash")
    assert "pH of the finished liquid 4.0 to 5.0" in page.inner_text("main")
    assert page.locator("#formula-versions tbody tr").count() == version + 1
    screenshot(page, "21-formula-approved")
