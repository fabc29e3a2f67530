"""Dispensing pages (issue 21): the scan form, the desk with will-call and shipping, the
station chosen once per session, and the admin's print stations."""

from __future__ import annotations

from typing import Any

from tests.conftest import PASSWORD
from tests.stock_support import capsule_stock, fill, released_batch, verified_rx


def labelled(api: Any) -> dict[str, Any]:
    capsule_stock(api)
    batch = released_batch(api, strength=4.5, quantity=60)
    rx = verified_rx(api, quantity=30)
    made = fill(api, rx["id"], batch["id"], 30).get_json()
    assert api.get(f"/api/v1/fills/{made['id']}/label.pdf", as_="tech").status_code == 200
    return made


def test_scan_then_ready_then_pickup_on_the_pages(api: Any, browser_for: Any) -> None:
    made = labelled(api)
    pharm, tech = browser_for("pharm"), browser_for("tech")
    assert tech.get(f"/fills/{made['id']}/verify-product").status_code == 403
    url = f"/fills/{made['id']}/verify-product"
    form = {
        "scanned_label": made["label_barcode"],
        "scanned_lot": "NOPE-1",
        "quantity": "30",
        "password": PASSWORD,
    }
    refused = pharm.post(url, form)
    assert refused.status_code == 409
    assert "verify-result refused" in pharm.text(refused) and "NOPE-1" in pharm.text(refused)
    verified = pharm.post(url, {**form, "scanned_lot": made["lot_number"]})
    assert verified.status_code == 200 and "verify-result ok" in pharm.text(verified)
    ready = tech.post(f"/fills/{made['id']}/ready", {"handover": "pickup"})
    assert ready.status_code == 302
    # The will-call search is posted: the name and date of birth stay out of the address.
    desk = tech.text(tech.post("/dispensing", {"name": "lovelace", "date_of_birth": "1970-05-01"}))
    assert made["label_barcode"] in desk
    assert made["label_barcode"] not in tech.text(tech.post("/dispensing", {"name": "nobody"}))
    assert 'method="post"' in desk.split('id="will-call"')[1].split("</form>")[0]
    picked = tech.post(
        f"/fills/{made['id']}/pickup", {"collected_by": "patient", "counselling_offered": "on"}
    )
    assert picked.status_code == 302
    status = api.get(f"/api/v1/prescriptions/{made['prescription_id']}/dispensing", as_="drA")
    assert status.get_json()[0]["status"] == "dispensed"
    page = browser_for("drA").get(f"/prescriptions/{made['prescription_id']}")
    html = page.get_data(as_text=True)
    assert "dispensing-history" in html and "collected by the patient" in html
    assert "counselling offered" in html
    staff_page = tech.text(tech.get(f"/prescriptions/{made['prescription_id']}"))
    assert "product verified" in staff_page and "(pharm)" in staff_page


def test_admin_adds_a_station_and_the_technician_picks_it(api: Any, browser_for: Any) -> None:
    admin = browser_for("admin")
    bad = admin.post("/admin/printers", {"name": "x", "uri": "lpd://h/q", "stock": "4x2.5"})
    assert bad.status_code == 422 and "ipp://" in admin.text(bad)
    added = admin.post(
        "/admin/printers", {"name": "Bench Zebra", "uri": "socket://127.0.0.1:9", "stock": "4x2.5"}
    )
    assert added.status_code == 302
    assert "Bench Zebra" in admin.text(admin.get("/admin/printers"))
    tech = browser_for("tech")
    assert tech.get("/admin/printers").status_code == 403
    chosen = tech.post("/print-station", {"printer": "Bench Zebra"}, follow_redirects=True)
    assert "Labels print to Bench Zebra" in tech.text(chosen)
    made = labelled(api)
    page = tech.text(tech.get(f"/fills/{made['id']}"))
    assert "Print label to Bench Zebra" in page
    offline = tech.post(
        f"/fills/{made['id']}/label/print", {"reason": "reprint at bench"}, follow_redirects=True
    )
    assert "Not printed" in tech.text(offline) and "try again" in tech.text(offline)


def test_a_fill_past_the_limit_is_returned_to_stock_from_the_desk(
    api: Any, browser_for: Any
) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from pharmacy.models import Fill
    from pharmacy.services.uow import current_db

    made = labelled(api)
    pharm = browser_for("pharm")
    form = {
        "scanned_label": made["label_barcode"],
        "scanned_lot": made["lot_number"],
        "quantity": "30",
        "password": PASSWORD,
    }
    assert pharm.post(f"/fills/{made['id']}/verify-product", form).status_code == 200
    pharm.post(f"/fills/{made['id']}/ready", {"handover": "pickup"})
    assert "Return to stock" not in pharm.text(pharm.get("/dispensing"))
    with current_db().transaction() as session:
        session.execute(
            update(Fill)
            .where(Fill.id == made["id"])
            .values(ready_at=datetime.now(UTC) - timedelta(days=20))
        )
    assert "Return to stock" in pharm.text(pharm.get("/dispensing"))
    done = pharm.post(
        f"/fills/{made['id']}/return-to-stock", {"reason": "not collected"}, follow_redirects=True
    )
    assert "returned to stock" in pharm.text(done)
    history = api.get(f"/api/v1/prescriptions/{made['prescription_id']}/dispensing", as_="pharm")
    assert history.get_json()[0]["status"] == "returned"
