"""Re-weighing at the bench (issue 21): a mistyped weight corrected with a reason before
the final check; both values stay on the record, only the corrected one counts."""

from __future__ import annotations

from typing import Any

from tests.conftest import PASSWORD
from tests.stock_support import capsule_stock, make_batch


def recorded_with_a_slip(api: Any) -> dict[str, Any]:
    capsule_stock(api)
    batch = make_batch(api, strength=4.5, quantity=100).get_json()
    actuals = [
        {"ingredient_lot_id": c["ingredient_lot_id"], "actual_mg": c["theoretical_amount"]}
        for c in batch["components"]
        if c["ingredient_lot_id"] is not None
    ]
    check = batch["weight_check"]
    weights = [check["theoretical_mg"]] * check["sample"]
    weights[2] = str(float(check["theoretical_mg"]) * 10)  # a slip: one digit too many
    recorded = api.post(
        f"/api/v1/batches/{batch['id']}/record",
        as_="tech",
        json={"actuals": actuals, "capsule_weights_mg": weights},
    )
    assert recorded.status_code == 200, recorded.get_json()
    return recorded.get_json()


def test_a_corrected_capsule_weight_clears_its_deviation_and_keeps_both_values(
    api: Any,
) -> None:
    batch = recorded_with_a_slip(api)
    assert any("capsule 3" in d for d in batch["deviations"])
    slip = batch["capsule_weights_mg"][2]
    url = f"/api/v1/batches/{batch['id']}/weight-corrections"
    right = batch["weight_check"]["theoretical_mg"]
    missing_reason = api.post(url, as_="tech", json={"capsule": 3, "corrected_mg": right})
    assert missing_reason.status_code == 422 and "reason" in missing_reason.get_json()["errors"]
    fixed = api.post(
        url, as_="tech", json={"capsule": 3, "corrected_mg": right, "reason": "typed 10x"}
    )
    assert fixed.status_code == 200, fixed.get_json()
    body = fixed.get_json()
    assert body["deviations"] == []
    [entry] = body["weight_corrections"]
    assert float(entry["recorded"]) == float(slip) and float(entry["corrected"]) == float(right)
    assert entry["reason"] == "typed 10x" and entry["by"] == "tech"
    # Released without a deviation to acknowledge; afterwards nothing can be corrected.
    released = api.post(
        f"/api/v1/batches/{batch['id']}/release", as_="pharm", json={"password": PASSWORD}
    )
    assert released.status_code == 200, released.get_json()
    late = api.post(url, as_="tech", json={"capsule": 3, "corrected_mg": right, "reason": "x y z"})
    assert late.status_code == 409


def test_a_component_correction_moves_stock_and_counts_only_the_corrected_value(
    api: Any,
) -> None:
    batch = recorded_with_a_slip(api)
    api_component = next(c for c in batch["components"] if c["role"] != "capsule_shell")
    url = f"/api/v1/batches/{batch['id']}/weight-corrections"
    wrong = float(api_component["theoretical_amount"]) * 2
    off = api.post(
        url,
        as_="tech",
        json={
            "component": api_component["position"],
            "corrected_mg": wrong,
            "reason": "re-weighed",
        },
    )
    assert off.status_code == 200, off.get_json()
    assert any(api_component["description"] in d for d in off.get_json()["deviations"])
    back = api.post(
        url,
        as_="tech",
        json={
            "component": api_component["position"],
            "corrected_mg": api_component["theoretical_amount"],
            "reason": "the first re-weigh was misread",
        },
    )
    assert not any(api_component["description"] in d for d in back.get_json()["deviations"])
    assert len(back.get_json()["weight_corrections"]) == 2
    neither = api.post(url, as_="tech", json={"corrected_mg": 1, "reason": "abc"})
    assert neither.status_code == 422
    assert (
        api.post(
            url, as_="drA", json={"capsule": 1, "corrected_mg": 1, "reason": "abc"}
        ).status_code
        == 403
    )
