"""A titration filled one strength at a time: one course of several fills (issue 4 §4)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import event

from pharmacy.services.uow import current_db
from tests.api.test_printing import titration_rx
from tests.stock_support import capsule_stock, fill, released_batch


def text_of(data: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages).split()
    )


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL the app's engine runs inside the block."""
    seen: list[str] = []

    def statement(_conn: Any, _cursor: Any, sql: str, *_rest: Any) -> None:
        seen.append(sql)

    engine = current_db().engine
    event.listen(engine, "before_cursor_execute", statement)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)


@pytest.fixture
def strengths(api: Any) -> dict[str, Any]:
    capsule_stock(api)
    return {
        "1.5": released_batch(api, strength=1.5, quantity=100),
        "3": released_batch(api, strength=3, quantity=100),
        "4.5": released_batch(api, strength=4.5, quantity=100),
    }


def test_one_fill_per_strength_makes_one_course(api: Any, strengths: dict[str, Any]) -> None:
    rx = titration_rx(api)  # 1.5 mg × 14 d, 3 mg × 14 d, 4.5 mg × 30 d; no refills
    first = fill(api, rx["id"], strengths["1.5"]["id"], 14, steps=[0])
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["course_number"] == 0 and first.get_json()["is_refill"] is False
    # a fill of the whole course is refused while it is being filled by step
    assert fill(api, rx["id"], strengths["1.5"]["id"], 132).status_code == 409
    wrong_quantity = fill(api, rx["id"], strengths["3"]["id"], 28, steps=[1])
    assert wrong_quantity.status_code == 422
    assert "quantity" in wrong_quantity.get_json()["errors"]
    not_dividing = fill(api, rx["id"], strengths["4.5"]["id"], 14, steps=[1])
    assert not_dividing.status_code == 422
    second = fill(api, rx["id"], strengths["3"]["id"], 14, steps=[1])
    assert second.status_code == 201, second.get_json()
    assert fill(api, rx["id"], strengths["3"]["id"], 14, steps=[1]).status_code == 409
    third = fill(api, rx["id"], strengths["4.5"]["id"], 30, steps=[2])
    assert third.status_code == 201, third.get_json()
    assert {
        f["course_number"] for f in (first.get_json(), second.get_json(), third.get_json())
    } == {0}
    assert third.get_json()["refills_remaining"] == 0
    # the course is complete: another fill would be a refill, and none remain
    assert fill(api, rx["id"], strengths["1.5"]["id"], 14, steps=[0]).status_code == 409

    label = api.get(f"/api/v1/fills/{second.get_json()['id']}/label.pdf?stock=4x3.5", as_="tech")
    assert label.status_code == 200, label.get_json()
    text = text_of(label.data)
    assert "Naltrexone HCl 3 mg capsule" in text
    assert "Take 1 capsule (3 mg) by mouth at bedtime." in text
    # the fill's own record says what its label says: capsules of this batch's strength
    # (the prescription's 1.5 mg capsules would be 2 capsules here, 3 for the 4.5 mg step)
    for made, step_text in ((second, "Take 1 capsule (3 mg)"), (third, "Take 1 capsule (4.5 mg)")):
        record = made.get_json()
        assert step_text in record["directions"], record["directions"]
        assert "capsules" not in record["directions"]
        listed = api.get(f"/api/v1/prescriptions/{rx['id']}/fills", as_="tech").get_json()
        assert [f["directions"] for f in listed if f["id"] == record["id"]] == [
            record["directions"]
        ]
    start = date.today() + timedelta(days=14)
    assert f"{start:%b} {start.day}" in text
    assert "1.5 mg)" not in text  # only this fill's step

    leaflet = text_of(
        api.get(f"/api/v1/fills/{third.get_json()['id']}/leaflet.pdf", as_="tech").data
    )
    assert (
        "1 capsule of 1.5 mg" in leaflet
        and "1 capsule of 3 mg" in leaflet
        and "1 capsule of 4.5 mg" in leaflet
    )


def test_steps_only_for_capsule_titrations(api: Any, strengths: dict[str, Any]) -> None:
    from tests.stock_support import verified_rx

    rx = verified_rx(api, strength=4.5, quantity=30, days=30)
    response = fill(api, rx["id"], strengths["4.5"]["id"], 30, steps=[0])
    assert response.status_code == 422
    assert "steps" in response.get_json()["errors"]


def test_a_batch_of_another_strength_needs_steps(api: Any, strengths: dict[str, Any]) -> None:
    rx = titration_rx(api)
    response = fill(api, rx["id"], strengths["3"]["id"], 132)
    assert response.status_code == 422
    assert "batch_id" in response.get_json()["errors"]


def test_a_list_of_fills_reads_payments_and_pharmacy_details_once(
    api: Any, strengths: dict[str, Any]
) -> None:
    """Listing a prescription's fills reads every fill's payment and the pharmacy's details
    in one statement each, however many fills there are (not once a fill)."""
    rx = titration_rx(api)
    for strength, days, step in (("1.5", 14, 0), ("3", 14, 1), ("4.5", 30, 2)):
        made = fill(api, rx["id"], strengths[strength]["id"], days, steps=[step])
        assert made.status_code == 201, made.get_json()
    with statements() as seen:
        listed = api.get(f"/api/v1/prescriptions/{rx['id']}/fills", as_="tech")
    assert listed.status_code == 200 and len(listed.get_json()) == 3
    assert sum("FROM fill_payments" in sql for sql in seen) == 1
    assert sum("FROM pharmacy_details" in sql for sql in seen) == 1
    # Each fill's course is read once for its record's and its label's directions alike.
    course_reads = [sql for sql in seen if "fills.course_number =" in sql]
    assert len(course_reads) == 3, course_reads


def test_a_titration_label_reads_its_course_once(api: Any, strengths: dict[str, Any]) -> None:
    """The label's record of the fill and its own directions are dated from one read of
    the course (`directions_start`), not a read each."""
    rx = titration_rx(api)
    made = fill(api, rx["id"], strengths["1.5"]["id"], 14, steps=[0])
    assert made.status_code == 201, made.get_json()
    with statements() as seen:
        label = api.get(f"/api/v1/fills/{made.get_json()['id']}/label.pdf", as_="tech")
    assert label.status_code == 200, label.get_json()
    assert "Take 1 capsule (1.5 mg) by mouth at bedtime" in text_of(label.data)
    course_reads = [sql for sql in seen if "fills.course_number =" in sql]
    assert len(course_reads) == 1, course_reads
