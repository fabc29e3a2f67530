"""The prescriber form speaks plainly (issue 22): opioids flagged as typed from the
medications alone, errors beside their fields in plain words, no "step 1" for a fixed dose."""

from __future__ import annotations

from typing import Any

from tests.stock_support import verified_rx


def test_the_preview_flags_opioids_from_the_medications_alone(
    api: Any, browser_for: Any
) -> None:
    dr = browser_for("drA")
    flagged = dr.post("/preview/directions", {"patient.current_medications": "Percocet 5/325\n"
                                              "sertraline 50 mg"})
    assert flagged.status_code == 200
    (match,) = flagged.get_json()["opioids"]
    assert match["medication"] == "Percocet 5/325" and match["ingredient"] == "oxycodone"
    full = dr.post("/preview/directions", {
        "patient.current_medications": "tramadol 50 mg", "dosage_form": "capsule",
        "strength_mg": "4.5", "plan": "fixed", "dose_mg": "4.5", "days_supply": "30"})
    body = full.get_json()
    assert body["ok"] is True and [o["ingredient"] for o in body["opioids"]] == ["tramadol"]
    assert dr.post("/preview/directions", {}).get_json()["opioids"] == []


def test_errors_beside_fields_are_in_plain_words(api: Any, browser_for: Any) -> None:
    dr = browser_for("drA")
    page = dr.post("/prescriptions/new", {"dosage_form": "capsule", "strength_mg": "four",
                                          "plan": "fixed", "dose_mg": "4.5"})
    html = dr.text(page)
    assert page.status_code == 422
    assert "Missing data for required field." not in html
    assert "Not a valid number." not in html
    assert "Please fill in the patient&#39;s date of birth." in html
    assert 'id="strength_mg-error"' in html  # beside its field


def test_a_fixed_dose_is_not_called_step_1(api: Any, browser_for: Any) -> None:
    rx = verified_rx(api)
    tech = browser_for("tech")
    page = tech.text(tech.get(f"/prescriptions/{rx['id']}"))
    assert "Step 1" not in page
