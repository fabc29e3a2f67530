"""The fill's record says what its container label prints (issue 19): `directions` is the
label's one concise USP <17> sentence in the label's language (the dated steps are the
leaflet's), and the label's smaller corrections hold on a real fill: the barcode caption
is the Rx number alone, storage is printed once, the surgery stop is given in hours."""

from __future__ import annotations

import io
from typing import Any

import pdfplumber

from tests.api.test_label_language import spanish_rx
from tests.api.test_printing import filled  # noqa: F401 (a fixture)
from tests.stock_support import capsule_stock, released_batch

CONCISE_EN = (
    "Take 1 capsule by mouth at bedtime for 14 days, then 2 capsules at bedtime for 14 "
    "days, then 3 capsules at bedtime."
)
CONCISE_ES = (
    "Tome 1 cápsula por vía oral a la hora de acostarse durante 14 días, luego 2 cápsulas a "
    "la hora de acostarse durante 14 días, luego 3 cápsulas a la hora de acostarse."
)


def page_one(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as doc:
        return " ".join(w["text"] for w in doc.pages[0].extract_words())


def test_the_fill_records_the_sentence_its_label_prints(
    api: Any,
    filled: dict[str, Any],  # noqa: F811
) -> None:
    fill_id = filled["fill"]["id"]
    assert filled["fill"]["directions"] == CONCISE_EN
    listed = api.get(f"/api/v1/prescriptions/{filled['rx']['id']}/fills", as_="tech")
    assert [f["directions"] for f in listed.get_json() if f["id"] == fill_id] == [CONCISE_EN]
    label = api.get(f"/api/v1/fills/{fill_id}/label.pdf", as_="tech")
    assert label.status_code == 200, label.get_json()
    text = page_one(label.data)
    assert CONCISE_EN in text
    rx_number = filled["rx"]["rx_number"]
    words = text.split()
    # The caption under the barcode: the Rx number alone, never "Rx RX…".
    assert words[-1] == rx_number and words[-2] != "Rx"
    assert text.count("Storage:") == 1
    assert "72 hours" in text and "as instructed" not in text


def test_a_spanish_fill_records_the_spanish_sentence_it_prints(api: Any) -> None:
    capsule_stock(api)
    batch = released_batch(api, strength=1.5, quantity=200)
    rx = spanish_rx(api)
    made = api.post(
        f"/api/v1/prescriptions/{rx['id']}/fills",
        as_="tech",
        json={"batch_id": batch["id"], "quantity": 132},
    )
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["directions"] == CONCISE_ES
    label = api.get(f"/api/v1/fills/{made.get_json()['id']}/label.pdf?stock=4x3.5", as_="tech")
    assert label.status_code == 200, label.get_json()
    text = page_one(label.data)
    assert CONCISE_ES in text
    assert "72 horas" in text
