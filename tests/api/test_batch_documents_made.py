"""Batch documents say what was made (issue 19): the batch label gives the quantity made
and, apart, what each container holds; the liquid worksheet's "q.s. to" volume is the
batch's volume (with its overage), as the batch records it made."""

from __future__ import annotations

from typing import Any

from tests.api.test_printing import filled, flat, pdf_text  # noqa: F401 (a fixture)
from tests.conftest import PASSWORD
from tests.stock_support import record_as_planned, stocked


def test_batch_label_gives_the_quantity_made_and_apart_the_container(
    api: Any,
    filled: dict[str, Any],  # noqa: F811
) -> None:
    batch = filled["batch"]  # 220 capsules made, 132 dispensed: 88 on hand
    assert batch["units_made"] == 220
    response = api.get(
        f"/api/v1/batches/{batch['id']}/labels.pdf?containers=4&quantity_per_container=22",
        as_="tech",
    )
    assert response.status_code == 200, response.get_json()
    text = flat(pdf_text(response.data))
    assert text.count("Quantity made: 220 capsules") == 4
    for i in range(1, 5):
        assert f"Container {i} of 4 holds: 22 capsules" in text
    # What remains (88) is not printed as the batch's quantity.
    assert "88" not in text


def test_liquid_worksheet_qs_to_the_batch_volume(api: Any) -> None:
    """Hand calculation: 100 mL to dispense + 5 % overage = 100 x 1.05 = 105 mL made.
    Glycerol 20 % v/v of 105 mL = 21 mL. The 105 mg of naltrexone HCl is below the 120 mg
    balance minimum: 210 mg is dissolved to 20 mL and 10 mL of it goes in, the other 10 mL
    is discarded. So the water is made up to (q.s. to) 105 mL, and the lot gives
    105 - 21 + 10 = 94 mL."""
    stocked(api, "naltrexone-hcl", quantity=5, unit="g")
    for code, qty, unit in (
        ("ascorbic-acid", 100, "g"),
        ("sodium-benzoate", 100, "g"),
        ("glycerol", 5, "L"),
        ("purified-water", 20, "L"),
    ):
        stocked(api, code, quantity=qty, unit=unit)
    made = api.post(
        "/api/v1/batches",
        as_="tech",
        json={"formula_code": "ldn-liquid-1mg-preserved", "quantity": 100},
    )
    assert made.status_code == 201, made.get_json()
    batch = made.get_json()
    assert batch["units_made"] == 105
    water = next(c for c in batch["components"] if c["role"] == "purified_water")
    assert water["description"] == "purified water, q.s. to 105 mL"
    assert water["theoretical_amount"] == 94
    steps = batch["calculation"]["steps"]
    assert steps[0].startswith("Make 105 mL of naltrexone HCl oral liquid 1 mg/mL: 100 mL")
    assert "Make up to 105 mL with purified water and mix well." in steps

    sheet = api.get(f"/api/v1/batches/{batch['id']}/worksheet.pdf", as_="tech")
    assert sheet.status_code == 200
    text = flat(pdf_text(sheet.data))
    assert "105 mL" in text  # quantity to make
    assert "q.s. to 105 mL" in text
    # No other "q.s. to" volume anywhere on the record.
    assert text.count("q.s. to") == text.count("q.s. to 105 mL")

    # Released, its stock label gives the volume made and says how to keep it in words, as
    # its patients' labels do (not the BUD category's one word).
    assert record_as_planned(api, batch).status_code == 200
    released = api.post(
        f"/api/v1/batches/{batch['id']}/release", as_="pharm", json={"password": PASSWORD}
    )
    assert released.status_code == 200, released.get_json()
    label = api.get(f"/api/v1/batches/{batch['id']}/labels.pdf", as_="tech")
    assert label.status_code == 200, label.get_json()
    text = flat(pdf_text(label.data))
    assert "Quantity made: 105 mL" in text and "Container 1 of 1 holds: 105 mL" in text
    assert (
        "Storage: Shake well before each use. Protect from light. Keep in the refrigerator "
        "(2-8 °C). Do not freeze." in text
    )
