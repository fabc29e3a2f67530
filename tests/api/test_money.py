"""What the patient pays (issue 24): lots with their purchase cost, a batch's cost from the
actual amounts, the fill's price fixed at fill time, the estimate, the receipt, the monthly
report, and who may see what."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pypdf import PdfReader

from pharmacy.audit import Actor
from pharmacy.compounding.pricing import fill_cost, quote_price
from pharmacy.compounding.rules import DEFAULT_RULES
from pharmacy.services import rules as rule_service
from tests.stock_support import fill, only_event, released_batch, stocked, verified_rx

D = Decimal
ADMIN = Actor(user_id=None, username="admin", role="admin", full_name="Admin")


def cents(x: Decimal) -> Decimal:
    return x.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def costed_stock(api: Any) -> dict[str, dict[str, Any]]:
    return {
        "api": stocked(api, "naltrexone-hcl", quantity=10, unit="g", purchase_cost="50.00",
                       invoice_reference="INV-1001", supplier="Medisca"),
        "filler": stocked(api, "mcc", quantity=1000, unit="g", pack_stats_mg={"3": 95},
                          purchase_cost="40.00", invoice_reference="INV-1002"),
        "shell": stocked(api, "capsule-3", quantity=5000, unit="each", purchase_cost="75.00",
                         invoice_reference="INV-1003"),
    }


def expected_batch_cost(batch: dict[str, Any], stock: dict[str, dict[str, Any]]) -> Decimal:
    """By hand: each component's amount × its lot's cost per base unit, to the cent; the
    batch's container and label 0.60; 60 min at 30.00; 10 % overhead."""
    per_unit = {
        stock["api"]["id"]: D("50.00") / D(10000),
        stock["filler"]["id"]: D("40.00") / D(1000000),
        stock["shell"]["id"]: D("75.00") / D(5000),
    }
    lines = [cents(D(str(c["theoretical_amount"])) * per_unit[c["ingredient_lot_id"]])
             for c in batch["components"]]
    direct = sum(lines, D(0)) + D("0.60") + D("30.00")
    return direct + cents(direct * D("0.10"))


def test_lot_cost_batch_cost_fill_price_and_roles(api: Any) -> None:
    stock = costed_stock(api)
    as_tech = api.get(f"/api/v1/ingredient-lots/{stock['api']['id']}", as_="tech").get_json()
    assert "purchase_cost" not in as_tech and "unit_cost" not in as_tech
    lot = api.get(f"/api/v1/ingredient-lots/{stock['api']['id']}", as_="pharm").get_json()
    assert (lot["purchase_cost"], lot["invoice_reference"]) == ("50.00", "INV-1001")
    assert lot["unit_cost"] == "0.00500000"  # 50.00 for 10 000 mg

    batch = released_batch(api, strength=4.5, quantity=100)
    cost = api.get(f"/api/v1/batches/{batch['id']}/cost", as_="pharm").get_json()
    total = expected_batch_cost(batch, stock)
    assert D(cost["cost_total"]) == total
    assert D(cost["unit_cost"]) == (total / D(110)).quantize(D("0.000001"), ROUND_HALF_UP)
    assert cost["cost_breakdown"]["complete"] is True
    assert api.get(f"/api/v1/batches/{batch['id']}/cost", as_="tech").status_code == 403

    rx = verified_rx(api, strength=4.5, quantity=30, days=30, refills=1)
    estimate = api.get(f"/api/v1/prescriptions/{rx['id']}/price", as_="drA").get_json()
    unit_cost = D(cost["unit_cost"])
    fcost, lines = fill_cost(unit_cost, D(30), dosage_form="capsule", rules=DEFAULT_RULES)
    expected = quote_price(fcost, DEFAULT_RULES, dosage_form="capsule", strength=D("4.5"),
                           quantity=D(30), first_of_course=True, rules_version="", cost_lines=lines)
    assert estimate["currency"] == "USD" and estimate["estimate"] is True
    assert D(estimate["estimate_total"]) == expected.amount * 2  # the fill and one refill
    assert D(estimate["estimate_per_month"]) == expected.amount  # 30 days a course
    assert estimate["rules_version"] == f"{DEFAULT_RULES.version}/pricing.1"
    assert sum(D(line["amount"]) for line in estimate["breakdown"]) == expected.amount
    assert api.get(f"/api/v1/prescriptions/{rx['id']}/price", as_="drB").status_code == 404
    assert api.get(f"/api/v1/prescriptions/{rx['id']}/price", as_="tech").status_code == 403

    filled = fill(api, rx["id"], batch["id"], 30)
    assert filled.status_code == 201, filled.get_json()
    body = filled.get_json()
    assert (D(body["price"]), body["currency"]) == (expected.amount, "USD")
    assert "cost" not in body and "price_breakdown" not in body  # a technician's answer
    event = only_event("fill.created")
    assert event.after["price"] == str(expected.amount)

    # A rule change applies to the next estimate and fill, never to this fill.
    rule_service.update_rule(ADMIN, "price_markup_percent", "200", "pharmacy price review 2026")
    again = api.get(f"/api/v1/prescriptions/{rx['id']}/fills", as_="pharm").get_json()
    assert D(again[0]["price"]) == expected.amount and D(again[0]["cost"]) == fcost
    newer = api.get(f"/api/v1/prescriptions/{rx['id']}/price", as_="pharm").get_json()
    assert newer["rules_version"] == f"{DEFAULT_RULES.version}/pricing.2"
    assert D(newer["estimate_per_month"]) > expected.amount


