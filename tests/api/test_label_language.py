"""The patient's language and large print on the container label (issue 19), end to end:
intake stores `patient.language`, the label prints the directions and warnings in it with
the English line where the stock has room, dates as Babel writes them; a large-print fill
prints the critical cluster at 14 pt on a stock that holds it."""

from __future__ import annotations

import io
from typing import Any

import pdfplumber
import pytest

from tests.api.test_printing import titration_rx
from tests.conftest import PASSWORD
from tests.stock_support import capsule_stock, released_batch


def spanish_rx(api: Any) -> dict[str, Any]:
    """The titration of test_printing for a Spanish-speaking patient, verified."""
    body = {
        "patient": {
            "first_name": "María", "last_name": "García", "date_of_birth": "1970-02-03",
            "language": "es",
        },
        "dosage_form": "capsule",
        "strength_mg": 1.5,
        "titration": [
            {"dose_mg": 1.5, "days": 14}, {"dose_mg": 3, "days": 14}, {"dose_mg": 4.5, "days": 30},
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


def label_words(data: bytes) -> list[dict[str, Any]]:
    with pdfplumber.open(io.BytesIO(data)) as doc:
        return doc.pages[0].extract_words(extra_attrs=["size"])


def test_language_is_stored_and_returned_default_english(api: Any) -> None:
    capsule_stock(api)
    assert titration_rx(api)["patient"]["language"] == "en"
    assert spanish_rx(api)["patient"]["language"] == "es"


def test_an_unknown_language_is_422_naming_the_field(api: Any) -> None:
    body = {
        "patient": {"first_name": "A", "last_name": "B", "date_of_birth": "1980-01-01",
                    "language": "xx"},
        "dosage_form": "capsule", "strength_mg": 1.5, "dose_mg": 1.5, "quantity": 30,
    }
    response = api.post("/api/v1/prescriptions", as_="drA", json=body)
    assert response.status_code == 422
    assert "patient.language" in response.get_json()["errors"]


def test_spanish_label_with_its_english_line(api: Any) -> None:
    capsule_stock(api)
    batch = released_batch(api, strength=1.5, quantity=200)
    rx = spanish_rx(api)
    made = api.post(
        f"/api/v1/prescriptions/{rx['id']}/fills", as_="tech",
        json={"batch_id": batch["id"], "quantity": 132},
    )
    assert made.status_code == 201, made.get_json()
    response = api.get(f"/api/v1/fills/{made.get_json()['id']}/label.pdf", as_="tech")
    assert response.status_code == 200, response.get_json()
    text = " ".join(w["text"] for w in label_words(response.data))
    assert "Tome 1 cápsula por vía oral a la hora de acostarse durante 14 días" in text
    assert "diarrea" in text and "72 horas" in text
    assert "Naltrexone HCl 1.5 mg capsule" in text  # the drug as prescribed
    assert "Take 1 capsule by mouth at bedtime for 14 days" in text  # the English line
    assert "Preparación magistral" in text


@pytest.mark.parametrize("large", [False, True])
def test_large_print_fill(api: Any, large: bool) -> None:
    capsule_stock(api)
    batch = released_batch(api, strength=1.5, quantity=200)
    rx = titration_rx(api)
    made = api.post(
        f"/api/v1/prescriptions/{rx['id']}/fills", as_="tech",
        json={"batch_id": batch["id"], "quantity": 132, "large_print": large},
    )
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["large_print"] is large
    response = api.get(f"/api/v1/fills/{made.get_json()['id']}/label.pdf", as_="tech")
    assert response.status_code == 200, response.get_json()
    words = label_words(response.data)
    bedtime = [w for w in words if w["text"].startswith("bedtime")]
    assert min(w["size"] for w in bedtime) >= (14 if large else 11)
