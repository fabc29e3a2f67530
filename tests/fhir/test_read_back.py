"""Reading back what the pharmacy did: MedicationRequest by id and by search (a prescriber
sees only their own), MedicationDispense per prescription, and the CapabilityStatement."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.fhir.bundles import (
    bundle,
    liquid_request,
    medication_request,
    patient,
    statement,
    titration_request,
)
from tests.stock_support import capsule_stock, fill, released_batch


def _post(fhir: Any, as_: str = "drA", **kwargs: Any) -> dict[str, Any]:
    prescriber = kwargs.pop("prescriber", as_)
    response = fhir.post(bundle(fhir.npi(prescriber), **kwargs), as_=as_)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["entry"][2]["resource"]


def _mapped(request: dict[str, Any]) -> dict[str, Any]:
    """The elements the pharmacy maps, as comparable values."""

    def dose(instruction: dict[str, Any]) -> tuple[Any, ...]:
        quantity = instruction["doseAndRate"][0]["doseQuantity"]
        bounds = instruction["timing"]["repeat"].get("boundsDuration")
        return (
            instruction.get("sequence"),
            instruction["timing"]["repeat"]["when"],
            Decimal(str(quantity["value"])),
            quantity["code"],
            bounds and (bounds["value"], bounds["code"]),
        )

    dispense = request["dispenseRequest"]
    return {
        "status": request["status"],
        "intent": request["intent"],
        "medication": request["medicationCodeableConcept"]["text"],
        "dosage": sorted((dose(i) for i in request["dosageInstruction"]), key=lambda d: d[0] or 0),
        "quantity": (Decimal(str(dispense["quantity"]["value"])), dispense["quantity"]["code"]),
        "supply": dispense.get("expectedSupplyDuration", {}).get("value"),
        "refills": dispense.get("numberOfRepeatsAllowed", 0),
        "note": [n["text"] for n in request.get("note", [])],
        "identifier": [i for i in request["identifier"] if i.get("use") != "official"],
        "group": request.get("groupIdentifier"),
        "attested": request["extension"],
    }


@pytest.mark.parametrize("make", [medication_request, titration_request])
def test_round_trip(fhir: Any, make: Any) -> None:
    sent = make()
    created = _post(fhir, request=sent)
    read = fhir.get(f"/fhir/r4/MedicationRequest/{created['id']}")
    assert read.status_code == 200 and read.mimetype == "application/fhir+json"
    back = read.get_json()
    assert back == created
    expected = _mapped(sent)
    if make is titration_request:
        expected["supply"] = 58  # the plan's length, which the pharmacy computes
    assert _mapped(back) == expected
    assert back["subject"]["reference"].startswith("Patient/")
    assert back["requester"]["identifier"]["value"] == fhir.npi("drA")


def test_a_liquid_reads_back_in_mg(fhir: Any) -> None:
    back = _post(fhir, request=liquid_request())
    dose = back["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]
    assert (dose["value"], dose["code"]) == (2.5, "mg")
    assert back["dispenseRequest"]["quantity"]["code"] == "mL"


def test_search_by_patient_and_status(fhir: Any) -> None:
    first = _post(fhir)
    second = fhir.post(bundle(fhir.npi("drA"), statement("methadone 10 mg")))
    on_hold = second.get_json()["entry"][2]["resource"]
    other = _post(fhir, patient_resource=patient(name=[{"family": "Hopper", "given": ["Grace"]}]))
    patient_ref = first["subject"]["reference"]
    found = fhir.get(f"/fhir/r4/MedicationRequest?patient={patient_ref}").get_json()
    assert found["type"] == "searchset" and found["total"] == 2
    assert {e["resource"]["id"] for e in found["entry"]} == {first["id"], on_hold["id"]}
    held_only = fhir.get(
        f"/fhir/r4/MedicationRequest?patient={patient_ref}&status=on-hold"
    ).get_json()
    assert [e["resource"]["id"] for e in held_only["entry"]] == [on_hold["id"]]
    both = fhir.get("/fhir/r4/MedicationRequest?status=active,on-hold&_count=2").get_json()
    assert both["total"] == 3 and len(both["entry"]) == 2
    assert any(link["relation"] == "next" for link in both["link"])
    assert other["id"] not in {e["resource"]["id"] for e in held_only["entry"]}


def test_a_prescriber_sees_only_their_own(fhir: Any) -> None:
    mine = _post(fhir, as_="drA")
    theirs = _post(fhir, as_="drB")
    listed = fhir.get("/fhir/r4/MedicationRequest", as_="drA").get_json()
    assert [e["resource"]["id"] for e in listed["entry"]] == [mine["id"]]
    assert fhir.get(f"/fhir/r4/MedicationRequest/{theirs['id']}", as_="drA").status_code == 404
    assert (
        fhir.get(f"/fhir/r4/MedicationDispense?prescription={theirs['id']}", as_="drA").status_code
        == 404
    )
    staff = fhir.get("/fhir/r4/MedicationRequest", as_="pharm").get_json()
    assert staff["total"] == 2


@pytest.mark.parametrize(
    "query",
    [
        "status=bogus",
        "patient=Group/1",
        "patient=abc",
        "_count=0",
        "_count=1000",
        "subject=Patient/1",
        "_format=xml",
    ],
)
def test_bad_search_parameters(fhir: Any, query: str) -> None:
    response = fhir.get(f"/fhir/r4/MedicationRequest?{query}")
    assert response.status_code in (400, 406)
    assert response.get_json()["resourceType"] == "OperationOutcome"


def test_dispenses_of_a_prescription(fhir: Any) -> None:
    api = fhir.api
    capsule_stock(api)
    batch = released_batch(api)
    created = _post(fhir)
    rx_id = int(created["id"])
    empty = fhir.get(
        f"/fhir/r4/MedicationDispense?prescription=MedicationRequest/{rx_id}"
    ).get_json()
    assert empty["total"] == 0
    verified = api.post(
        f"/api/v1/prescriptions/{rx_id}/verify",
        as_="pharm",
        json={"password": PASSWORD, "acknowledge_warnings": True},
    )
    assert verified.status_code == 200, verified.get_json()
    filled = fill(api, rx_id, batch["id"], 30)
    assert filled.status_code == 201, filled.get_json()
    found = fhir.get(f"/fhir/r4/MedicationDispense?prescription={rx_id}").get_json()
    assert found["total"] == 1
    dispense = found["entry"][0]["resource"]
    assert dispense["resourceType"] == "MedicationDispense"
    assert dispense["status"] == "in-progress"
    assert "whenHandedOver" not in dispense
    assert dispense["authorizingPrescription"] == [{"reference": f"MedicationRequest/{rx_id}"}]
    assert dispense["quantity"]["value"] == 30
    assert dispense["contained"][0]["batch"]["lotNumber"] == batch["lot_number"]
    assert dispense["medicationReference"] == {"reference": "#compounded"}
    assert dispense["whenPrepared"].startswith(filled.get_json()["filled_on"])
    assert dispense["daysSupply"]["value"] == 30
    # Labelled, verified against the batch, made ready, picked up: handed over.
    made = filled.get_json()
    assert api.get(f"/api/v1/fills/{made['id']}/label.pdf", as_="tech").status_code == 200
    scan = {
        "scanned_label": made["label_barcode"],
        "scanned_lot": made["lot_number"],
        "quantity": 30,
        "password": PASSWORD,
    }
    path = f"/api/v1/fills/{made['id']}"
    assert api.post(f"{path}/product-verification", as_="pharm", json=scan).status_code == 200
    assert api.post(f"{path}/ready", as_="tech", json={"handover": "pickup"}).status_code == 200
    picked = api.post(
        f"{path}/pickup", as_="tech", json={"collected_by": "patient", "counselling_offered": True}
    )
    assert picked.status_code == 200, picked.get_json()
    handed = fhir.get(f"/fhir/r4/MedicationDispense?prescription={rx_id}").get_json()
    dispense = handed["entry"][0]["resource"]
    assert dispense["status"] == "completed"
    assert dispense["whenHandedOver"][:19] == picked.get_json()["dispensed_at"][:19]


def test_capability_statement(fhir: Any) -> None:
    response = fhir.api.client.get("/fhir/r4/metadata")  # no token needed to discover
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    statement_ = response.get_json()
    assert statement_["resourceType"] == "CapabilityStatement"
    assert statement_["fhirVersion"] == "4.0.1"
    rest = statement_["rest"][0]
    assert rest["interaction"] == [{"code": "transaction"}]
    supported = {r["type"]: r for r in rest["resource"]}
    assert set(supported) == {"MedicationRequest", "MedicationDispense"}
    assert [i["code"] for i in supported["MedicationRequest"]["interaction"]] == [
        "read",
        "search-type",
    ]
    assert {p["name"] for p in supported["MedicationRequest"]["searchParam"]} == {
        "patient",
        "status",
        "_count",
        "_offset",
    }
    assert [i["code"] for i in supported["MedicationDispense"]["interaction"]] == ["search-type"]
    assert {p["name"] for p in supported["MedicationDispense"]["searchParam"]} == {"prescription"}


def test_the_statement_lists_exactly_the_routes(fhir: Any) -> None:
    """Every FHIR route is in the CapabilityStatement, and nothing else is."""
    routes = set()
    for rule in fhir.api.app.url_map.iter_rules():
        if not rule.rule.startswith("/fhir/r4"):
            continue
        tail = rule.rule.removeprefix("/fhir/r4").strip("/")
        methods = (rule.methods or set()) - {"HEAD", "OPTIONS"}
        if tail == "metadata":
            continue
        if not tail:
            assert methods == {"POST"}
            routes.add(("system", "transaction"))
            continue
        kind, _, rest = tail.partition("/")
        assert methods == {"GET"}
        routes.add((kind, "read" if rest else "search-type"))
    rest = fhir.api.client.get("/fhir/r4/metadata").get_json()["rest"][0]
    declared = {("system", i["code"]) for i in rest["interaction"]} | {
        (r["type"], i["code"]) for r in rest["resource"] for i in r["interaction"]
    }
    assert routes == declared
