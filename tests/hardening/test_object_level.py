"""Guarantee 2, object level: a prescriber never reaches another prescriber's patients,
prescriptions or fills, and no server-set field can be set through any input."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import url_for
from werkzeug.routing import IntegerConverter

from .helpers import rx_payload, submit, verify

SECRET_LAST_NAME = "Objectlevelsecret"

# Fields only the server sets. Sending any of them in any request body is a 422.
SERVER_SET = [
    "id",
    "status",
    "rx_number",
    "lot_number",
    "verified_by",
    "verified_by_user_id",
    "verified_at",
    "created_by_user_id",
    "created_at",
    "signature_name",
    "signature_meaning",
    "refills_remaining",
    "hold_reasons",
    "released_by",
    "released_by_user_id",
    "checked_by_user_id",
    "quantity_on_hand",
]


def _prescriber_routes(app: Any) -> list[Any]:
    from pharmacy.auth import declared_roles

    rules = []
    for rule in app.url_map.iter_rules():
        roles = declared_roles(app, rule.endpoint) or frozenset()
        if "prescriber" in roles and "*" not in roles:
            rules.append(rule)
    return rules


def _is_int(rule: Any, argument: str) -> bool:
    return isinstance(rule._converters[argument], IntegerConverter)  # noqa: SLF001


def _rule_for(app: Any, openapi_path: str, method: str | None = None) -> Any:
    """The Flask rule of an OpenAPI path (`/x/{id}` for `/x/<int:id>`), for that method
    when given (a path may have a GET and a POST with different roles)."""
    pattern = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
    for rule in app.url_map.iter_rules():
        if pattern.sub(r"{\1}", rule.rule) != openapi_path:
            continue
        if method is None or method.upper() in (rule.methods or ()):
            return rule
    return None


def test_other_prescribers_objects_are_404(api: Any) -> None:
    """drB has no objects at all, so any 2xx on an id route (API or page) with drA's ids is
    a leak, and nothing drB can list may mention drA's patient."""
    mine = submit(api, "drA", patient={"last_name": SECRET_LAST_NAME})
    ids = {mine["id"], mine["patient"]["id"]}
    leaks = []
    for rule in _prescriber_routes(api.app):
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        int_args = [a for a in rule.arguments if _is_int(rule, a)]
        for method in methods:
            if rule.arguments:
                if len(int_args) != len(rule.arguments):
                    continue
                for object_id in ids:
                    with api.app.test_request_context():
                        path = url_for(rule.endpoint, **{a: object_id for a in int_args})
                    body = {} if method != "GET" else None
                    response = api.call(method, path, as_="drB", json=body)
                    # (400: a page's POST without its CSRF token; the API route is the check)
                    if response.status_code not in (400, 403, 404, 422):
                        leaks.append(f"{method} {path} as drB: {response.status_code}")
                    if SECRET_LAST_NAME in response.get_data(as_text=True):
                        leaks.append(f"{method} {path} as drB shows drA's patient")
            elif method == "GET":
                with api.app.test_request_context():
                    path = url_for(rule.endpoint)
                response = api.get(path, as_="drB")
                if SECRET_LAST_NAME in response.get_data(as_text=True):
                    leaks.append(f"GET {path} as drB lists drA's patient")
    assert not leaks, "\n".join(leaks)


def test_prescriber_sees_only_own_prescriptions(api: Any) -> None:
    a = submit(api, "drA")
    b = submit(api, "drB", patient={"first_name": "Grace", "last_name": "Hopper"})
    assert api.get(f"/api/v1/prescriptions/{a['id']}", as_="drA").status_code == 200
    assert api.get(f"/api/v1/prescriptions/{a['id']}", as_="drB").status_code == 404
    assert api.get(f"/api/v1/prescriptions/{b['id']}", as_="drA").status_code == 404
    listed = api.get("/api/v1/prescriptions?per_page=100", as_="drB").get_json()
    assert [item["id"] for item in listed["items"]] == [b["id"]]
    # Staff see both.
    staff = api.get("/api/v1/prescriptions?per_page=100", as_="pharm").get_json()
    assert {item["id"] for item in staff["items"]} == {a["id"], b["id"]}


def test_a_shared_patient_shows_each_prescriber_only_what_they_sent(api: Any, raw: Any) -> None:
    # The same person (name and date of birth) from two prescribers: one patient record,
    # but neither prescriber sees what the other sent, and a later prescription that
    # leaves things out does not erase them from the record.
    first = submit(
        api,
        "drA",
        patient={
            "phone": "(217) 555-0100",
            "allergies": ["lactose"],
            "current_medications": ["sertraline 50 mg"],
        },
    )
    second = submit(
        api,
        "drB",
        patient={
            "address": "2 Other Road",
            "phone": "",
            "allergies": [],
            "current_medications": ["tramadol 50 mg"],
        },
    )
    assert first["patient"]["id"] == second["patient"]["id"]
    shown_to_b = [
        second["patient"],
        api.get(f"/api/v1/prescriptions/{second['id']}", as_="drB").get_json()["patient"],
    ]
    for patient in shown_to_b:
        assert patient["phone"] == "" and patient["allergies"] == []
        assert patient["current_medications"] == ["tramadol 50 mg"]
        assert patient["address"] == "2 Other Road"
    shown_to_a = api.get(f"/api/v1/prescriptions/{first['id']}", as_="drA").get_json()["patient"]
    assert shown_to_a["phone"] == "(217) 555-0100"
    assert shown_to_a["allergies"] == ["lactose"]
    assert shown_to_a["current_medications"] == ["sertraline 50 mg"]
    assert shown_to_a["address"] == "1 Example Street"
    # The record: the newest address and medications, the phone not blanked, the allergy kept.
    record = raw(
        "SELECT address, phone, allergies, current_medications FROM patients WHERE id = :id",
        id=first["patient"]["id"],
    ).one()
    assert record.address == "2 Other Road" and record.phone == "(217) 555-0100"
    assert "lactose" in str(record.allergies) and "tramadol" in str(record.current_medications)
    # A lactose filler is refused for the person whose record lists the allergy.
    refused = api.post(
        "/api/v1/prescriptions",
        as_="drB",
        json=rx_payload(filler="lactose", patient={"allergies": []}),
    )
    assert refused.status_code == 422
    assert "filler" in refused.get_json()["errors"]


