"""Label and document endpoints, the print queue and the print log (issue 5)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from tests.conftest import PASSWORD
from tests.stock_support import capsule_stock, fill, make_batch, released_batch


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def flat(text: str) -> str:
    return " ".join(text.split())


def titration_rx(api: Any) -> dict[str, Any]:
    body = {
        "patient": {
            "first_name": "Zoë",
            "last_name": "Łukasiewicz-Nguyễn",
            "date_of_birth": "1985-11-23",
        },
        "dosage_form": "capsule",
        "strength_mg": 1.5,
        "titration": [
            {"dose_mg": 1.5, "days": 14},
            {"dose_mg": 3, "days": 14},
            {"dose_mg": 4.5, "days": 30},
        ],
        "quantity": 132,
        "opioid_attestation": True,
    }
    rx = api.post("/api/v1/prescriptions", as_="drA", json=body).get_json()
    verified = api.post(
        f"/api/v1/prescriptions/{rx['id']}/verify", as_="pharm", json={"password": PASSWORD}
    )
    assert verified.status_code == 200, verified.get_json()
    return verified.get_json()


@pytest.fixture
def filled(api: Any) -> dict[str, Any]:
    capsule_stock(api)
    batch = released_batch(api, strength=1.5, quantity=200)
    rx = titration_rx(api)
    response = fill(api, rx["id"], batch["id"], 132)
    assert response.status_code == 201, response.get_json()
    return {"batch": batch, "rx": rx, "fill": response.get_json()}


def test_patient_label_has_the_patient_directions_and_warnings(
    api: Any, filled: dict[str, Any]
) -> None:
    response = api.get(f"/api/v1/fills/{filled['fill']['id']}/label.pdf", as_="tech")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    text = flat(pdf_text(response.data))
    assert "Zoë Łukasiewicz-Nguyễn" in text
    assert "Naltrexone HCl 1.5 mg capsule" in text
    assert "at bedtime" in text
    assert "opioid" in text.lower()
    assert filled["rx"]["rx_number"] in text
    assert filled["batch"]["lot_number"] in text


def test_reprint_needs_a_reason_and_is_logged(api: Any, filled: dict[str, Any]) -> None:
    fill_id = filled["fill"]["id"]
    assert api.get(f"/api/v1/fills/{fill_id}/label.pdf", as_="tech").status_code == 200
    again = api.get(f"/api/v1/fills/{fill_id}/label.pdf", as_="tech")
    assert again.status_code == 422
    assert "reason" in again.get_json()["errors"]
    reprint = api.get(f"/api/v1/fills/{fill_id}/label.pdf?reason=Label+smudged", as_="tech")
    assert reprint.status_code == 200
    log = api.get(
        f"/api/v1/print-log?document=patient_label&entity_id={fill_id}", as_="pharm"
    ).get_json()
    assert [(e["is_reprint"], e["reason"], e["printed_by"]) for e in log] == [
        (False, None, "tech"),
        (True, "Label smudged", "tech"),
    ]


def test_same_input_same_bytes_on_reprint(api: Any, filled: dict[str, Any]) -> None:
    fill_id = filled["fill"]["id"]
    first = api.get(f"/api/v1/fills/{fill_id}/label.pdf", as_="tech").data
    second = api.get(f"/api/v1/fills/{fill_id}/label.pdf?reason=jammed printer", as_="tech").data
    assert first == second


@pytest.mark.parametrize("stock", ["4x2.5", "4x3.5"])
def test_label_stocks(api: Any, filled: dict[str, Any], stock: str) -> None:
    response = api.get(f"/api/v1/fills/{filled['fill']['id']}/label.pdf?stock={stock}", as_="pharm")
    assert response.status_code == 200, response.get_json()
    assert "Zoë" in pdf_text(response.data)


def test_a_stock_too_small_for_the_whole_label_is_refused_naming_one_that_fits(
    api: Any, filled: dict[str, Any]
) -> None:
    # Issue 19: the 3 x 2 in label cannot carry the complete directions, the boxed opioid
    # warning and the details at 11 pt; it is refused, never cut or shrunk.
    response = api.get(f"/api/v1/fills/{filled['fill']['id']}/label.pdf?stock=3x2", as_="pharm")
    assert response.status_code == 409
    assert "4x2.5" in response.get_json()["message"]


def test_no_stock_named_prints_on_the_smallest_that_holds_the_label(
    api: Any, filled: dict[str, Any]
) -> None:
    from pypdf import PdfReader

    response = api.get(f"/api/v1/fills/{filled['fill']['id']}/label.pdf", as_="pharm")
    assert response.status_code == 200
    box = PdfReader(io.BytesIO(response.data)).pages[0].mediabox
    assert (float(box.width), float(box.height)) == (288.0, 180.0)


def test_unknown_stock_is_422(api: Any, filled: dict[str, Any]) -> None:
    response = api.get(f"/api/v1/fills/{filled['fill']['id']}/label.pdf?stock=9x9", as_="tech")
    assert response.status_code == 422
    assert "stock" in response.get_json()["errors"]


def test_leaflet_has_the_dated_schedule(api: Any, filled: dict[str, Any]) -> None:
    response = api.get(f"/api/v1/fills/{filled['fill']['id']}/leaflet.pdf", as_="tech")
    assert response.status_code == 200
    text = flat(pdf_text(response.data))
    assert "Zoë" in text and "bedtime" in text
    assert "1.5 mg" in text and "3 mg" in text and "4.5 mg" in text
    assert "surgery" in text.lower()


def test_batch_labels_one_per_container(api: Any, filled: dict[str, Any]) -> None:
    batch = filled["batch"]  # 220 made, 132 dispensed: 88 on hand
    response = api.get(
        f"/api/v1/batches/{batch['id']}/labels.pdf?containers=4&quantity_per_container=22",
        as_="tech",
    )
    assert response.status_code == 200, response.get_json()
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 4
    assert batch["lot_number"] in pdf_text(response.data)
    # More than is on hand (though not more than was made) is refused.
    too_many = api.get(
        f"/api/v1/batches/{batch['id']}/labels.pdf?containers=2&quantity_per_container=50&reason=x y z",
        as_="tech",
    )
    assert too_many.status_code == 422
    assert "88" in too_many.get_json()["message"] + str(too_many.get_json()["errors"])
    # Without a quantity each container gets an equal share of whole capsules, or an error.
    halves = api.get(f"/api/v1/batches/{batch['id']}/labels.pdf?containers=2&reason=reprint", as_="tech")
    assert halves.status_code == 200, halves.get_json()
    assert "44 capsules" in flat(pdf_text(halves.data))
    thirds = api.get(f"/api/v1/batches/{batch['id']}/labels.pdf?containers=3&reason=reprint", as_="tech")
    assert thirds.status_code == 422
    assert "quantity_per_container" in thirds.get_json()["errors"]


def test_worksheet_lists_components_and_bud(api: Any, filled: dict[str, Any]) -> None:
    batch = filled["batch"]
    response = api.get(f"/api/v1/batches/{batch['id']}/worksheet.pdf", as_="pharm")
    assert response.status_code == 200
    text = flat(pdf_text(response.data))
    assert batch["lot_number"] in text
    assert "naltrexone" in text.lower()


def test_unreleased_batch_cannot_be_labelled(api: Any) -> None:
    capsule_stock(api)
    batch = make_batch(api).get_json()
    assert api.get(f"/api/v1/batches/{batch['id']}/labels.pdf", as_="tech").status_code == 409
    assert api.get(f"/api/v1/batches/{batch['id']}/worksheet.pdf", as_="tech").status_code == 200


def test_recalled_batch_fill_cannot_be_labelled(api: Any, filled: dict[str, Any]) -> None:
    recalled = api.post(
        f"/api/v1/batches/{filled['batch']['id']}/recall",
        as_="pharm",
        json={"reason": "Failed assay"},
    )
    assert recalled.status_code in (200, 201), recalled.get_json()
    assert api.get(f"/api/v1/fills/{filled['fill']['id']}/label.pdf", as_="tech").status_code == 409


def test_print_queue(api: Any, filled: dict[str, Any]) -> None:
    queue = api.get("/api/v1/print-queue", as_="tech").get_json()
    assert [item["fill_id"] for item in queue] == [filled["fill"]["id"]]
    printed = api.post("/api/v1/print-queue/print", as_="tech", json={})
    assert printed.status_code == 200
    assert "Zoë" in pdf_text(printed.data)
    assert api.get("/api/v1/print-queue", as_="tech").get_json() == []
    assert api.post("/api/v1/print-queue/print", as_="tech", json={}).status_code == 409


@pytest.mark.parametrize("role", ["drA", "admin"])
def test_prescribers_and_admins_cannot_print(api: Any, filled: dict[str, Any], role: str) -> None:
    assert api.get(f"/api/v1/fills/{filled['fill']['id']}/label.pdf", as_=role).status_code == 403
    assert api.get("/api/v1/print-queue", as_=role).status_code == 403


def test_missing_fill_is_404(api: Any) -> None:
    assert api.get("/api/v1/fills/99999/label.pdf", as_="tech").status_code == 404
    assert PASSWORD


def test_recall_report_pdf(api: Any, filled: dict[str, Any]) -> None:
    recalled = api.post(
        f"/api/v1/batches/{filled['batch']['id']}/recall",
        as_="pharm",
        json={"reason": "Failed assay"},
    ).get_json()
    response = api.get(f"/api/v1/recalls/{recalled['id']}/report.pdf", as_="pharm")
    assert response.status_code == 200, response.get_json()
    text = flat(pdf_text(response.data))
    assert "Zoë" in text and filled["rx"]["rx_number"] in text and "Failed assay" in text
    assert api.get(f"/api/v1/recalls/{recalled['id']}/report.pdf", as_="tech").status_code == 403


def test_a_dispensed_prescription_cannot_be_voided_or_corrected(api: Any, filled: dict[str, Any]) -> None:
    rx_id = filled["rx"]["id"]
    assert api.post(f"/api/v1/prescriptions/{rx_id}/void", as_="pharm", json={"reason": "oops"}).status_code == 409


def test_label_warnings_are_the_rules_in_force(api: Any, filled: dict[str, Any]) -> None:
    from pharmacy.audit import SYSTEM
    from pharmacy.services.rules import change_rule
    from pharmacy.services.uow import current_db

    warnings = [
        "Do not take opioid pain, cough or diarrhoea medicines: sudden withdrawal may occur.",
        "Carry the naltrexone alert card.",
    ]
    with current_db().transaction() as session:
        change_rule(session, SYSTEM, "label_warnings", warnings, "Pharmacy SOP 7 (2026)")
    response = api.get(f"/api/v1/fills/{filled['fill']['id']}/label.pdf", as_="tech")
    text = flat(pdf_text(response.data))
    assert "Carry the naltrexone alert card." in text
    assert "Vivid dreams" not in text
