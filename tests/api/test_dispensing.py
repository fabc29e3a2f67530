"""Dispensing (issue 21): filled → labeled → product_verified → ready → dispensed, the
pharmacist's scan check, the hand-over queues and the return to stock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from tests.conftest import PASSWORD
from tests.stock_support import capsule_stock, fill, released_batch, verified_rx


@pytest.fixture
def filled(api: Any) -> dict[str, Any]:
    capsule_stock(api)
    batch = released_batch(api, strength=4.5, quantity=100)
    rx = verified_rx(api, quantity=30, refills=1)
    made = fill(api, rx["id"], batch["id"], 30)
    assert made.status_code == 201, made.get_json()
    return {"batch": batch, "rx": rx, "fill": made.get_json()}


def label(api: Any, fill_id: int) -> None:
    assert api.get(f"/api/v1/fills/{fill_id}/label.pdf", as_="tech").status_code == 200


def scan(api: Any, f: dict[str, Any], **change: Any) -> Any:
    body = {
        "scanned_label": f["label_barcode"],
        "scanned_lot": f["lot_number"],
        "quantity": 30,
        "password": PASSWORD,
        **change,
    }
    return api.post(f"/api/v1/fills/{f['id']}/product-verification", as_="pharm", json=body)


def checks(fill_id: int) -> list[Any]:
    from pharmacy.models import ProductCheck
    from pharmacy.services.uow import current_db

    session = current_db().session_factory()
    try:
        rows = session.execute(select(ProductCheck).where(ProductCheck.fill_id == fill_id))
        return [(c.outcome, c.reasons) for c in rows.scalars()]
    finally:
        session.close()


def test_the_fill_goes_from_filled_to_dispensed_with_who_and_when(
    api: Any, filled: dict[str, Any]
) -> None:
    f = filled["fill"]
    assert f["status"] == "filled"
    assert f["label_barcode"] == f"{filled['rx']['rx_number']}-1"
    # Nothing can be verified before the label is printed.
    early = scan(api, f)
    assert early.status_code == 409 and "status" in early.get_json()["errors"]
    label(api, f["id"])
    label_again = api.get(f"/api/v1/fills/{f['id']}/label.pdf?reason=smudged", as_="tech")
    assert label_again.status_code == 200
    # Ready is refused until the product is verified.
    refused = api.post(f"/api/v1/fills/{f['id']}/ready", as_="tech", json={"handover": "pickup"})
    assert refused.status_code == 409
    verified = scan(api, f)
    assert verified.status_code == 200, verified.get_json()
    assert verified.get_json()["status"] == "product_verified"
    assert scan(api, f).status_code == 409  # not twice
    ready = api.post(f"/api/v1/fills/{f['id']}/ready", as_="tech", json={"handover": "pickup"})
    assert ready.get_json()["status"] == "ready"
    shipped = api.post(
        f"/api/v1/fills/{f['id']}/shipment",
        as_="tech",
        json={"carrier": "UPS", "tracking_number": "1Z999"},
    )
    assert shipped.status_code == 409  # ready for pick-up, not shipping
    queue = api.get("/api/v1/will-call?name=love&date_of_birth=1970-05-01", as_="tech").get_json()
    assert [row["fill_id"] for row in queue] == [f["id"]]
    assert (
        api.get("/api/v1/will-call?name=love&date_of_birth=1970-05-02", as_="tech").get_json() == []
    )
    # The same search with the name and date of birth in the body, out of the URL.
    posted = api.post(
        "/api/v1/will-call/search",
        as_="tech",
        json={"name": "love", "date_of_birth": "1970-05-01"},
    )
    assert posted.status_code == 200 and posted.get_json() == queue
    refused = api.post("/api/v1/will-call/search", as_="tech", json={"date_of_birth": "soon"})
    assert refused.status_code == 422 and "date_of_birth" in refused.get_json()["errors"]
    assert api.post("/api/v1/will-call/search", as_="drA", json={}).status_code == 403
    agent = api.post(
        f"/api/v1/fills/{f['id']}/pickup",
        as_="tech",
        json={"collected_by": "agent", "counselling_offered": True},
    )
    assert agent.status_code == 422 and "agent_name" in agent.get_json()["errors"]
    done = api.post(
        f"/api/v1/fills/{f['id']}/pickup",
        as_="tech",
        json={"collected_by": "agent", "agent_name": "Ann Agent", "counselling_offered": True},
    )
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert body["status"] == "dispensed" and body["counselling_offered"] is True
    history = api.get(f"/api/v1/prescriptions/{filled['rx']['id']}/dispensing", as_="drA")
    assert history.status_code == 200
    entry = history.get_json()[0]
    assert [s["step"] for s in entry["steps"]] == [
        "filled",
        "labeled",
        "product_verified",
        "ready",
        "dispensed",
    ]
    assert entry["steps"][2]["by"] == "pharm" and entry["collected_by_name"] == "Ann Agent"
    # Another prescriber does not see it.
    other = api.get(f"/api/v1/prescriptions/{filled['rx']['id']}/dispensing", as_="drB")
    assert other.status_code == 404
    # The refill still works as before.
    again = fill(api, filled["rx"]["id"], filled["batch"]["id"], 30)
    assert again.status_code == 201 and again.get_json()["label_barcode"].endswith("-2")


def test_every_mismatch_is_refused_naming_its_field_and_recorded(
    api: Any, filled: dict[str, Any]
) -> None:
    f = filled["fill"]
    label(api, f["id"])
    other_batch = released_batch(api, strength=4.5, quantity=50)
    wrong = scan(
        api,
        f,
        scanned_label=f"{filled['rx']['rx_number']}-2",
        scanned_lot=other_batch["lot_number"],
        quantity=29,
    )
    assert wrong.status_code == 409
    errors = wrong.get_json()["errors"]
    assert "another fill" in errors["scanned_label"][0]
    assert "not the one dispensed" in errors["scanned_lot"][0]
    assert "counted 29 capsules" in errors["quantity"][0]
    bad_password = scan(api, f, password="not-it")
    assert bad_password.status_code == 422 and "password" in bad_password.get_json()["errors"]
    missing = api.post(
        f"/api/v1/fills/{f['id']}/product-verification", as_="pharm", json={"quantity": 30}
    )
    assert missing.status_code == 422
    assert {"scanned_label", "scanned_lot", "password"} <= set(missing.get_json()["errors"])
    assert scan(api, f).status_code == 200
    recorded = checks(f["id"])
    assert [outcome for outcome, _ in recorded] == ["refused", "verified"]
    assert set(recorded[0][1]) == {"scanned_label", "scanned_lot", "quantity"}


def test_a_quarantined_batch_is_refused_at_the_scan(api: Any, filled: dict[str, Any]) -> None:
    f = filled["fill"]
    label(api, f["id"])
    from pharmacy.models import Batch
    from pharmacy.services.uow import current_db

    with current_db().transaction() as session:
        session.execute(
            update(Batch).where(Batch.id == filled["batch"]["id"]).values(status="quarantined")
        )
    refused = scan(api, f)
    assert refused.status_code == 409
    assert "quarantined" in refused.get_json()["errors"]["scanned_lot"][0]


def test_only_a_pharmacist_verifies_the_product(api: Any, filled: dict[str, Any]) -> None:
    f = filled["fill"]
    label(api, f["id"])
    body = {
        "scanned_label": f["label_barcode"],
        "scanned_lot": f["lot_number"],
        "quantity": 30,
        "password": PASSWORD,
    }
    for who in ("tech", "drA", "admin"):
        response = api.post(f"/api/v1/fills/{f['id']}/product-verification", as_=who, json=body)
        assert response.status_code == 403, who
    for who in ("drA",):
        assert (
            api.post(
                f"/api/v1/fills/{f['id']}/ready", as_=who, json={"handover": "pickup"}
            ).status_code
            == 403
        )


def test_an_uncollected_fill_returns_to_stock_after_the_limit(
    api: Any, filled: dict[str, Any]
) -> None:
    from pharmacy.models import Fill
    from pharmacy.services.uow import current_db

    f = filled["fill"]
    label(api, f["id"])
    assert scan(api, f).status_code == 200
    api.post(f"/api/v1/fills/{f['id']}/ready", as_="tech", json={"handover": "shipping"})
    assert [r["fill_id"] for r in api.get("/api/v1/shipping-queue", as_="tech").get_json()] == [
        f["id"]
    ]
    early = api.post(
        f"/api/v1/fills/{f['id']}/return-to-stock", as_="tech", json={"reason": "not collected"}
    )
    assert early.status_code == 409 and "14 days" in early.get_json()["message"]
    before = api.get(f"/api/v1/batches/{filled['batch']['id']}", as_="tech").get_json()
    with current_db().transaction() as session:
        session.execute(
            update(Fill)
            .where(Fill.id == f["id"])
            .values(ready_at=datetime.now(UTC) - timedelta(days=15))
        )
    back = api.post(
        f"/api/v1/fills/{f['id']}/return-to-stock", as_="tech", json={"reason": "not collected"}
    )
    assert back.status_code == 200, back.get_json()
    assert back.get_json()["status"] == "returned" and back.get_json()["returned_to_batch"]
    after = api.get(f"/api/v1/batches/{filled['batch']['id']}", as_="tech").get_json()
    assert float(after["quantity_on_hand"]) == float(before["quantity_on_hand"]) + 30
    assert (
        api.post(
            f"/api/v1/fills/{f['id']}/shipment",
            as_="tech",
            json={"carrier": "UPS", "tracking_number": "1Z999"},
        ).status_code
        == 409
    )


def test_shipping_records_carrier_and_tracking(api: Any, filled: dict[str, Any]) -> None:
    f = filled["fill"]
    label(api, f["id"])
    assert scan(api, f).status_code == 200
    api.post(f"/api/v1/fills/{f['id']}/ready", as_="pharm", json={"handover": "shipping"})
    shipped = api.post(
        f"/api/v1/fills/{f['id']}/shipment",
        as_="tech",
        json={"carrier": "UPS", "tracking_number": "1Z999AA10123456784"},
    )
    assert shipped.status_code == 200
    assert shipped.get_json()["tracking_number"] == "1Z999AA10123456784"
    history = api.get(f"/api/v1/prescriptions/{filled['rx']['id']}/dispensing", as_="pharm")
    assert history.get_json()[0]["carrier"] == "UPS"
