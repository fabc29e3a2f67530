"""The indication and conditions through the prescriber and phone-order forms (issue 25):
suggested from the bundled list, checked (ICD-10-CM), shown to the pharmacist with the
cautions, and acknowledged at verification where the rules require it."""

from __future__ import annotations

from typing import Any

from tests.conftest import PASSWORD
from tests.web.test_pages_prescriptions import GOOD, rx_id

CONTEXT = {
    "indication.text": "fibromyalgia",
    "indication.icd10": "M79.7",
    "patient.conditions": "liver disease",
    "patient.current_medications": "Synthroid 100 mcg",
}


def test_the_form_offers_the_common_indications(browser_for: Any) -> None:
    html = browser_for("drA").text(browser_for("drA").get("/prescriptions/new"))
    assert 'list="ldn-indications"' in html and '<option value="M79.7">fibromyalgia' in html
    assert 'name="patient.conditions"' in html


def test_a_malformed_code_lands_beside_its_field(browser_for: Any) -> None:
    client = browser_for("drA")
    response = client.post("/prescriptions/new", {**GOOD, **CONTEXT, "indication.icd10": "M797"})
    assert response.status_code == 422
    assert 'id="indication-icd10-error"' in client.text(response)


def test_the_pharmacist_sees_the_indication_and_cautions_and_acknowledges(
    browser_for: Any, api: Any
) -> None:
    pharmacist = browser_for("pharm")
    response = pharmacist.post("/pharmacist/orders/new", {
        **GOOD, **CONTEXT, "source": "phone",
        "prescriber_id": str(api.accounts["drA"].prescriber_id),
    })
    assert response.status_code == 302, pharmacist.text(response)
    page = pharmacist.text(pharmacist.get(response.headers["Location"]))
    assert "fibromyalgia" in page and "ICD-10-CM M79.7" in page
    assert "liver disease" in page and "thyroid hormone" in page
    assert 'id="acknowledge_warnings"' in page
    number = rx_id(response)
    refused = api.post(
        f"/api/v1/prescriptions/{number}/verify", as_="pharm", json={"password": PASSWORD}
    )
    assert refused.status_code == 409
