"""Today's work (issue 22): every counter on the pharmacist's and the technician's
dashboard links to a list of exactly the rows it counted, and an open recall is what the
recall service calls open."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from tests.conftest import PASSWORD
from tests.stock_support import (
    capsule_stock,
    fill,
    make_batch,
    receive,
    record_as_planned,
    released_batch,
    verified_rx,
)

COUNTER = re.compile(r'data-key="(\w+)"><a href="([^"]+)"><span class="n">(\d+)</span>')


def _label(api: Any, fill_id: int) -> None:
    assert api.get(f"/api/v1/fills/{fill_id}/label.pdf", as_="tech").status_code == 200


def _ready(api: Any, made: dict[str, Any], days_ago: int) -> None:
    from pharmacy.models import Fill
    from pharmacy.services.uow import current_db

    _label(api, made["id"])
    scanned = api.post(
        f"/api/v1/fills/{made['id']}/product-verification",
        as_="pharm",
        json={
            "scanned_label": made["label_barcode"],
            "scanned_lot": made["lot_number"],
            "quantity": made["quantity"],
            "password": PASSWORD,
        },
    )
    assert scanned.status_code == 200, scanned.get_json()
    ready = api.post(f"/api/v1/fills/{made['id']}/ready", as_="tech", json={"handover": "pickup"})
    assert ready.status_code == 200, ready.get_json()
    with current_db().transaction() as session:  # time passes on the will-call shelf
        session.execute(
            update(Fill)
            .where(Fill.id == made["id"])
            .values(ready_at=datetime.now(UTC) - timedelta(days=days_ago))
        )


def _filled(api: Any, rx: dict[str, Any], batch: dict[str, Any], quantity: int) -> dict[str, Any]:
    made = fill(api, rx["id"], batch["id"], quantity)
    assert made.status_code == 201, made.get_json()
    return dict(made.get_json())


@pytest.fixture
def busy_day(api: Any) -> dict[str, Any]:
    """Something behind every counter, and some look-alikes each counter must leave out."""
    from pharmacy.models import Batch
    from pharmacy.services.uow import current_db

    capsule_stock(api)
    shelf = released_batch(api, quantity=200)
    soon = released_batch(api, quantity=100)
    recalled = released_batch(api, quantity=100)
    unused = released_batch(api, quantity=100)
    with current_db().transaction() as session:  # one batch near its BUD
        session.execute(
            update(Batch).where(Batch.id == soon["id"]).values(bud=date.today() + timedelta(days=5))
        )
    assert record_as_planned(api, make_batch(api).get_json()).status_code == 200  # final check
    assert make_batch(api).status_code == 201  # in progress
    receive(api, "mcc", expiry=date.today().strftime("%Y-%m"), quantity=5)  # expires this month
    api.post(
        "/api/v1/prescriptions",
        as_="drA",
        json={
            "patient": {
                "first_name": "Sam",
                "last_name": "Submitted",
                "date_of_birth": "1980-02-02",
            },
            "dosage_form": "capsule",
            "strength_mg": 4.5,
            "dose_mg": 4.5,
            "quantity": 30,
            "days_supply": 30,
            "opioid_attestation": True,
        },
    )
    held = api.post(
        "/api/v1/prescriptions",
        as_="drA",
        json={
            "patient": {
                "first_name": "Hal",
                "last_name": "Held",
                "date_of_birth": "1960-03-03",
                "current_medications": ["tramadol 50 mg"],
            },
            "dosage_form": "capsule",
            "strength_mg": 4.5,
            "dose_mg": 4.5,
            "quantity": 30,
            "days_supply": 30,
            "opioid_attestation": True,
        },
    )
    assert held.get_json()["status"] == "on_hold", held.get_json()
    due = verified_rx(api, first="Dee", last="Due", refills=2, quantity=5, days=5)
    _filled(api, due, shelf, 5)  # filled (label to print), its supply ends within the week
    labeled = _filled(api, verified_rx(api, first="Lee", last="Labeled", refills=1), shelf, 30)
    _label(api, labeled["id"])
    _ready(api, _filled(api, verified_rx(api, first="Wei", last="Waiting"), shelf, 30), 10)
    _ready(api, _filled(api, verified_rx(api, first="Ned", last="Newready"), shelf, 30), 2)
    verified_rx(api, first="Tia", last="Tocompound")
    on_shelf = _filled(api, verified_rx(api, first="Rex", last="Recalled"), recalled, 30)
    for batch in (recalled, unused):
        done = api.post(
            f"/api/v1/batches/{batch['id']}/recall", as_="pharm", json={"reason": "supplier notice"}
        )
        assert done.status_code == 201, done.get_json()
    request = api.post(
        "/api/v1/refill-requests",
        as_="pharm",
        json={"prescription_id": due["id"], "source": "phone"},
    )
    assert request.status_code == 201, request.get_json()
    return {"recalled": recalled, "unused": unused, "on_shelf": on_shelf}


def _counters(browser: Any, path: str) -> dict[str, tuple[str, int]]:
    page = browser.text(browser.get(path))
    return {key: (url, int(n)) for key, url, n in COUNTER.findall(page)}


def _listed(browser: Any, url: str) -> tuple[int, int]:
    page = browser.text(browser.get(url))
    total = re.search(r'data-total="(\d+)"', page)
    assert total is not None, page
    return int(total.group(1)), len(re.findall(r'<tr data-row="\d+"', page))


@pytest.mark.parametrize(("who", "path"), [("pharm", "/pharmacist"), ("tech", "/bench")])
def test_each_count_links_to_exactly_what_it_counted(
    busy_day: dict[str, Any], browser_for: Any, who: str, path: str
) -> None:
    browser = browser_for(who)
    counters = _counters(browser, path)
    expected = {
        "pharm": {
            "to_verify": 1,
            "on_hold": 1,
            "awaiting_final_check": 1,
            "awaiting_product_check": 1,
            "refills_due": 1,
            "waiting_pickup": 1,
            "batches_near_bud": 1,
            "lots_expiring": 1,
            "open_recalls": 1,
            "refill_requests": 1,
        },
        "tech": {
            "to_compound": 1,
            "batches_in_progress": 1,
            "labels_to_print": 2,
            "refills_due": 1,
        },
    }[who]
    assert {key: n for key, (_url, n) in counters.items()} == expected
    for key, (url, count) in counters.items():
        assert url == f"/work/{key}"
        assert _listed(browser, url) == (count, count), key


def test_a_list_shows_only_its_counter_to_its_role(
    busy_day: dict[str, Any], browser_for: Any
) -> None:
    assert browser_for("tech").get("/work/open_recalls").status_code == 404
    assert browser_for("pharm").get("/work/no_such_list").status_code == 404
    assert browser_for("drA").get("/work/to_verify").status_code in (302, 403)


def test_an_open_recall_is_what_the_recall_service_calls_open(
    api: Any, busy_day: dict[str, Any]
) -> None:
    recalls = {r["id"]: r for r in api.get("/api/v1/recalls", as_="pharm").get_json()}
    by_batch = {r["batch_id"]: r for r in recalls.values()}
    # The recalled batch's fill is still in the pharmacy: open. The batch that reached no
    # fill and quarantined nothing: nothing left to do.
    assert by_batch[busy_day["recalled"]["id"]]["is_open"] is True
    assert by_batch[busy_day["unused"]["id"]]["is_open"] is False
    shown = api.get(
        f"/api/v1/recalls/{by_batch[busy_day['recalled']['id']]['id']}", as_="pharm"
    ).get_json()
    assert shown["is_open"] is True


def test_refills_due_follow_each_prescriptions_newest_fill(api: Any) -> None:
    """prescriptions.supply_ends_on (the refills-due index) is kept as fills are made and
    changed: the newest fill's day, whatever the order."""
    from sqlalchemy import select

    from pharmacy.models import Fill, Prescription
    from pharmacy.services.uow import current_db

    def due() -> list[int]:
        return [
            d["prescription_id"] for d in api.get("/api/v1/refills-due", as_="pharm").get_json()
        ]

    capsule_stock(api)
    batch = released_batch(api)
    rx = verified_rx(api, first="Ola", last="Often", refills=2, quantity=5, days=5)
    first = _filled(api, rx, batch, 5)
    assert due() == [rx["id"]]
    with current_db().transaction() as session:  # the first fill was, in fact, long ago
        fill_row = session.get(Fill, first["id"])
        assert fill_row is not None
        fill_row.filled_on = date.today() - timedelta(days=20)
    assert due() == []
    with current_db().transaction() as session:
        kept = session.execute(
            select(Prescription.supply_ends_on).where(Prescription.id == rx["id"])
        ).scalar_one()
    assert kept == date.today() - timedelta(days=15)
    _filled(api, rx, batch, 5)  # the refill, today: due again within the week
    assert due() == [rx["id"]]
