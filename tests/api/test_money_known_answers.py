"""Known answers for what a batch costs and what the patient pays (issue 24), through real
batches made, recorded and released by the API, and fills priced from them. Every expected
number is worked by hand below from the seeded rules (pharmacy/compounding/rules/money.py):

- batch container and label 0.60 (capsule or liquid); labour 60 min (capsule) or 30 min
  (liquid) at 30.00 an hour; overhead 10 % of ingredients + containers + labour;
- a fill's container and label 0.60 (capsule) or 1.45 (liquid);
- markup 150 % of the fill's cost; dispensing fee 10.00 and minimum 25.00 once a course;
  a price rounded up to the next 0.50; money to the cent, half up; a batch's cost per unit
  to six places, half up;
- capsule overage 10 % (100 asked → 110 made); balance minimum weighable quantity 120 mg.

The API lots carry a CoA of 100 % naltrexone HCl as is, so the weighings are the doses.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.api.test_printing import titration_rx
from tests.conftest import PASSWORD
from tests.stock_support import fill, record_as_planned, released_batch, stocked, verified_rx

D = Decimal
PURE = {"assay_percent": 100, "assay_basis": "as_is", "water_percent": 0, "form": "hcl"}


def capsule_lots(api: Any) -> dict[str, dict[str, Any]]:
    """API 10 g for 50.00 (0.005 a mg); MCC 1000 g for 40.00 (0.00004 a mg, pack stat 95 mg
    in a size 3 shell); 5000 size 3 shells for 75.00 (0.015 each)."""
    return {
        "api": stocked(
            api, "naltrexone-hcl", quantity=10, unit="g", purchase_cost="50.00", coa=PURE
        ),
        "filler": stocked(
            api, "mcc", quantity=1000, unit="g", pack_stats_mg={"3": 95}, purchase_cost="40.00"
        ),
        "shell": stocked(api, "capsule-3", quantity=5000, unit="each", purchase_cost="75.00"),
    }


def cost_of(api: Any, batch: dict[str, Any]) -> dict[str, Any]:
    response = api.get(f"/api/v1/batches/{batch['id']}/cost", as_="pharm")
    assert response.status_code == 200
    body: dict[str, Any] = response.get_json()
    assert body["cost_breakdown"]["complete"] is True
    return body


def amounts(batch: dict[str, Any]) -> list[tuple[str, Decimal]]:
    return [(c["unit"], D(str(c["theoretical_amount"]))) for c in batch["components"]]


def test_capsule_batch_with_an_aliquot(api: Any) -> None:
    """1 mg × 100 capsules: 110 made, W = 110 mg of API, below the 120 mg minimum, so the
    aliquot method (DOMAIN.md §4): k = ceil(120/110) = 2, A = 2 × 110 = 220.0 mg; with
    M = 120 the diluent T − A = 240 − 220 = 20 mg would be below 120 mg, so
    M = W + 120/k = 170 mg, T = k·M = 340 mg, diluent D = 120.0 mg. The batch's filler
    F = (95 − 1) × 110 = 10 340 mg; the aliquot brings M − W = 60 mg of it, so 10 280 mg
    is weighed alone: filler in all 10 280 + 120 = 10 400 mg.

    Batch cost: API 220 × 0.005 = 1.10; MCC 10 400 × 0.00004 = 0.416 → 0.42; shells
    110 × 0.015 = 1.65; container and label 0.60; labour 60/60 × 30.00 = 30.00. Direct
    33.77; overhead 3.377 → 3.38; total 37.15. Per capsule 37.15 / 110 = 0.337727.

    A fill of 30 (first of its course): 30 × 0.337727 = 10.13181 → 10.13, + 0.60 = cost
    10.73; markup 16.095 → 16.10; fee 10.00; 36.83 → rounded up to 37.00.
    """
    capsule_lots(api)
    batch = released_batch(api, strength=1, quantity=100)
    assert amounts(batch) == [("mg", D("220.0")), ("mg", D("10400")), ("each", D(110))]
    assert batch["calculation"]["aliquot"]["k"] == 2
    cost = cost_of(api, batch)
    assert (D(cost["cost_total"]), D(cost["unit_cost"])) == (D("37.15"), D("0.337727"))
    lines = {
        line["kind"]: D(line["amount"])
        for line in cost["cost_breakdown"]["lines"]
        if line["kind"] != "ingredient"
    }
    assert lines == {"packaging": D("0.60"), "labour": D("30.00"), "overhead": D("3.38")}

    rx = verified_rx(api, strength=1, quantity=30, days=30)
    made = fill(api, rx["id"], batch["id"], 30, as_="pharm")
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert (D(body["price"]), D(body["cost"])) == (D("37.00"), D("10.73"))


def test_liquid_made_from_tablets(api: Any) -> None:
    """1 mg/mL in purified water from 50 mg tablets, 150 mL asked: 150 × 1.05 = 157.5 mL,
    rounded up to whole tablets: 200 mL from 4 tablets (DOMAIN.md §5).

    Lots: 100 tablets for 120.00 (1.20 each); 10 L of purified water for 20.00 (0.002 a mL).
    Batch cost: tablets 4 × 1.20 = 4.80; water q.s. 200 mL × 0.002 = 0.40; container and
    label 0.60; labour 30/60 × 30.00 = 15.00. Direct 20.80; overhead 2.08; total 22.88.
    Per mL 22.88 / 200 = 0.1144.

    A fill of 63 mL (4.5 mg a day for 14 days, within the unpreserved liquid's 14-day BUD;
    first of its course): 63 × 0.1144 = 7.2072 → 7.21, + 1.45 = cost 8.66; markup 150 %
    12.99; fee 10.00; 31.65 → rounded up to 32.00.
    """
    stocked(api, "naltrexone-50mg-tablet", quantity=100, unit="each", purchase_cost="120.00")
    stocked(api, "purified-water", quantity=10000, unit="mL", purchase_cost="20.00")
    made = api.post(
        "/api/v1/batches",
        as_="tech",
        json={"formula_code": "ldn-liquid-1mg-unpreserved", "quantity": 150},
    )
    assert made.status_code == 201, made.get_json()
    batch = made.get_json()
    assert amounts(batch) == [("each", D(4)), ("mL", D(200))]
    assert record_as_planned(api, batch).status_code == 200
    released = api.post(
        f"/api/v1/batches/{batch['id']}/release", as_="pharm", json={"password": PASSWORD}
    )
    assert released.status_code == 200, released.get_json()
    cost = cost_of(api, batch)
    assert (D(cost["cost_total"]), D(cost["unit_cost"])) == (D("22.88"), D("0.1144"))

    rx = api.post(
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
    assert rx.status_code == 201, rx.get_json()
    verified = api.post(
        f"/api/v1/prescriptions/{rx.get_json()['id']}/verify",
        as_="pharm",
        json={"password": PASSWORD, "acknowledge_warnings": True},
    )
    assert verified.status_code == 200, verified.get_json()
    filled = fill(api, rx.get_json()["id"], batch["id"], 63, as_="pharm")
    assert filled.status_code == 201, filled.get_json()
    body = filled.get_json()
    assert (D(body["price"]), D(body["cost"])) == (D("32.00"), D("8.66"))


def test_titration_fill_of_three_strengths(api: Any) -> None:
    """Three batches of 100 capsules (110 made), each: shells 1.65, container and label 0.60,
    labour 30.00; API × 0.005 and MCC (95 − strength) × 110 mg × 0.00004:

    - 1.5 mg: API 165 mg = 0.825 → 0.83; MCC 10 285 mg = 0.4114 → 0.41; direct 33.49;
      overhead 3.349 → 3.35; total 36.84; per capsule 0.334909.
    - 3 mg: API 330 mg = 1.65; MCC 10 120 mg = 0.4048 → 0.40; direct 34.30; overhead 3.43;
      total 37.73; per capsule 0.343.
    - 4.5 mg: API 495 mg = 2.475 → 2.48; MCC 9 955 mg = 0.3982 → 0.40; direct 35.13;
      overhead 3.513 → 3.51; total 38.64; per capsule 0.351273.

    The course, one fill a strength (fee and minimum once, on its first fill):
    - 14 × 1.5 mg: 4.688726 → 4.69 + 0.60 = 5.29; markup 7.935 → 7.94; fee 10.00: 23.23,
      up to the minimum 25.00 → 25.00.
    - 14 × 3 mg: 4.802 → 4.80 + 0.60 = 5.40; markup 8.10: 13.50 → 13.50.
    - 30 × 4.5 mg: 10.53819 → 10.54 + 0.60 = 11.14; markup 16.71: 27.85 → 28.00.
    The course costs the patient 66.50.
    """
    capsule_lots(api)
    expected_batches = {
        "1.5": ("36.84", "0.334909"),
        "3": ("37.73", "0.343"),
        "4.5": ("38.64", "0.351273"),
    }
    batches = {}
    for strength, (total, unit) in expected_batches.items():
        batches[strength] = released_batch(api, strength=strength, quantity=100)
        cost = cost_of(api, batches[strength])
        assert (D(cost["cost_total"]), D(cost["unit_cost"])) == (D(total), D(unit)), strength
    rx = titration_rx(api)
    fills = (
        ("1.5", 14, "25.00", "5.29"),
        ("3", 14, "13.50", "5.40"),
        ("4.5", 30, "28.00", "11.14"),
    )
    for position, (strength, quantity, price, cost) in enumerate(fills):
        made = fill(api, rx["id"], batches[strength]["id"], quantity, as_="pharm", steps=[position])
        assert made.status_code == 201, made.get_json()
        body = made.get_json()
        assert (D(body["price"]), D(body["cost"])) == (D(price), D(cost)), strength
    listed = api.get(f"/api/v1/prescriptions/{rx['id']}/fills", as_="pharm").get_json()
    assert sum(D(f["price"]) for f in listed) == D("66.50")
    minimum = [line for line in listed[0]["price_breakdown"]["lines"] if line["kind"] == "minimum"]
    assert [D(line["amount"]) for line in minimum] == [D("1.77")]
