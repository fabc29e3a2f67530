"""FHIR reasonCode is the prescription's indication (issue 25)."""

from __future__ import annotations

from typing import Any

from pharmacy.fhir.inbound import ICD10CM_SYSTEM
from pharmacy.models import Prescription
from pharmacy.services.uow import read_session
from tests.fhir.bundles import bundle, medication_request


def _reason(code: str) -> dict[str, Any]:
    return {
        "coding": [{"system": ICD10CM_SYSTEM, "code": code, "display": "Fibromyalgia"}],
        "text": "fibromyalgia",
    }


def test_reason_code_is_the_indication(fhir: Any) -> None:
    request = medication_request(reasonCode=[_reason("M79.7"), {"text": "insomnia"}])
    response = fhir.post(bundle(fhir.npi("drA"), request=request))
    assert response.status_code == 200, response.get_json()
    rx_id = int(response.get_json()["entry"][2]["resource"]["id"])
    session = read_session()
    session.expire_all()
    rx = session.get(Prescription, rx_id)
    assert rx is not None and rx.indication == {"text": "fibromyalgia", "icd10": "M79.7"}


def test_a_malformed_icd10cm_reason_is_refused_at_its_path(fhir: Any) -> None:
    request = medication_request(reasonCode=[_reason("M797")])
    response = fhir.post(bundle(fhir.npi("drA"), request=request))
    assert response.status_code == 422
    issues = response.get_json()["issue"]
    assert any("reasonCode[0].coding" in " ".join(i.get("expression", [])) for i in issues)
