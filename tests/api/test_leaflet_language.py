"""The whole patient leaflet in the patient's language (issue 19 point 4): a Spanish
titration leaflet prints the catalog's fixed words and paragraphs, the rules' Spanish
warning, storage and caution texts and Babel's Spanish dates, with the drug as prescribed
and an English line of the directions, and no English heading left over; the English
leaflet is as it was."""

from __future__ import annotations

import io
import re
from dataclasses import fields
from datetime import date
from typing import Any

import pdfplumber

from labels import (
    DEFAULT_CALL_US_WHEN,
    DEFAULT_HOW_TO_TAKE,
    DEFAULT_LEAFLET_ABOUT,
    DEFAULT_SIDE_EFFECTS,
    DEFAULT_WASHOUT_TEXT,
    ENGLISH_LEAFLET_CAPTIONS,
)
from pharmacy.compounding import DEFAULT_RULES
from pharmacy.services.printing import language
from tests.api.test_printing import titration_rx
from tests.conftest import PASSWORD
from tests.stock_support import capsule_stock, fill, released_batch

ENGLISH_PARAGRAPHS = (
    *DEFAULT_LEAFLET_ABOUT,
    *DEFAULT_HOW_TO_TAKE,
    *DEFAULT_WASHOUT_TEXT,
    *DEFAULT_SIDE_EFFECTS,
    *DEFAULT_CALL_US_WHEN,
)
# The captions every titration leaflet prints (past-BUD rows, the long calendar and the
# cautions' heading appear only when they apply; the footer's "Rx" is checked apart).
ALWAYS = [
    f.name
    for f in fields(ENGLISH_LEAFLET_CAPTIONS)
    if f.name
    not in ("new_supply", "days", "cautions", "rx", "in_english", "use_by_advice", "page_of")
]


def flat(text: str) -> str:
    return " ".join(text.split())


def leaflet_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as doc:
        return flat("\n".join(page.extract_text() or "" for page in doc.pages))


def spanish_titration(api: Any, **patient: Any) -> dict[str, Any]:
    body = {
        "patient": {
            "first_name": "María",
            "last_name": "García",
            "date_of_birth": "1970-02-03",
            "language": "es",
            **patient,
        },
        "dosage_form": "capsule",
        "strength_mg": 1.5,
        "titration": [
            {"dose_mg": 1.5, "days": 14},
            {"dose_mg": 3, "days": 14},
            {"dose_mg": 4.5, "days": 30},
        ],
        "quantity": 132,
        "opioid_attestation": True,
    }
    rx = api.post("/api/v1/prescriptions", as_="drA", json=body).get_json()
    verified = api.post(
        f"/api/v1/prescriptions/{rx['id']}/verify", as_="pharm", json={"password": PASSWORD}
    )
    assert verified.status_code == 200, verified.get_json()
    return dict(verified.get_json())


def leaflet_of(api: Any, rx: dict[str, Any]) -> tuple[str, date]:
    batch = released_batch(api, strength=1.5, quantity=200)
    made = fill(api, rx["id"], batch["id"], 132)
    assert made.status_code == 201, made.get_json()
    response = api.get(f"/api/v1/fills/{made.get_json()['id']}/leaflet.pdf", as_="tech")
    assert response.status_code == 200, response.get_json()
    return leaflet_text(response.data), date.fromisoformat(made.get_json()["filled_on"])


def printed(text: str, caption: str) -> bool:
    """The caption is in the text, or each of its words where a narrow table cell wraps it
    (the calendar's heads; text extraction reads a wrapped row line by line)."""
    return flat(caption) in text or set(caption.split()) <= set(text.split())


def has_phrase(text: str, phrase: str) -> bool:
    """``phrase`` as whole words (case kept)."""
    return re.search(rf"(?<!\w){re.escape(flat(phrase))}(?!\w)", text) is not None


