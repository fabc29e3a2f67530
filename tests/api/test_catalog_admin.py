"""An admin maintains the ingredient catalog; items are withdrawn, never deleted."""

from __future__ import annotations

from typing import Any

import pytest

from tests.stock_support import receive

ITEM = {"code": "mcc-ph101", "name": "Microcrystalline cellulose (Avicel PH-101)", "kind": "filler",
        "base_unit": "mg", "engine_code": "mcc"}


def test_admin_adds_an_item_and_lots_can_be_received_as_it(api: Any) -> None:
    created = api.post("/api/v1/items", as_="admin", json=ITEM)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["code"] == "mcc-ph101" and created.get_json()["active"] is True
    lot = receive(api, "mcc-ph101", quantity=500, unit="g")
    assert lot["status"] == "quarantine"
    assert api.post("/api/v1/items", as_="admin", json=ITEM).status_code == 422  # code taken


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"code": "Bad Code"}, "code"),
        ({"kind": "magic"}, "kind"),
        ({"engine_code": "sawdust"}, "engine_code"),
        ({"engine_code": "hypromellose"}, "engine_code"),
        ({"kind": "capsule_shell", "base_unit": "each", "engine_code": None}, "capsule_size"),
        ({"kind": "vehicle", "base_unit": "mg", "engine_code": None}, "base_unit"),
        ({"capsule_size": "3"}, "capsule_size"),
    ],
)
def test_bad_items_are_refused_naming_the_field(api: Any, change: dict[str, Any], field: str) -> None:
    body = {k: v for k, v in {**ITEM, **change}.items() if v is not None}
    response = api.post("/api/v1/items", as_="admin", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]


def test_a_withdrawn_item_receives_no_lots_until_brought_back(api: Any) -> None:
    withdrawn = api.post("/api/v1/items/lactose/active", as_="admin", json={"active": False, "reason": "supplier discontinued"})
    assert withdrawn.status_code == 200 and withdrawn.get_json()["active"] is False
    codes = {i["code"] for i in api.get("/api/v1/items", as_="tech").get_json()}
    assert "lactose" not in codes
    assert "lactose" in {i["code"] for i in api.get("/api/v1/items?include_withdrawn=true", as_="tech").get_json()}
    refused = api.post("/api/v1/ingredient-lots", as_="tech", json={
        "item_code": "lactose", "manufacturer": "Acme", "manufacturer_lot": "L1", "expiry": "2030-01",
        "quantity": 100, "unit": "g"})
    assert refused.status_code == 409
    again = api.post("/api/v1/items/lactose/active", as_="admin", json={"active": False, "reason": "twice"})
    assert again.status_code == 409
    back = api.post("/api/v1/items/lactose/active", as_="admin", json={"active": True, "reason": "new supplier"})
    assert back.status_code == 200


@pytest.mark.parametrize("role", ["pharm", "tech", "drA"])
def test_only_admins_change_the_catalog(api: Any, role: str) -> None:
    assert api.post("/api/v1/items", as_=role, json=ITEM).status_code == 403
