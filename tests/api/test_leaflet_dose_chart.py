"""The leaflet draws the dose over time (issue 19 point 6): mg per day as steps with the
dates on the time axis, in the patient's language; a fixed dose is a flat line, and the
leaflet then says nothing about a dose going up."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any

import pdfplumber

from pharmacy.services.printing import language
from tests.api.test_printing import titration_rx
from tests.conftest import PASSWORD
from tests.stock_support import capsule_stock, fill, released_batch, verified_rx

RISING = re.compile(r"increas|\bsteps?\b|titrat|go(es)? up|aument|paso|titula", re.IGNORECASE)


def lines_of(pdf: bytes) -> list[str]:
    """Every page's words, a line per row (words that share a top), top to bottom."""
    out: list[str] = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            rows: dict[int, list[dict[str, Any]]] = {}
            for word in page.extract_words():
                rows.setdefault(round(word["top"]), []).append(word)
            for top in sorted(rows):
                out.append(" ".join(w["text"] for w in sorted(rows[top], key=lambda w: w["x0"])))
    return out


def leaflet(api: Any, fill_id: int) -> bytes:
    response = api.get(f"/api/v1/fills/{fill_id}/leaflet.pdf", as_="tech")
    assert response.status_code == 200, response.get_json()
    return bytes(response.data)


def test_a_titration_leaflet_draws_the_dose_over_time(api: Any) -> None:
    capsule_stock(api)
    batch = released_batch(api, strength=1.5, quantity=200)
    made = fill(api, titration_rx(api)["id"], batch["id"], 132)
    assert made.status_code == 201, made.get_json()
    start = date.fromisoformat(made.get_json()["filled_on"])
    lines = lines_of(leaflet(api, made.get_json()["id"]))
    heading = lines.index("Your dose over time")
    chart = lines[heading : heading + 20]
    assert "mg per day" in chart
    # The time axis: each step's first day, then the plan's last (14 + 14 + 30 days).
    days = [start, start + timedelta(14), start + timedelta(28), start + timedelta(57)]
    assert " ".join(language.short_date(d, "en") for d in days) in chart
    for dose in ("1.5 mg", "3 mg", "4.5 mg"):
        assert any(dose in line for line in chart), dose
    # A titration does speak of its steps (so the fixed dose's silence below means something).
    assert [line for line in lines if RISING.search(line)]


def test_a_fixed_dose_leaflet_is_a_flat_line_and_says_nothing_of_rising(api: Any) -> None:
    capsule_stock(api)
    batch = released_batch(api, strength=4.5, quantity=100)
    made = fill(api, verified_rx(api)["id"], batch["id"], 30)
    assert made.status_code == 201, made.get_json()
    start = date.fromisoformat(made.get_json()["filled_on"])
    lines = lines_of(leaflet(api, made.get_json()["id"]))
    heading = lines.index("Your dose over time")
    chart = lines[heading : heading + 20]
    assert "mg per day" in chart and "4.5 mg" in chart
    ends = [language.short_date(d, "en") for d in (start, start + timedelta(29))]
    assert " ".join(ends) in chart
    assert not [line for line in lines if RISING.search(line)]


def test_the_chart_is_in_the_patients_language(api: Any) -> None:
    capsule_stock(api)
    batch = released_batch(api, strength=4.5, quantity=100)
    rx = api.post(
        "/api/v1/prescriptions",
        as_="drA",
        json={
            "patient": {
                "first_name": "Lucía",
                "last_name": "Ortega",
                "date_of_birth": "1970-05-01",
                "language": "es",
            },
            "dosage_form": "capsule",
            "strength_mg": 4.5,
            "dose_mg": 4.5,
            "quantity": 30,
            "days_supply": 30,
            "opioid_attestation": True,
        },
    ).get_json()
    verified = api.post(
        f"/api/v1/prescriptions/{rx['id']}/verify", as_="pharm", json={"password": PASSWORD}
    )
    assert verified.status_code == 200, verified.get_json()
    made = fill(api, rx["id"], batch["id"], 30)
    start = date.fromisoformat(made.get_json()["filled_on"])
    lines = lines_of(leaflet(api, made.get_json()["id"]))
    heading = lines.index("Su dosis a lo largo del tiempo")
    chart = lines[heading : heading + 20]
    assert "mg por día" in chart
    ends = [language.short_date(d, "es") for d in (start, start + timedelta(29))]
    assert " ".join(ends) in chart
    assert not [line for line in lines if RISING.search(line)]
