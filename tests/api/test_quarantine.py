"""After a recall's investigation, a quarantined batch found unaffected goes back to the
state it had (signed by a pharmacist, with the finding as the reason); recalled and
rejected batches never come back. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from tests.conftest import PASSWORD
from tests.stock_support import (
    capsule_stock,
    fill,
    make_batch,
    only_event,
    record_as_planned,
    released_batch,
    released_triturate,
    verified_rx,
)

FINDING = "Supplier confirmed the impurity is limited to drums shipped after our receipt."


def _clear(api: Any, batch_id: int, as_: str = "pharm", **body: Any) -> Any:
    payload = {"password": PASSWORD, "reason": FINDING, **body}
    return api.post(f"/api/v1/batches/{batch_id}/clear-quarantine", as_=as_, json=payload)


def _recall_lot(api: Any, lot_id: int) -> dict[str, Any]:
    response = api.post(f"/api/v1/ingredient-lots/{lot_id}/recall", as_="pharm",
                        json={"reason": "Supplier recall: impurity"})
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def _status(api: Any, batch_id: int) -> str:
    return str(api.get(f"/api/v1/batches/{batch_id}", as_="tech").get_json()["status"])


def test_a_cleared_batch_is_released_again_and_can_be_dispensed(api: Any) -> None:
    stock = capsule_stock(api)
    batch = released_batch(api)
    recall = _recall_lot(api, stock["api"]["id"])
    assert recall["quarantined_batch_ids"] == [batch["id"]]
    rx = verified_rx(api, first="Alan", last="Turing")
    assert fill(api, rx["id"], batch["id"], 30).status_code == 409

    assert _clear(api, batch["id"], as_="tech").status_code == 403
    assert _clear(api, batch["id"], as_="drA").status_code == 403
    wrong = _clear(api, batch["id"], password="not my password")
    assert wrong.status_code == 422
    assert "password" in wrong.get_json()["errors"]
    unacknowledged = _clear(api, batch["id"])
    assert unacknowledged.status_code == 409
    body = unacknowledged.get_json()
    assert "acknowledge_recalled_sources" in body["errors"]
    assert stock["api"]["manufacturer_lot"] in body["message"]
    assert _status(api, batch["id"]) == "quarantined"
    assert _clear(api, batch["id"], reason="ok").status_code == 422  # a finding, not a word

    cleared = _clear(api, batch["id"], acknowledge_recalled_sources=True)
    assert cleared.status_code == 200, cleared.get_json()
    assert cleared.get_json()["status"] == "released"
    assert fill(api, rx["id"], batch["id"], 30).status_code == 201
    assert _clear(api, batch["id"], acknowledge_recalled_sources=True).status_code == 409

    event = only_event("batch.quarantine_cleared")
    assert event.entity_id == str(batch["id"])
    assert event.reason == FINDING
    assert event.before["status"] == "quarantined"
    assert event.after["status"] == "released"
    assert event.after["signature_name"] == "Pat Pharmacist"
    assert event.after["acknowledged_recalled_sources"] == [
        f"ingredient lot {stock['api']['manufacturer_lot']} is recalled"
    ]


def test_a_batch_goes_back_to_the_step_it_was_at(api: Any) -> None:
    stock = capsule_stock(api)
    created = make_batch(api)
    assert created.status_code == 201, created.get_json()
    batch = created.get_json()
    assert record_as_planned(api, batch).status_code == 200
    _recall_lot(api, stock["filler"]["id"])
    assert _status(api, batch["id"]) == "quarantined"
    cleared = _clear(api, batch["id"], acknowledge_recalled_sources=True)
    assert cleared.status_code == 200, cleared.get_json()
    assert cleared.get_json()["status"] == "recorded"  # still awaits the final check


def test_components_are_cleared_first_and_recalled_batches_never(api: Any) -> None:
    stock = capsule_stock(api)
    triturate = released_triturate(api, stock)
    capsules = released_batch(api, strength=1.5, quantity=30,
                              source_batch_ids=[triturate["id"]])

    recall = _recall_lot(api, stock["api"]["id"])
    assert set(recall["quarantined_batch_ids"]) == {triturate["id"], capsules["id"]}
    first = _clear(api, capsules["id"], acknowledge_recalled_sources=True)
    assert first.status_code == 409
    assert triturate["lot_number"] in first.get_json()["message"]
    assert _clear(api, triturate["id"], acknowledge_recalled_sources=True).status_code == 200
    # The triturate was the capsules' only link to the recalled lot, and it is cleared.
    assert _clear(api, capsules["id"]).status_code == 200
    assert _status(api, capsules["id"]) == "released"

    recalled = api.post(f"/api/v1/batches/{capsules['id']}/recall", as_="pharm",
                        json={"reason": "capsule weights out of range"})
    assert recalled.status_code == 201
    refused = _clear(api, capsules["id"], acknowledge_recalled_sources=True)
    assert refused.status_code == 409
    assert _status(api, capsules["id"]) == "recalled"
