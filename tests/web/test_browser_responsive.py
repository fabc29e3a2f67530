"""Every list page at a tablet's and a phone's size: the page never scrolls sideways
(issue 22). A wide table may scroll inside its own box."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.browser import sign_in

SIZES = ({"width": 768, "height": 1024}, {"width": 390, "height": 844})
LIST_PAGES = {
    "pharm": ["/pharmacist", "/bench", "/lots", "/recall", "/refills", "/search",
              "/admin/catalog", "/pharmacist/orders/new", "/work/to_verify",
              "/work/awaiting_product_check", "/work/lots_expiring", "/work/open_recalls"],
    "tech": ["/bench", "/lots", "/print-queue", "/refills", "/work/to_compound",
             "/work/labels_to_print"],
    "drgrey": ["/prescriber", "/prescriptions/new", "/search"],
    "admin": ["/admin/users", "/admin/rules", "/admin/pharmacy", "/admin/catalog"],
}
WIDER_THAN_THE_WINDOW = "document.documentElement.scrollWidth - window.innerWidth"


@pytest.mark.browser
def test_no_list_page_scrolls_sideways_on_a_tablet_or_a_phone(
    chromium: Any, live_server: Any
) -> None:
    overflowing = []
    for username, paths in LIST_PAGES.items():
        for size in SIZES:
            context = chromium.new_context(viewport=size)
            page = context.new_page()
            sign_in(page, live_server, username)
            for path in paths:
                response = page.goto(live_server.path(path))
                assert response is not None and response.status < 400, (path, response)
                extra = page.evaluate(WIDER_THAN_THE_WINDOW)
                if extra > 0:
                    overflowing.append((username, path, size["width"], extra))
            context.close()
    assert overflowing == []
