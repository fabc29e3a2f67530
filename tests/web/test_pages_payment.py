"""The will-call desk takes the payment with the pick-up (issue 24): the method chosen and
the amount when it is not the price; none chosen records none."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.api.test_money_known_answers import capsule_lots
from tests.api.test_payments import ready_fill


def test_the_desk_records_the_payment_with_the_pickup(api: Any, browser_for: Any) -> None:
    capsule_lots(api)
    part, none = ready_fill(api, first="Ada"), ready_fill(api, first="Grace")
    tech = browser_for("tech")
    desk = tech.text(tech.get("/dispensing"))
    assert "payment not taken here" in desk and "paid by card" in desk
    picked = tech.post(
        f"/fills/{part['id']}/pickup",
        {"collected_by": "patient", "payment_method": "cash", "payment_amount": "20.00"},
    )
    assert picked.status_code == 302
    refused = tech.post(
        f"/fills/{none['id']}/pickup", {"collected_by": "patient", "payment_amount": "5.00"}
    )
    assert refused.status_code == 302  # back to the desk with the reason; nothing recorded
    rows = api.get(f"/api/v1/prescriptions/{none['prescription_id']}/fills", as_="pharm")
    assert rows.get_json()[0]["status"] == "ready"
    assert tech.post(f"/fills/{none['id']}/pickup", {"collected_by": "patient"}).status_code == 302
    paid = api.get(f"/api/v1/prescriptions/{part['prescription_id']}/fills", as_="pharm")
    payment = paid.get_json()[0]["payment"]
    assert (Decimal(payment["amount"]), payment["method"]) == (Decimal("20.00"), "cash")
    assert Decimal(payment["balance"]) == Decimal("17.00")
    unpaid = api.get(f"/api/v1/prescriptions/{none['prescription_id']}/fills", as_="pharm")
    assert unpaid.get_json()[0]["status"] == "dispensed"
    assert unpaid.get_json()[0]["payment"] is None
