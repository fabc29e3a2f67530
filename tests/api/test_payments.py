"""The payment at hand-over (issue 24, DOMAIN.md §12): amount, method, who took it and when,
written with the pick-up in one transaction and its audit event; the receipt shows the
price, what was paid and any balance."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from pypdf import PdfReader
from sqlalchemy import select, text

from tests.api.test_money_known_answers import capsule_lots
from tests.conftest import PASSWORD
from tests.stock_support import fill, released_batch, verified_rx

D = Decimal


def ready_fill(api: Any, *, first: str = "Ada") -> dict[str, Any]:
    """A 1 mg × 30 fill priced 37.00 (tests/api/test_money_known_answers.py), ready for
    pick-up."""
    batch = released_batch(api, strength=1, quantity=100)
    rx = verified_rx(api, strength=1, quantity=30, days=30, first=first)
    made = fill(api, rx["id"], batch["id"], 30, as_="pharm").get_json()
    assert D(made["price"]) == D("37.00") and made["payment"] is None
    assert api.get(f"/api/v1/fills/{made['id']}/label.pdf", as_="tech").status_code == 200
    verified = api.post(
        f"/api/v1/fills/{made['id']}/product-verification",
        as_="pharm",
        json={
            "scanned_label": made["label_barcode"],
            "scanned_lot": made["lot_number"],
            "quantity": 30,
            "password": PASSWORD,
        },
    )
    assert verified.status_code == 200, verified.get_json()
    ready = api.post(f"/api/v1/fills/{made['id']}/ready", as_="tech", json={"handover": "pickup"})
    assert ready.status_code == 200, ready.get_json()
    # A technician's answer has the price, never the cost or its breakdown (margins).
    assert "cost" not in ready.get_json() and "price_breakdown" not in ready.get_json()
    return made


def pickup(api: Any, fill_id: int, **payment: Any) -> Any:
    body: dict[str, Any] = {"collected_by": "patient", "counselling_offered": True}
    if payment:
        body["payment"] = payment
    return api.post(f"/api/v1/fills/{fill_id}/pickup", as_="tech", json=body)


def receipt_text(api: Any, fill_id: int) -> str:
    pdf = api.get(f"/api/v1/fills/{fill_id}/receipt.pdf", as_="tech")
    assert pdf.status_code == 200
    return " ".join(PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().split())


def audit_after(action: str, fill_id: int) -> dict[str, Any]:
    from pharmacy.models import AuditEvent
    from pharmacy.services.uow import current_db

    session = current_db().session_factory()
    try:
        after: dict[str, Any] = session.execute(
            select(AuditEvent.after).where(
                AuditEvent.action == action, AuditEvent.entity_id == str(fill_id)
            )
        ).scalar_one()
        return after
    finally:
        session.close()


def test_paid_in_full_by_default_with_the_method_said(api: Any) -> None:
    capsule_lots(api)
    made = ready_fill(api)
    picked = pickup(api, made["id"], method="card")
    assert picked.status_code == 200, picked.get_json()
    assert D(picked.get_json()["price"]) == D("37.00")
    assert "cost" not in picked.get_json() and "price_breakdown" not in picked.get_json()
    payment = picked.get_json()["payment"]
    assert (D(payment["amount"]), payment["method"], D(payment["balance"])) == (
        D("37.00"),
        "card",
        D("0.00"),
    )
    assert payment["taken_by"] == "tech" and payment["taken_at"] and payment["currency"] == "USD"
    after = audit_after("fill.dispensed", made["id"])
    assert after["payment"] == {"amount": "37.00", "method": "card", "currency": "USD"}
    text_ = receipt_text(api, made["id"])
    assert "Price $37.00" in text_ and "Paid $37.00 (card)" in text_
    assert "Balance" not in text_
    # Recorded once, never edited: the database refuses UPDATE and DELETE.
    from pharmacy.services.uow import current_db

    session = current_db().session_factory()
    try:
        for sql in ("UPDATE fill_payments SET amount = 1", "DELETE FROM fill_payments"):
            try:
                session.execute(text(sql))
                raise AssertionError(f"{sql} was allowed")
            except AssertionError:
                raise
            except Exception as refused:  # noqa: BLE001 - the database's own error
                # The trigger's words; on PostgreSQL the app's role has no UPDATE or
                # DELETE on an append-only table to begin with (pharmacy db grant).
                assert "append-only" in str(refused) or "permission denied" in str(refused)
                session.rollback()
    finally:
        session.close()


def test_part_payment_leaves_a_balance_on_the_receipt(api: Any) -> None:
    capsule_lots(api)
    made = ready_fill(api)
    picked = pickup(api, made["id"], method="cash", amount="20.00")
    assert picked.status_code == 200, picked.get_json()
    assert D(picked.get_json()["payment"]["balance"]) == D("17.00")
    text_ = receipt_text(api, made["id"])
    assert "Paid $20.00 (cash)" in text_ and "Balance due $17.00" in text_
    listed = api.get(f"/api/v1/prescriptions/{made['prescription_id']}/fills", as_="pharm")
    assert D(listed.get_json()[0]["payment"]["amount"]) == D("20.00")


def test_a_payment_is_checked_and_nothing_is_kept_when_refused(api: Any) -> None:
    capsule_lots(api)
    made = ready_fill(api)
    for bad, field in (
        ({"amount": "37.50", "method": "cash"}, "payment.amount"),  # more than the price
        ({"amount": "-1", "method": "cash"}, "payment.amount"),
        ({"amount": "10.005", "method": "cash"}, "payment.amount"),
        ({"amount": "10"}, "payment.method"),  # the method is always said
        ({"method": "bitcoin"}, "payment.method"),
    ):
        refused = pickup(api, made["id"], **bad)
        assert refused.status_code == 422, (bad, refused.get_json())
        assert field in refused.get_json()["errors"], refused.get_json()
    # Still ready: the refused pick-up changed nothing, and recorded no payment.
    again = api.get(f"/api/v1/prescriptions/{made['prescription_id']}/fills", as_="pharm")
    assert again.get_json()[0]["status"] == "ready" and again.get_json()[0]["payment"] is None


def test_a_pickup_without_payment_says_so_on_the_receipt(api: Any) -> None:
    capsule_lots(api)
    made = ready_fill(api)
    picked = pickup(api, made["id"])
    assert picked.status_code == 200 and picked.get_json()["payment"] is None
    assert audit_after("fill.dispensed", made["id"])["payment"] == "not recorded at hand-over"
    text_ = receipt_text(api, made["id"])
    assert "Price $37.00" in text_ and "Paid not recorded at hand-over" in text_
