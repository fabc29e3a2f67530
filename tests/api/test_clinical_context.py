"""The prescription's clinical context over the API (issues 20 and 25): the indication with
its ICD-10-CM code, conditions kept with the patient, coded medications, the structured
screen, and cautions that a pharmacist acknowledges at verification."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from pharmacy.models import AuditEvent, Patient
from pharmacy.services.uow import current_db
from tests.api.test_prescriptions import body, fixed
from tests.conftest import PASSWORD


def post(api: Any, data: dict[str, Any]) -> Any:
    return api.post("/api/v1/prescriptions", as_="drA", json=data)


@pytest.mark.parametrize("code", ["M79.7", "G35", "K50.90", "E06.3", "G90.A", "K63.8219", "m79.7"])
def test_a_well_formed_icd10cm_code_is_kept(api: Any, code: str) -> None:
    response = post(api, body(indication={"text": "fibromyalgia", "icd10": code}))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["indication"] == {"text": "fibromyalgia", "icd10": code.upper()}


@pytest.mark.parametrize(
    "code", ["M797", "7M9.7", "M79.", "M79.77777", "MM9.7", "M7", "M79-7", "fibro", "M79 .7"]
)
def test_a_malformed_icd10cm_code_is_422_on_its_field(api: Any, code: str) -> None:
    response = post(api, body(indication={"text": "fibromyalgia", "icd10": code}))
    assert response.status_code == 422
    assert "indication.icd10" in response.get_json()["errors"]


def test_the_indication_code_is_optional(api: Any) -> None:
    response = post(api, body(indication={"text": "long COVID"}))
    assert response.status_code == 201
    assert response.get_json()["indication"] == {"text": "long COVID"}
    assert post(api, body()).get_json()["indication"] is None


def test_conditions_are_kept_with_the_patient_like_allergies(api: Any) -> None:
    first = post(api, body(patient={"conditions": ["liver disease"]}))
    assert first.status_code == 201
    assert first.get_json()["patient"]["conditions"] == ["liver disease"]
    second = post(api, body(patient={"conditions": ["asthma"]}))
    assert second.get_json()["patient"]["conditions"] == ["asthma"]  # as prescribed
    patient = current_db().session().execute(select(Patient)).scalar_one()
    assert patient.conditions == ["liver disease", "asthma"]  # never dropped


def test_a_liver_caution_is_acknowledged_at_verification_and_recorded(api: Any) -> None:
    rx = post(api, body(patient={"conditions": ["hepatitis C"]})).get_json()
    assert rx["status"] == "submitted" and rx["hold_reasons"] == []
    assert any("liver" in a for a in rx["acknowledgements_required"])
    assert [c["code"] for c in rx["screen"]["cautions"]] == ["liver"]
    url = f"/api/v1/prescriptions/{rx['id']}/verify"
    refused = api.post(url, as_="pharm", json={"password": PASSWORD})
    assert refused.status_code == 409
    verified = api.post(url, as_="pharm", json={"password": PASSWORD, "acknowledge_warnings": True})
    assert verified.status_code == 200
    event = current_db().session().execute(
        select(AuditEvent).where(AuditEvent.action == "prescription.verified")
    ).scalar_one()
    assert any("liver" in a for a in event.after["acknowledged"])


def test_a_thyroid_caution_informs_without_an_acknowledgement(api: Any) -> None:
    rx = post(api, body(patient={"current_medications": ["Synthroid 100 mcg"]})).get_json()
    assert rx["status"] == "submitted" and rx["acknowledgements_required"] == []
    assert any("thyroid" in w for w in rx["warnings"])


def test_a_coded_medication_holds_by_its_code(api: Any) -> None:
    data = body(patient={"current_medication_codes": [{"text": "tab 5 mg", "rxnorm": "7804"}]})
    rx = post(api, data).get_json()
    assert rx["status"] == "on_hold"
    assert any("RxNorm code 7804" in r for r in rx["hold_reasons"])
    assert rx["screen"]["opioids"][0]["ingredient"] == "oxycodone"
    assert rx["screen"]["opioids"][0]["how"] == "code"


def test_a_malformed_rxnorm_code_is_422(api: Any) -> None:
    data = body(patient={"current_medication_codes": [{"text": "x", "rxnorm": "abc"}]})
    response = post(api, data)
    assert response.status_code == 422
    assert "patient.current_medication_codes.0.rxnorm" in response.get_json()["errors"]


def test_naltrexone_already_taken_needs_an_acknowledgement(api: Any) -> None:
    rx = post(api, fixed(patient={"current_medications": ["naltrexone 50 mg tablet"]})).get_json()
    assert rx["hold_reasons"] == []
    assert any("duplicate therapy" in a for a in rx["acknowledgements_required"])


def test_the_patient_profile_shows_conditions_and_each_indication(api: Any) -> None:
    data = body(
        patient={"conditions": ["pregnancy"]},
        indication={"text": "Crohn's disease", "icd10": "K50.90"},
    )
    rx = post(api, data).get_json()
    profile = api.get(f"/api/v1/patients/{rx['patient']['id']}", as_="pharm").get_json()
    assert profile["patient"]["conditions"] == ["pregnancy"]
    assert profile["prescriptions"][0]["indication"] == {"text": "Crohn's disease", "icd10": "K50.90"}
