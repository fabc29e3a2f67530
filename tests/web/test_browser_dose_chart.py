"""In a real browser: the prescription form's live preview shows the dose chart (issue 19),
the server's SVG as an image the page's CSP allows, drawn (not a broken image)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.browser import SCREENSHOTS, sign_in, sign_out

pytestmark = pytest.mark.browser


def test_the_preview_shows_the_dose_chart(page: Any, live_server: Any) -> None:
    sign_in(page, live_server, "drgrey")
    page.click("text=New prescription")
    page.select_option("#dosage_form", "capsule")
    page.fill("#strength_mg", "1.5")
    page.select_option("#plan", "template:standard-1.5")
    page.fill("#start_on", "2026-12-01")
    page.wait_for_selector("#preview-chart figure img")
    img = page.locator("#preview-chart figure img")
    assert img.get_attribute("alt") == "Your dose over time (mg per day)"
    assert img.get_attribute("src").startswith("data:image/svg+xml")
    # Decoded and drawn: a broken or CSP-blocked image has no natural size.
    assert page.evaluate(
        "() => { const i = document.querySelector('#preview-chart figure img');"
        " return i.complete && i.naturalWidth > 0; }"
    )
    assert page.is_visible("#preview-chart")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".rx-preview").screenshot(path=str(SCREENSHOTS / "preview-dose-chart.png"))
    # A plan the engine refuses hides the chart with the rest of the preview.
    page.fill("#strength_mg", "2")
    page.wait_for_selector("#preview-chart", state="hidden")
    sign_out(page)
