"""Money on the pages (issue 24): the receive form takes the purchase cost, the preview and
the verification page show the estimate, the monthly report is for the pharmacist and the
admin only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from tests.stock_support import fill, released_batch, stocked, verified_rx
from tests.web.test_pages_bench import LOTS


def test_receive_form_takes_the_purchase_cost(browser_for: Any, api: Any) -> None:
    tech = browser_for("tech")
    sent = tech.post("/lots", {**LOTS[1], "purchase_cost": "40.00", "invoice_reference": "INV-77"})
    assert sent.status_code == 302, tech.text(sent)
    lot_id = int(sent.headers["Location"].rsplit("/", 1)[1])
    lot = api.get(f"/api/v1/ingredient-lots/{lot_id}", as_="pharm").get_json()
    assert (lot["purchase_cost"], lot["invoice_reference"]) == ("40.00", "INV-77")
    bad = tech.post("/lots", {**LOTS[2], "purchase_cost": "12.345"})
    assert bad.status_code == 422 and 'id="purchase_cost-error"' in tech.text(bad)


def _costed_batch(api: Any) -> dict[str, Any]:
    stocked(api, "naltrexone-hcl", quantity=10, unit="g", purchase_cost="50.00")
    stocked(api, "mcc", quantity=1000, unit="g", pack_stats_mg={"3": 95}, purchase_cost="40.00")
    stocked(api, "capsule-3", quantity=5000, unit="each", purchase_cost="75.00")
    return released_batch(api, strength=4.5, quantity=100)


def test_preview_and_verification_page_show_the_estimate(browser_for: Any, api: Any) -> None:
    query = {"dosage_form": "capsule", "strength_mg": "4.5", "dose_mg": "4.5",
             "days_supply": "30", "refills": "2"}
    before = browser_for("drA").get("/preview/directions", query_string=query).get_json()
    assert before["ok"] and before["estimate"]["available"] is False  # nothing costed yet
    _costed_batch(api)
    data = browser_for("drA").get("/preview/directions", query_string=query).get_json()
    estimate = data["estimate"]
    assert data["ok"] and data["directions"] and estimate["estimate"] is True
    assert estimate["courses"] == 3
    assert Decimal(estimate["estimate_total"]) == 3 * Decimal(estimate["per_course"])
    assert estimate["per_month_text"].startswith("$")

    rx = api.post("/api/v1/prescriptions", as_="drA", json={
        "patient": {"first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1970-05-01",
                    "phone": "(217) 555-0101", "address": "1 Elm St"},
        "dosage_form": "capsule", "strength_mg": 4.5, "dose_mg": 4.5, "quantity": 30,
        "days_supply": 30, "refills": 2, "opioid_attestation": True}).get_json()
    page = browser_for("pharm").text(browser_for("pharm").get(f"/prescriptions/{rx['id']}"))
    assert 'id="price-estimate"' in page and estimate["per_month_text"] in page


def test_monthly_report_page(browser_for: Any, api: Any) -> None:
    batch = _costed_batch(api)
    rx = verified_rx(api, strength=4.5, quantity=30, days=30)
    made = fill(api, rx["id"], batch["id"], 30, as_="pharm").get_json()
    month = date.today().strftime("%Y-%m")
    pharm = browser_for("pharm")
    html = pharm.text(pharm.get("/reports/monthly", query_string={"month": month}))
    assert "ldn-capsule-mcc" in html and f"${Decimal(made['price']):.2f}" in html
    assert browser_for("tech").get("/reports/monthly").status_code == 403
    assert browser_for("admin").get("/reports/monthly").status_code == 200
    bad = pharm.get("/reports/monthly", query_string={"month": "2026-13"})
    assert bad.status_code == 422
    # The fill page shows the price fixed at fill time, and the receipt at hand-over.
    tech = browser_for("tech")
    page = tech.text(tech.get(f"/fills/{made['id']}"))
    assert f"${Decimal(made['price']):.2f}" in page and 'id="fill-receipt"' in page
    receipt = tech.get(f"/fills/{made['id']}/receipt.pdf")
    assert receipt.status_code == 200 and receipt.data.startswith(b"%PDF")
