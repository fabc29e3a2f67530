"""The admin's catalog page adds items and withdraws them with a reason."""

from __future__ import annotations

from typing import Any


def test_admin_adds_and_withdraws_an_item(browser_for: Any) -> None:
    admin = browser_for("admin")
    page = admin.text(admin.get("/admin/catalog"))
    assert 'id="add-item"' in page
    bad = admin.post("/admin/catalog", {"code": "Bad Code", "name": "x", "kind": "filler", "base_unit": "mg"})
    assert bad.status_code == 422
    assert 'value="Bad Code"' in admin.text(bad)  # what was typed stays
    added = admin.post("/admin/catalog", {"code": "rice-flour", "name": "Rice flour", "kind": "excipient", "base_unit": "mg"})
    assert added.status_code == 302, admin.text(added)
    assert "rice-flour" in admin.text(admin.get("/admin/catalog"))
    withdrawn = admin.post("/admin/catalog/rice-flour/active", {"active": "false", "reason": "not stocked"})
    assert withdrawn.status_code == 302
    assert "Bring back" in admin.text(admin.get("/admin/catalog"))


def test_a_pharmacist_sees_the_catalog_but_cannot_change_it(browser_for: Any) -> None:
    pharm = browser_for("pharm")
    page = pharm.text(pharm.get("/admin/catalog"))
    assert "Ingredient catalog" in page and 'id="add-item"' not in page
    assert pharm.post("/admin/catalog", {"code": "x-y", "name": "X", "kind": "excipient", "base_unit": "mg"}).status_code == 403
