"""The search page, the patient profile, today's work, refills and the favicon (issue 22)."""

from __future__ import annotations

import re
from typing import Any

from tests.stock_support import capsule_stock, fill, released_batch, verified_rx


def _world(api: Any) -> dict[str, Any]:
    capsule_stock(api)
    batch = released_batch(api)
    rx = verified_rx(
        api,
        refills=2,
        patient={
            "first_name": "Zoë",
            "last_name": "Łukasiewicz",
            "date_of_birth": "1985-11-23",
            "phone": "(217) 555-0123",
            "allergies": ["penicillin"],
            "current_medications": ["sertraline 50 mg"],
        },
    )
    assert fill(api, rx["id"], batch["id"], 30).status_code == 201
    return {"rx": rx, "batch": batch, "patient_id": rx["patient"]["id"]}


def test_search_page_finds_a_patient_by_part_of_the_name(api: Any, browser_for: Any) -> None:
    world = _world(api)
    pharm = browser_for("pharm")
    page = pharm.text(pharm.post("/search", {"q": "lukas"}))
    assert f'href="/patients/{world["patient_id"]}"' in page
    assert "Łukasiewicz, Zoë" in page
    empty = pharm.post("/search", {"q": ""})
    assert empty.status_code == 422 and "Type a name" in pharm.text(empty)


def test_profile_page_shows_fills_lots_and_starts_a_phone_order(api: Any, browser_for: Any) -> None:
    world = _world(api)
    pharm = browser_for("pharm")
    page = pharm.text(pharm.get(f"/patients/{world['patient_id']}"))
    assert world["batch"]["lot_number"] in page and "penicillin" in page
    assert "sertraline 50 mg" in page
    start = re.search(r'id="start-phone-order" href="([^"]+)"', page)
    assert start is not None
    form = pharm.text(pharm.get(start.group(1).replace("&amp;", "&")))
    assert 'value="Łukasiewicz"' in form and 'value="1985-11-23"' in form
    assert "penicillin" in form


def test_the_prescriber_picks_a_patient_they_have_seen(api: Any, browser_for: Any) -> None:
    world = _world(api)
    dr_a, dr_b = browser_for("drA"), browser_for("drB")
    form = dr_a.text(dr_a.get("/prescriptions/new"))
    assert f'<option value="{world["patient_id"]}">Łukasiewicz, Zoë' in form
    assert 'id="patient-picker"' not in dr_b.text(dr_b.get("/prescriptions/new"))
    filled = dr_a.text(dr_a.get(f"/prescriptions/new?patient_id={world['patient_id']}"))
    assert 'value="Łukasiewicz"' in filled
    assert dr_b.get(f"/prescriptions/new?patient_id={world['patient_id']}").status_code == 404


def test_dashboards_show_counts_with_links(api: Any, browser_for: Any) -> None:
    _world(api)
    api.post(
        "/api/v1/prescriptions",
        as_="drA",
        json={
            "patient": {"first_name": "New", "last_name": "Person", "date_of_birth": "1990-01-01"},
            "dosage_form": "capsule",
            "strength_mg": 4.5,
            "dose_mg": 4.5,
            "quantity": 30,
            "days_supply": 30,
            "opioid_attestation": True,
        },
    )
    pharm = browser_for("pharm")
    page = pharm.text(pharm.get("/pharmacist"))
    to_verify = re.search(r'data-key="to_verify"><a href="([^"]+)"><span class="n">(\d+)', page)
    assert to_verify is not None and to_verify.group(2) == "1"
    assert to_verify.group(1) == "/work/to_verify"
    tech = browser_for("tech")
    bench = tech.text(tech.get("/bench"))
    assert 'data-key="labels_to_print"' in bench and 'data-key="to_compound"' in bench


def test_a_refill_request_by_phone_reaches_the_queue(api: Any, browser_for: Any) -> None:
    world = _world(api)
    pharm = browser_for("pharm")
    sent = pharm.post(
        "/refill-requests",
        {
            "prescription_id": world["rx"]["id"],
            "source": "phone",
            "requested_by_name": "the patient",
            "back": f"/patients/{world['patient_id']}",
        },
    )
    assert sent.status_code == 302 and sent.headers["Location"].endswith(
        f"/patients/{world['patient_id']}"
    )
    queue = pharm.text(pharm.get("/refills"))
    assert world["rx"]["rx_number"] in queue and "the patient" in queue


def test_favicon_needs_no_sign_in(app: Any) -> None:
    response = app.test_client().get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"
