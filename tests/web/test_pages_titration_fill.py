"""The fill form offers a titration one strength at a time (steps ticked per batch)."""

from __future__ import annotations

from typing import Any

from tests.api.test_printing import titration_rx
from tests.stock_support import capsule_stock, released_batch


def test_fill_a_step_from_a_batch_of_its_strength(api: Any, browser_for: Any) -> None:
    capsule_stock(api)
    three = released_batch(api, strength=3, quantity=50)
    rx = titration_rx(api)
    tech = browser_for("tech")
    page = tech.text(tech.get(f"/prescriptions/{rx['id']}"))
    assert 'id="fill-steps"' in page and "Step 2: 3 mg for 14 days" in page
    assert three["lot_number"] in page  # a 3 mg batch is offered for the 3 mg step
    wrong = tech.post(f"/prescriptions/{rx['id']}/fill", {"batch_id": str(three["id"]), "quantity": "14", "steps": ["0"]})
    assert wrong.status_code == 422
    assert 'value="0" checked' in tech.text(wrong)  # what was ticked stays ticked
    filled = tech.post(f"/prescriptions/{rx['id']}/fill", {"batch_id": str(three["id"]), "quantity": "14", "steps": ["1"]})
    assert filled.status_code == 302, tech.text(filled)
    fill_page = tech.text(tech.get(filled.headers["Location"]))
    assert "Naltrexone HCl 3 mg capsule" in fill_page
