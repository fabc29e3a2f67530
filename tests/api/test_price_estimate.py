"""The estimate from the standard cost (issue 24, DOMAIN.md §12) when no batch of the
formula and strength has a complete cost: the formula planned as a standard batch (rule
standard_batch_units, 100 capsules) from the newest received costed lot of each
ingredient, costed by the same model as a batch; and a named reason when an ingredient has
no costed lot. Hand-worked from the seeded rules (see tests/api/test_money_known_answers.py
for the rule values).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pharmacy.audit import Actor
from pharmacy.services import rules as rule_service
from tests.api.test_money_known_answers import PURE, capsule_lots
from tests.stock_support import released_batch, stocked, verified_rx

D = Decimal
ADMIN = Actor(user_id=None, username="admin", role="admin", full_name="Admin")


def price(api: Any, rx_id: int, as_: str = "drA") -> dict[str, Any]:
    response = api.get(f"/api/v1/prescriptions/{rx_id}/price", as_=as_)
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def test_estimate_from_the_formula_when_no_batch_has_a_cost(api: Any) -> None:
    """No batch yet. The standard batch: 4.5 mg × 100 capsules, 110 made: API 495 mg × 0.005
    = 2.475 → 2.48; MCC (95 − 4.5) × 110 = 9 955 mg × 0.00004 = 0.40; shells 1.65;
    container and label 0.60; labour 30.00; direct 35.13; overhead 3.51; total 38.64;
    per capsule 0.351273 (the batch of the same size in test_money_known_answers costs
    the same: one cost model).

    30 capsules, 30 days, 1 refill: 30 × 0.351273 = 10.54 + 0.60 = 11.14; markup 16.71;
    fee 10.00: 37.85 → 38.00 a course; 38.00 a month; 76.00 in total (2 courses).
    """
    capsule_lots(api)
    rx = verified_rx(api, strength=4.5, quantity=30, days=30, refills=1)
    body = price(api, rx["id"])
    assert body["available"] is True and body["estimate"] is True
    assert (D(body["per_course"]), D(body["estimate_per_month"])) == (D("38.00"), D("38.00"))
    assert D(body["estimate_total"]) == D("76.00")
    basis = body["cost_basis"]
    assert (basis["source"], basis["formula"], basis["standard_batch_units"]) == (
        "formula",
        "ldn-capsule-mcc",
        "100",
    )
    assert basis["ingredient_cost_basis"] == "newest received lot with a purchase cost"
    assert (D(basis["batch_cost"]["total"]), D(basis["batch_cost"]["unit_cost"])) == (
        D("38.64"),
        D("0.351273"),
    )
    first = body["breakdown"][0]
    assert first["kind"] == "ingredient" and "formula ldn-capsule-mcc" in first["description"]
    assert "newest received lot" in first["description"]
    # The pharmacist's verification page shows the same estimate.
    assert price(api, rx["id"], as_="pharm") == body

    # A newer lot of the API at a higher price is today's cost (not an average of both):
    # API 495 mg × 0.01 = 4.95; direct 37.60; overhead 3.76; total 41.36; per capsule
    # 0.376; 30 × 0.376 = 11.28 + 0.60 = 11.88; markup 17.82; fee 10.00: 39.70 → 40.00.
    stocked(api, "naltrexone-hcl", quantity=10, unit="g", purchase_cost="100.00", coa=PURE)
    newer = price(api, rx["id"])
    assert D(newer["per_course"]) == D("40.00")
    assert D(newer["cost_basis"]["batch_cost"]["total"]) == D("41.36")

    # Once a batch of this formula and strength has a complete cost, it is the standard.
    batch = released_batch(api, strength=4.5, quantity=100)
    from_batch = price(api, rx["id"])
    assert from_batch["cost_basis"]["source"] == "batch"
    assert from_batch["cost_basis"]["batch"] == batch["lot_number"]


def test_an_ingredient_without_a_costed_lot_is_named(api: Any) -> None:
    stocked(api, "naltrexone-hcl", quantity=10, unit="g", purchase_cost="50.00", coa=PURE)
    stocked(api, "mcc", quantity=1000, unit="g", pack_stats_mg={"3": 95})  # no cost
    stocked(api, "capsule-3", quantity=5000, unit="each", purchase_cost="75.00")
    rx = verified_rx(api, strength=4.5, quantity=30, days=30)
    body = price(api, rx["id"])
    assert body["available"] is False and body["estimate"] is True
    assert body["reason_code"] == "ingredient_not_costed"
    assert body["missing"] == ["Microcrystalline cellulose (Avicel PH-102)"]
    assert "Microcrystalline cellulose" in body["reason"] and "purchase_cost" in body["reason"]
    assert "estimate_total" not in body

    # A batch whose MCC had no cost is not a standard cost either (its cost is incomplete).
    released_batch(api, strength=4.5, quantity=100)
    again = price(api, rx["id"])
    assert again["available"] is False and again["reason_code"] == "ingredient_not_costed"

    # The pharmacy's price list still prices it, without any cost.
    rule_service.update_rule(
        ADMIN,
        "price_list",
        [{"dosage_form": "capsule", "strength": "4.5", "quantity": "30", "price": "45.00"}],
        "cash price list 2026",
    )
    listed = price(api, rx["id"])
    assert listed["available"] is True and D(listed["per_course"]) == D("45.00")
    assert listed["from_price_list"] is True


def test_the_estimate_for_a_liquid_from_its_formula(api: Any) -> None:
    """1 mg/mL unpreserved from tablets, standard batch 150 mL: 157.5 mL → 200 mL from 4
    tablets (as in test_money_known_answers): total 22.88, per mL 0.1144.
    63 mL for 14 days: 7.21 + 1.45 = 8.66; markup 12.99; fee 10.00: 31.65 → 32.00;
    a month is 30/14 of a course: 32.00 × 30 / 14 = 68.571… → 68.57."""
    stocked(api, "naltrexone-50mg-tablet", quantity=100, unit="each", purchase_cost="120.00")
    stocked(api, "purified-water", quantity=10000, unit="mL", purchase_cost="20.00")
    from tests.conftest import PASSWORD

    created = api.post(
        "/api/v1/prescriptions",
        as_="drA",
        json={
            "patient": {"first_name": "Lin", "last_name": "Okafor", "date_of_birth": "1962-02-14"},
            "dosage_form": "liquid",
            "concentration_mg_per_ml": 1,
            "dose_mg": 4.5,
            "quantity": 63,
            "days_supply": 14,
            "syringe_ml": 5,
            "opioid_attestation": True,
        },
    )
    assert created.status_code == 201, created.get_json()
    rx = created.get_json()
    assert (
        api.post(
            f"/api/v1/prescriptions/{rx['id']}/verify",
            as_="pharm",
            json={"password": PASSWORD, "acknowledge_warnings": True},
        ).status_code
        == 200
    )
    body = price(api, rx["id"])
    assert body["available"] is True, body
    assert body["cost_basis"]["source"] == "formula"
    assert D(body["cost_basis"]["batch_cost"]["unit_cost"]) == D("0.1144")
    assert (D(body["per_course"]), D(body["estimate_per_month"])) == (D("32.00"), D("68.57"))
