"""The pharmacist's product verification with a handheld scanner, in a real browser
(issue 21): each scan is typed and ends with Enter, focus moves to the next field, the
last Enter submits, and the result shows large and coloured."""

from __future__ import annotations

from typing import Any

from tests.conftest import PASSWORD, Api
from tests.stock_support import capsule_stock, fill, released_batch, verified_rx
from tests.web.browser import screenshot, sign_in


def labelled_fill(app: Any) -> dict[str, Any]:
    """A filled, labelled fill made through the API of the live server's app."""
    api = Api(app)
    with app.app_context():
        for name, role in (("pharm", "pharmacist"), ("tech", "technician"), ("drA", "prescriber")):
            api.accounts[name] = api.add_user(f"{name}-scan", role)
        capsule_stock(api)
        batch = released_batch(api, strength=4.5, quantity=60)
        rx = verified_rx(api, quantity=30, first="Scan", last="Tester")
        made = fill(api, rx["id"], batch["id"], 30).get_json()
        assert api.get(f"/api/v1/fills/{made['id']}/label.pdf", as_="tech").status_code == 200
    return made


def test_the_scanner_flow_refuses_a_wrong_count_then_verifies(page: Any, live_server: Any) -> None:
    made = labelled_fill(live_server.app)
    sign_in(page, live_server, "pharm-scan")
    page.goto(live_server.path(f"/fills/{made['id']}/verify-product"))
    label = page.locator("#scanned_label")
    assert label.evaluate("el => el === document.activeElement")

    def scan_all(count: str) -> None:
        page.keyboard.type(made["label_barcode"])
        page.keyboard.press("Enter")
        assert page.locator("#scanned_lot").evaluate("el => el === document.activeElement")
        page.keyboard.type(made["lot_number"])
        page.keyboard.press("Enter")
        assert page.locator("#quantity").evaluate("el => el === document.activeElement")
        page.keyboard.type(count)
        page.keyboard.press("Enter")
        assert page.locator("#password").evaluate("el => el === document.activeElement")
        page.keyboard.type(PASSWORD)
        with page.expect_navigation():
            page.keyboard.press("Enter")

    scan_all("29")
    result = page.locator("#verify-result")
    assert "Refused" in result.inner_text() and "counted 29" in result.inner_text()
    assert "refused" in (result.get_attribute("class") or "")
    assert label.evaluate("el => el === document.activeElement")  # ready for the re-scan
    scan_all("30")
    result = page.locator("#verify-result")
    assert "Verified" in result.inner_text() and "ok" in (result.get_attribute("class") or "")
    assert page.locator("#fill-status").inner_text() == "product verified"
    screenshot(page, "product-verification")
