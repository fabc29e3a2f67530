"""Patient data never goes into a URL or back into an error message.

Bad values carrying a distinctive canary (a name, a phone, a date of birth, a medication)
are sent to the API, the FHIR intake and the pages; the error may name the field and what
is allowed, never the value. Every redirect's Location and every link or GET form the
pages build is checked for the canary, and so is the session cookie a flash message
travels in (Flask's cookie is signed, not encrypted: anyone holding it can read it).
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from typing import Any

import pytest

from tests.fhir.bundles import FHIR_JSON, bundle, medication_request, patient
from tests.web.helpers import Browser

from .helpers import rx_payload

BAD_DOB = "1985-13-45"
LONG_NAME = "Zzcanaryname" * 10  # 120 characters: over the 100 allowed
BAD_PHONE = "555-CANARY-PHONE"
BAD_LANGUAGE = "zz-canarylang"
LONG_ALLERGY = "Canaryallergen" * 10  # 140 characters: over the 100 allowed
LONG_MED = "Canarymedication" * 15  # 240 characters: over the 200 allowed
CANARIES = (BAD_DOB, "Zzcanaryname", "CANARY-PHONE", "canarylang", "Canaryallergen",
            "Canarymedication")

BAD_PATIENT: dict[str, Any] = {
    "first_name": LONG_NAME,
    "last_name": LONG_NAME,
    "date_of_birth": BAD_DOB,
    "phone": BAD_PHONE,
    "language": BAD_LANGUAGE,
    "allergies": [LONG_ALLERGY],
    "current_medications": [LONG_MED],
}


def _leaks(text: str) -> list[str]:
    return [canary for canary in CANARIES if canary.lower() in text.lower()]


def _assert_refused_without_echo(response: Any, *fields: str) -> None:
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    body = response.get_data(as_text=True)
    assert not _leaks(body), f"{_leaks(body)} echoed in {body}"
    for field in fields:
        assert field in body, f"the error does not name {field}: {body}"


# The API and the FHIR intake.


def test_api_intake_errors_name_fields_never_values(api: Any) -> None:
    response = api.post("/api/v1/prescriptions", as_="drA", json=rx_payload(patient=BAD_PATIENT))
    _assert_refused_without_echo(
        response, "patient.first_name", "patient.date_of_birth", "patient.phone",
        "patient.language", "patient.allergies", "patient.current_medications",
    )


def test_correction_errors_name_fields_never_values(api: Any) -> None:
    from .helpers import submit

    rx = submit(api)
    response = api.post(
        f"/api/v1/prescriptions/{rx['id']}/correct", as_="pharm",
        json={"reason": "Typo in the record", "prescription": rx_payload(patient=BAD_PATIENT)},
    )
    _assert_refused_without_echo(response, "patient.date_of_birth", "patient.phone")


def test_patient_list_errors_never_echo_the_date_of_birth(api: Any) -> None:
    # The contract's query string is pinned; what comes back must still not repeat it.
    response = api.get(f"/api/v1/patients?q=Zzcanaryname&date_of_birth={BAD_DOB}", as_="pharm")
    _assert_refused_without_echo(response, "date_of_birth")


@pytest.mark.parametrize(
    "changes",
    [
        {"birthDate": BAD_DOB},
        {"name": [{"family": LONG_NAME, "given": ["Zzcanaryname"]}]},
        {"birthDate": "1985-02-30"},
        {"telecom": [{"system": "phone", "value": BAD_PHONE}]},
        {"communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47",
                                                     "code": BAD_LANGUAGE}]}}]},
    ],
    ids=["birth-date", "long-name", "no-such-day", "phone", "language"],
)
def test_fhir_intake_outcomes_never_echo_patient_values(api: Any, changes: Any) -> None:
    from pharmacy.models import Prescriber
    from pharmacy.services.uow import read_session

    npi = str(read_session().get(Prescriber, api.accounts["drA"].prescriber_id).npi)
    body = bundle(npi, patient_resource=patient(**changes), request=medication_request())
    response = api.post("/fhir/r4", as_="drA", data=json.dumps(body),
                        headers={"Content-Type": FHIR_JSON})
    _assert_refused_without_echo(response)


# The pages.

FORM = {
    "patient.first_name": "Ada",
    "patient.last_name": "Lovelace",
    "patient.date_of_birth": "1970-05-01",
    "patient.current_medications": "sertraline 50 mg",
    "dosage_form": "capsule",
    "dose_basis": "hcl",
    "strength_mg": "1.5",
    "filler": "mcc",
    "plan": "template:standard-1.5",
    "refills": "0",
    "opioid_attestation": "on",
}
MESSAGE_PARTS = re.compile(
    r'<(?:span|div)[^>]*class="(?:field-error|form-summary|flash[^"]*)"[^>]*>(.*?)</(?:span|div)>',
    re.S,
)
URL_ATTRIBUTES = re.compile(r'(?:href|action|src|formaction)="([^"]*)"')


def _messages(html: str) -> str:
    return "\n".join(MESSAGE_PARTS.findall(html))


def _session_cookie(client: Browser) -> str:
    """The session cookie's payload as text (Flask's is base64 JSON, zlib when long)."""
    cookie = client.client.get_cookie("session")
    if cookie is None:
        return ""
    value = cookie.value
    compressed = value.startswith(".")
    payload = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(raw) if compressed else raw).decode("utf-8", "replace")


def _signed_in(app: Any, username: str) -> Browser:
    client = Browser(app)
    assert client.login(username).status_code == 302
    return client


def test_prescription_form_errors_never_echo_patient_values(app: Any, api: Any) -> None:
    client = _signed_in(app, "drA")
    bad = {**FORM, "patient.first_name": LONG_NAME, "patient.date_of_birth": BAD_DOB,
           "patient.phone": BAD_PHONE, "patient.language": BAD_LANGUAGE,
           "patient.allergies": LONG_ALLERGY, "patient.current_medications": LONG_MED}
    response = client.post("/prescriptions/new", bad)
    assert response.status_code == 422
    html = client.text(response)
    messages = _messages(html)
    assert "patient-date_of_birth-error" in html and messages
    assert not _leaks(messages), messages
    # What was typed stays in the form's fields, never in a link or an action.
    assert not _leaks(" ".join(URL_ATTRIBUTES.findall(html)))


def test_an_on_hold_notice_keeps_the_medications_out_of_the_cookie(app: Any, api: Any) -> None:
    """The hold reasons quote the medications as typed; the flash that announces the hold
    travels in the session cookie, so it must not carry them (the prescription page that
    follows lists them)."""
    client = _signed_in(app, "drA")
    response = client.post("/prescriptions/new",
                           {**FORM, "patient.current_medications": "Zzcanaryname oxycodone 5 mg",
                            "opioid_attestation": ""})
    assert response.status_code == 302, client.text(response)
    assert not _leaks(response.headers["Location"])
    assert "Zzcanaryname" not in _session_cookie(client)
    page = client.text(client.get(response.headers["Location"]))
    assert "on hold" in page and "Zzcanaryname oxycodone 5 mg" in page


def test_will_call_and_search_errors_never_echo_what_was_typed(app: Any, api: Any) -> None:
    client = _signed_in(app, "pharm")
    desk = client.post("/dispensing", {"name": "Zzcanaryname", "date_of_birth": BAD_DOB})
    assert desk.status_code == 422
    assert not _leaks(_messages(client.text(desk))), _messages(client.text(desk))
    assert not _leaks(" ".join(URL_ATTRIBUTES.findall(client.text(desk))))
    search = client.post("/search", {"q": "Zzcanaryname" * 30})
    assert not _leaks(_messages(client.text(search)))
    assert not _leaks(" ".join(URL_ATTRIBUTES.findall(client.text(search))))


def test_the_preview_refuses_patient_details_in_its_url(app: Any, api: Any) -> None:
    """The form POSTs its preview; a GET (the plan alone) carrying the medications in its
    query string is refused, naming the field, rather than read."""
    client = _signed_in(app, "drA")
    plan = {"dosage_form": "capsule", "strength_mg": "4.5", "dose_mg": "4.5",
            "days_supply": "30"}
    assert client.get("/preview/directions", query_string=plan).get_json()["ok"] is True
    asked = client.get("/preview/directions", query_string={
        **plan, "patient.current_medications": "Zzcanaryname oxycodone 5 mg"})
    assert asked.status_code == 400
    body = asked.get_json()
    assert list(body["errors"]) == ["patient.current_medications"]
    assert not _leaks(asked.get_data(as_text=True))
    posted = client.post("/preview/directions", {
        **plan, "patient.current_medications": "oxycodone 5 mg"}).get_json()
    assert posted["opioids"], posted