def test_a_spanish_titration_leaflet_is_spanish_throughout(api: Any) -> None:
    capsule_stock(api)
    text, filled_on = leaflet_of(api, spanish_titration(api))
    es = language.leaflet_captions("es")
    for name in ALWAYS:
        assert printed(text, getattr(es, name)), name
        assert not has_phrase(text, getattr(ENGLISH_LEAFLET_CAPTIONS, name)), name
    assert "Página 1 de" in text and "Page 1 of" not in text
    for english, spanish in zip(
        ENGLISH_PARAGRAPHS, language.texts("es", ENGLISH_PARAGRAPHS), strict=True
    ):
        assert flat(spanish) in text and flat(english) not in text
    assert "Receta" in text and "Rx RX" not in text  # the footer
    # The rules' reviewed Spanish: warnings and the capsule's storage.
    for warning in DEFAULT_RULES.label_warnings_translated["es"]:
        assert flat(warning) in text
    assert "Guárdelo a temperatura ambiente o en el refrigerador." in text
    assert "room temperature" not in text and "Do not take opioid" not in text
    # The drug as prescribed, the Spanish directions and their English line.
    assert "Naltrexone HCl 1.5 mg capsule" in text
    assert "Tome 1 cápsula por vía oral a la hora de acostarse durante 14 días" in text
    assert "En inglés: Take 1 capsule by mouth at bedtime for 14 days" in text
    assert "1 cápsula de 1.5 mg" in text and "3 cápsulas de 1.5 mg" in text
    assert "capsule of" not in text and "capsules of" not in text
    # Dates as Babel writes them in Spanish, in the schedule and the calendar.
    assert language.long_date(filled_on, "es") in text
    assert language.calendar_day(filled_on, "es") in text
    assert language.long_date(filled_on, "en") not in text


def test_a_spanish_leaflet_gives_the_cautions_advice_in_spanish(api: Any) -> None:
    capsule_stock(api)
    rx = spanish_titration(api, current_medications=["Synthroid 100 mcg"])
    assert [c["code"] for c in rx["screen"]["cautions"]] == ["thyroid"]
    text, _ = leaflet_of(api, rx)
    assert "Sus otros medicamentos y enfermedades" in text
    assert flat(DEFAULT_RULES.caution_advice_translated["es"]["thyroid"]) in text
    assert flat(rx["screen"]["cautions"][0]["advice"]) not in text  # the English advice


def test_the_english_leaflet_is_unchanged(api: Any) -> None:
    capsule_stock(api)
    text, filled_on = leaflet_of(api, titration_rx(api))
    for name in ALWAYS:
        assert printed(text, getattr(ENGLISH_LEAFLET_CAPTIONS, name)), name
    assert "Page 1 of" in text and "Página" not in text
    for paragraph in ENGLISH_PARAGRAPHS:
        assert flat(paragraph) in text
    assert "1 capsule of 1.5 mg" in text and "3 capsules of 1.5 mg" in text
    assert "Storage: room temperature or refrigerator" in text
    assert "In English:" not in text and "Su calendario de dosis" not in text
    assert "Guárdelo" not in text
    assert language.long_date(filled_on, "en") in text


def test_the_spanish_label_keeps_the_drug_and_gives_storage_and_quantity_in_spanish(
    api: Any,
) -> None:
    capsule_stock(api)
    rx = spanish_titration(api)
    batch = released_batch(api, strength=1.5, quantity=200)
    made = fill(api, rx["id"], batch["id"], 132)
    response = api.get(f"/api/v1/fills/{made.get_json()['id']}/label.pdf", as_="tech")
    assert response.status_code == 200, response.get_json()
    text = leaflet_text(response.data)
    assert "Naltrexone HCl 1.5 mg capsule" in text  # as prescribed
    # Storage is a column beside the prescriber: its lines interleave with theirs.
    assert "Guárdelo a temperatura" in text and "ambiente o en el refrigerador." in text
    assert "132 cápsulas" in text and "capsules" not in text.replace("capsules at", "")
    assert "room temperature" not in text