def test_receipt_and_monthly_report(api: Any) -> None:
    costed_stock(api)
    batch = released_batch(api, strength=4.5, quantity=100)
    prices = []
    for first, quantity in (("Ada", 30), ("Grace", 60)):
        rx = verified_rx(api, strength=4.5, quantity=quantity, days=quantity, first=first)
        made = fill(api, rx["id"], batch["id"], quantity, as_="pharm").get_json()
        prices.append((D(made["price"]), D(made["cost"]), made["id"], rx["rx_number"]))

    receipt = api.get(f"/api/v1/fills/{prices[0][2]}/receipt.pdf", as_="tech")
    assert receipt.status_code == 200 and receipt.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(receipt.data)).pages[0].extract_text()
    assert prices[0][3] in text and f"${prices[0][0]:.2f}" in text and "Ada" in text
    assert api.get(f"/api/v1/fills/{prices[0][2]}/receipt.pdf", as_="drA").status_code == 403

    month = date.today().strftime("%Y-%m")
    report = api.get(f"/api/v1/reports/monthly?month={month}", as_="pharm").get_json()
    totals = report["totals"]
    assert totals["fills"] == 2
    assert D(totals["revenue"]) == sum(p for p, _, _, _ in prices)
    assert D(totals["cost"]) == sum(c for _, c, _, _ in prices)
    assert D(totals["margin"]) == D(totals["revenue"]) - D(totals["cost"])
    assert sum(D(r["revenue"]) for r in report["rows"]) == D(totals["revenue"])
    rows = list(csv.DictReader(io.StringIO(
        api.get(f"/api/v1/reports/monthly.csv?month={month}", as_="admin").get_data(as_text=True)
    )))
    assert rows[-1]["formula"] == "total" and D(rows[-1]["revenue"]) == D(totals["revenue"])
    assert api.get(f"/api/v1/reports/monthly?month={month}", as_="tech").status_code == 403
    assert api.get("/api/v1/reports/monthly?month=2026-13", as_="pharm").status_code == 422


def test_purchase_cost_is_checked(api: Any) -> None:
    body = {"item_code": "mcc", "manufacturer": "Acme", "manufacturer_lot": "X1",
            "expiry": "2031-01", "quantity": 100, "unit": "g"}
    for bad in ("-1", "1.234", "ten", True, "1000000.01"):
        response = api.post("/api/v1/ingredient-lots", as_="tech",
                            json={**body, "purchase_cost": bad})
        assert response.status_code == 422, bad
        assert "purchase_cost" in response.get_json()["errors"]


def test_titration_filled_in_three_strengths_pays_one_fee(api: Any) -> None:
    from tests.api.test_printing import titration_rx

    costed_stock(api)
    batches = {s: released_batch(api, strength=s, quantity=100) for s in ("1.5", "3", "4.5")}
    rx = titration_rx(api)  # 1.5 mg × 14 d, 3 mg × 14 d, 4.5 mg × 30 d: one course
    expected = []
    for position, (strength, quantity) in enumerate((("1.5", 14), ("3", 14), ("4.5", 30))):
        made = fill(api, rx["id"], batches[strength]["id"], quantity, steps=[position])
        assert made.status_code == 201, made.get_json()
        unit = D(api.get(f"/api/v1/batches/{batches[strength]['id']}/cost",
                         as_="pharm").get_json()["unit_cost"])
        fcost, lines = fill_cost(unit, D(quantity), dosage_form="capsule", rules=DEFAULT_RULES)
        expected.append(quote_price(
            fcost, DEFAULT_RULES, dosage_form="capsule", strength=D(strength),
            quantity=D(quantity), first_of_course=position == 0, rules_version="",
            cost_lines=lines).amount)
        assert D(made.get_json()["price"]) == expected[-1]
    listed = api.get(f"/api/v1/prescriptions/{rx['id']}/fills", as_="pharm").get_json()
    kinds = [[line["kind"] for line in f["price_breakdown"]["lines"]] for f in listed]
    assert ["fee" in k for k in kinds] == [True, False, False]  # the fee once a course
    assert sum(D(f["price"]) for f in listed) == sum(expected)