def test_prescriber_cannot_prescribe_as_another(api: Any) -> None:
    other = api.accounts["drB"].prescriber_id
    response = api.post(
        "/api/v1/prescriptions", as_="drA", json=rx_payload(prescriber_id=other)
    )
    assert response.status_code == 422
    assert "prescriber_id" in response.get_json()["errors"]


@pytest.mark.parametrize("field", SERVER_SET)
def test_server_set_fields_refused_on_intake(api: Any, field: str) -> None:
    response = api.post("/api/v1/prescriptions", as_="drA", json=rx_payload(**{field: "x"}))
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    # Nested: the patient record's id and timestamps are the server's too.
    if field in ("id", "created_at"):
        response = api.post(
            "/api/v1/prescriptions", as_="drA", json=rx_payload(patient={field: 1})
        )
        assert response.status_code == 422
        assert f"patient.{field}" in response.get_json()["errors"]


def _json_operations(spec: dict[str, Any]) -> list[tuple[str, str]]:
    operations = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in ("post", "put", "patch", "delete"):
                continue
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" in content:
                operations.append((method.upper(), path))
    return operations


def test_request_schemas_expose_no_server_set_fields(api: Any) -> None:
    spec = api.get("/api/v1/openapi.json").get_json()
    schemas = spec.get("components", {}).get("schemas", {})
    problems = []
    for method, path in _json_operations(spec):
        operation = spec["paths"][path][method.lower()]
        ref = operation["requestBody"]["content"]["application/json"]["schema"].get("$ref", "")
        schema = schemas.get(ref.rsplit("/", 1)[-1], {})
        for name, prop in schema.get("properties", {}).items():
            if name in SERVER_SET and not prop.get("readOnly"):
                problems.append(f"{method} {path} accepts server-set field {name!r}")
    assert not problems, "\n".join(problems)


def test_server_set_fields_refused_on_every_json_operation(api: Any) -> None:
    """Every operation with a JSON body, for a role allowed to call it, refuses each
    server-set field with a 422 naming it (an unknown field is never silently dropped)."""
    from pharmacy.auth import declared_roles

    spec = api.get("/api/v1/openapi.json").get_json()
    rx = submit(api, "drA")
    accounts = {"pharmacist": "pharm", "technician": "tech", "prescriber": "drA", "admin": "admin"}
    problems = []
    for method, path in _json_operations(spec):
        rule = _rule_for(api.app, path, method)
        roles = declared_roles(api.app, rule.endpoint) if rule is not None else None
        if roles is None:
            continue
        order = ("pharmacist", "technician", "admin", "prescriber")
        role = next((r for r in order if r in roles or "*" in roles), None)
        if role is None:
            continue
        concrete = path
        for part in path.split("/"):
            if part.startswith("{"):
                concrete = concrete.replace(part, str(rx["id"]))
        for field in ("status", "rx_number", "verified_by_user_id", "lot_number", "id"):
            response = api.call(method, concrete, as_=accounts[role], json={field: "x"})
            errors = (response.get_json() or {}).get("errors", {})
            if response.status_code != 422 or field not in errors:
                problems.append(f"{method} {concrete} {field!r}: {response.status_code} {errors}")
    assert not problems, "\n".join(problems)


def test_verify_cannot_choose_the_verifier(api: Any) -> None:
    rx = submit(api, "drA")
    from .helpers import PASSWORD

    response = api.post(
        f"/api/v1/prescriptions/{rx['id']}/verify",
        as_="pharm",
        json={"password": PASSWORD, "verified_by_user_id": api.accounts["admin"].id},
    )
    assert response.status_code == 422
    assert verify(api, rx["id"]).get_json()["signature_name"] == "Pat Pharmacist"


WEB_FORM = {
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


def test_web_form_cannot_set_server_fields_or_another_prescriber(api: Any) -> None:
    """Pages take only the fields they name: extra form fields set nothing."""
    if "web.new_prescription" not in {r.endpoint for r in api.app.url_map.iter_rules()}:
        pytest.skip("no prescriber portal")
    from sqlalchemy import select

    from pharmacy.models import Prescription
    from pharmacy.services.uow import read_session
    from tests.web.helpers import Browser

    browser = Browser(api.app)
    assert browser.login("drA").status_code == 302
    forged = {
        **WEB_FORM,
        "status": "verified",
        "rx_number": "RX999999",
        "verified_by_user_id": str(api.accounts["pharm"].id),
        "prescriber_id": str(api.accounts["drB"].prescriber_id),
        "source": "phone",
        "id": "424242",
    }
    response = browser.post("/prescriptions/new", forged)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    rows = read_session().execute(select(Prescription)).scalars().all()
    assert len(rows) == 1
    for rx in rows:
        assert rx.status in ("submitted", "on_hold")
        assert rx.rx_number != "RX999999"
        assert rx.verified_by_user_id is None
        assert rx.prescriber_id == api.accounts["drA"].prescriber_id
        assert rx.source == "prescriber_portal"
        assert rx.id != 424242
