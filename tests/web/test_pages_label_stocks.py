"""Complete directions on every stock offered (issue 19): the fill page offers, for its
container label, only the stocks that hold it whole, the smallest first. A capsule
titration and a liquid titration, in English and in Spanish: every stock offered prints
the label (with its complete directions and the opioid warning on page 1), the 3 × 2 in
label is never offered, and a stock not offered is refused with 409 naming the first one
offered. Batch labels still offer every stock, 3 × 2 in included."""

from __future__ import annotations

import io
import re
from typing import Any

import pdfplumber
import pytest

from tests.conftest import PASSWORD
from tests.stock_support import capsule_stock, record_as_planned, released_batch, stocked

CAPSULE_PLAN = [
    {"dose_mg": 1.5, "days": 14},
    {"dose_mg": 3, "days": 14},
    {"dose_mg": 4.5, "days": 30},
]
LIQUID_PLAN = [
    {"dose_mg": 1.5, "days": 14},
    {"dose_mg": 3, "days": 14},
    {"dose_mg": 4.5, "days": 5},
]
DIRECTIONS = {
    ("capsule", "en"): "Take 1 capsule by mouth at bedtime for 14 days",
    ("capsule", "es"): "Tome 1 cápsula por vía oral a la hora de acostarse durante 14 días",
    ("liquid", "en"): "Take 1.5 mL (1.5 mg) by mouth at bedtime for 14 days",
    ("liquid", "es"): "Tome 1.5 mL (1.5 mg) por vía oral a la hora de acostarse",
}
WARNING = {"en": "72 hours", "es": "72 horas"}
OPTION = re.compile(r'<option value="([^"]*)">')


def released_liquid(api: Any) -> dict[str, Any]:
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
        json={"formula_code": "ldn-liquid-1mg-preserved", "quantity": 200},
    )
    assert made.status_code == 201, made.get_json()
    assert record_as_planned(api, made.get_json()).status_code == 200
    released = api.post(
        f"/api/v1/batches/{made.get_json()['id']}/release", as_="pharm", json={"password": PASSWORD}
    )
    assert released.status_code == 200, released.get_json()
    return dict(released.get_json())


def filled(api: Any, batch: dict[str, Any], form: str, language: str, name: str) -> int:
    body: dict[str, Any] = {
        "patient": {
            "first_name": name,
            "last_name": "Ortega",
            "date_of_birth": "1970-02-03",
            "language": language,
        },
        "dosage_form": form,
        "opioid_attestation": True,
    }
    if form == "capsule":
        body |= {"strength_mg": 1.5, "titration": CAPSULE_PLAN, "quantity": 132}
    else:
        body |= {"concentration_mg_per_ml": 1, "titration": LIQUID_PLAN, "syringe_ml": 5}
    rx = api.post("/api/v1/prescriptions", as_="drA", json=body)
    assert rx.status_code == 201, rx.get_json()
    verified = api.post(
        f"/api/v1/prescriptions/{rx.get_json()['id']}/verify",
        as_="pharm",
        json={"password": PASSWORD, "acknowledge_warnings": True},
    )
    assert verified.status_code == 200, verified.get_json()
    quantity = 132 if form == "capsule" else 85.5  # 14 x 1.5 + 14 x 3 + 5 x 4.5 mL (33 days)
    made = api.post(
        f"/api/v1/prescriptions/{rx.get_json()['id']}/fills",
        as_="tech",
        json={"batch_id": batch["id"], "quantity": quantity},
    )
    assert made.status_code == 201, made.get_json()
    return int(made.get_json()["id"])


def first_page(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as doc:
        return " ".join(w["text"] for w in doc.pages[0].extract_words())


@pytest.mark.parametrize("form", ["capsule", "liquid"])
def test_every_stock_offered_holds_the_whole_titration_label(
    api: Any, browser_for: Any, form: str
) -> None:
    if form == "capsule":
        capsule_stock(api)
        batch = released_batch(api, strength=1.5, quantity=300)
    else:
        batch = released_liquid(api)
    tech = browser_for("tech")
    for language, name in (("en", "Ana"), ("es", "Inés")):
        fill_id = filled(api, batch, form, language, name)
        page = tech.text(tech.get(f"/fills/{fill_id}"))
        # The record shows the sentence the label prints, the dated steps under it.
        assert DIRECTIONS[(form, language)] in page and 'id="fill-dated-steps"' in page
        select = page[
            page.index('id="label-stock"') : page.index("</select>", page.index('id="label-stock"'))
        ]
        offered = OPTION.findall(select)
        assert offered, (form, language)
        assert "3x2" not in offered
        for code in offered:
            reason = "" if code == offered[0] else "&reason=another stock"
            label = api.get(f"/api/v1/fills/{fill_id}/label.pdf?stock={code}{reason}", as_="tech")
            assert label.status_code == 200, (form, language, code, label.get_json())
            text = first_page(label.data)
            assert DIRECTIONS[(form, language)] in text, (form, language, code)
            assert WARNING[language] in text, (form, language, code)
        # Not offered: refused, naming the smallest stock that holds it.
        for code in {"4x2.5", "4x3.5", "3x2"} - set(offered):
            refused = api.get(
                f"/api/v1/fills/{fill_id}/label.pdf?stock={code}&reason=try it", as_="tech"
            )
            assert refused.status_code == 409, (code, refused.get_json())
            assert f"({offered[0]})" in refused.get_json()["message"]


def test_batch_labels_and_the_print_queue_offer_their_stocks(api: Any, browser_for: Any) -> None:
    capsule_stock(api)
    batch = released_batch(api, strength=1.5, quantity=300)
    tech = browser_for("tech")
    batch_page = tech.text(tech.get(f"/batches/{batch['id']}"))
    start = batch_page.index('id="bl-stock"')
    assert "3x2" in OPTION.findall(batch_page[start : batch_page.index("</select>", start)])
    filled(api, batch, "capsule", "en", "Ana")
    queue = tech.text(tech.get("/print-queue"))
    start = queue.index('id="queue-stock"')
    offered = OPTION.findall(queue[start : queue.index("</select>", start)])
    assert offered[0] == "" and "3x2" not in offered and "4x2.5" in offered


def test_the_print_queue_prints_on_one_stock_that_holds_every_label(api: Any) -> None:
    from pypdf import PdfReader

    capsule_stock(api)
    batch = released_batch(api, strength=1.5, quantity=300)
    filled(api, batch, "capsule", "en", "Ana")  # holds on 4 x 2.5 in
    filled(api, batch, "capsule", "es", "Inés")  # needs 4 x 3.5 in
    refused = api.post("/api/v1/print-queue/print", as_="tech", json={"stock": "4x2.5"})
    assert refused.status_code == 409, refused.get_json()
    assert "(4x3.5)" in refused.get_json()["message"]
    assert len(api.get("/api/v1/print-queue", as_="tech").get_json()) == 2  # nothing printed
    printed = api.post("/api/v1/print-queue/print", as_="tech", json={})
    assert printed.status_code == 200
    box = PdfReader(io.BytesIO(printed.data)).pages[0].mediabox
    assert (float(box.width), float(box.height)) == (288.0, 252.0)  # 4 x 3.5 in
