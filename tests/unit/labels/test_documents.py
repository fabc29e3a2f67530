"""Batch labels and the letter documents (worksheet, leaflet, recall report)."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from labels import (
    DEFAULT_LDN_WARNINGS,
    LIQUID_AUXILIARY_REFRIGERATED,
    LabelDoesNotFit,
    get_stock,
    render_batch_labels,
    render_leaflet,
    render_recall_report,
    render_worksheet,
)
from labels.common import fmt_date

from .label_samples import BATCH, leaflet, recall, worksheet
from .pdfcheck import all_text, decode_barcodes, page_count, page_size, pages, runs, squash


@pytest.mark.parametrize("stock", ["4x2.5", "4x3.5", "3x2", "letter"])
def test_batch_labels_one_page_per_container_each_with_the_lot_barcode(stock: str) -> None:
    st = get_stock(stock)
    pdf = render_batch_labels(BATCH, st)
    assert page_count(pdf) == BATCH.containers
    for i, text in enumerate(pages(pdf)):
        t = squash(text)
        for item in (
            BATCH.preparation,
            BATCH.strength,
            BATCH.form,
            BATCH.quantity_per_container,
            BATCH.lot_number,
            fmt_date(BATCH.bud),
            BATCH.storage,
            fmt_date(BATCH.compounded_on),
            "Compounded preparation",
            f"Container {i + 1} of {BATCH.containers}",
        ):
            assert squash(item) in t, (item, stock)
        for r in runs(pdf, i):
            assert st.margin_pt - 0.01 <= r.x and r.y - 0.24 * r.size >= st.margin_pt - 0.01
            assert r.y + 0.76 * r.size <= st.height_pt - st.margin_pt
        assert decode_barcodes(pdf, i + 1) == [BATCH.lot_number]


def test_batch_labels_are_deterministic_and_refuse_what_cannot_fit() -> None:
    st = get_stock("3x2")
    assert render_batch_labels(BATCH, st) == render_batch_labels(BATCH, st)
    with pytest.raises(LabelDoesNotFit, match="'3x2'"):
        render_batch_labels(dataclasses.replace(BATCH, storage="Keep cool. " * 200), st)
    with pytest.raises(ValueError, match="containers"):
        render_batch_labels(dataclasses.replace(BATCH, containers=0), st)


def test_worksheet_holds_the_compounding_record() -> None:
    c = worksheet()
    pdf = render_worksheet(c)
    assert page_size(pdf) == pytest.approx((612, 792))
    t = squash(all_text(pdf))
    for item in (
        c.lot_number,
        c.formula_code,
        c.formula_name,
        c.strength,
        c.quantity_to_make,
        c.compounded_at,
        "Tech Tomás García",
        c.bud_basis,
        c.storage,
        c.status,
        *[comp.item_name for comp in c.components],
        *[comp.manufacturer_lot for comp in c.components],
        *c.steps,
        *c.deviations,
        *c.qc_results,
        "OUT OF RANGE",
        "Checked by (pharmacist)",
    ):
        assert squash(str(item)) in t, item
    assert decode_barcodes(pdf, 1) == [c.lot_number]


def test_long_worksheet_runs_over_pages_with_page_numbers() -> None:
    pdf = render_worksheet(worksheet(steps=80))
    n = page_count(pdf)
    assert n >= 3
    texts = pages(pdf)
    for i, text in enumerate(texts, 1):
        assert f"Page {i} of {n}" in text
    assert render_worksheet(worksheet(steps=80)) == pdf


def test_leaflet_has_schedule_calendar_and_safety_text() -> None:
    c = leaflet(weeks=3)
    pdf = render_leaflet(c)
    t = squash(all_text(pdf))
    for item in (
        c.patient_name,
        c.drug_line,
        *c.directions,
        *c.warnings,
        *c.washout_text,
        *c.side_effects,
        *c.call_us_when,
        "bedtime",
        "Sleep",
        "72 hours",
    ):
        assert squash(item) in t, item
    for row in c.schedule:
        assert squash(fmt_date(row.start)) in t and squash(row.dose) in t
    assert "MonJan5" in t and "SunFeb15" in t  # one calendar row per day
    assert set(DEFAULT_LDN_WARNINGS) <= set(c.warnings)
    assert render_leaflet(c) == pdf


def test_recall_report_lists_every_contact_over_pages() -> None:
    c = recall(rows=120)
    pdf = render_recall_report(c)
    w, h = page_size(pdf)
    assert w > h  # landscape
    n = page_count(pdf)
    assert n > 2
    t = squash(all_text(pdf))
    for r in c.rows:
        for item in (r.patient_name, r.patient_phone, r.rx_number, r.prescriber_name):
            assert squash(item) in t
    assert squash(c.reason) in t and squash(c.subject) in t
    assert f"Page {n} of {n}" in pages(pdf)[-1]


def test_recall_report_with_nothing_dispensed() -> None:
    c = dataclasses.replace(recall(rows=0), batches=[])
    assert squash("No dispensed fills found.") in squash(all_text(render_recall_report(c)))


def test_leaflet_says_how_to_keep_the_fill_and_stops_at_its_use_by_date() -> None:
    c = dataclasses.replace(
        leaflet(weeks=3),
        bud=date(2026, 2, 1),
        storage="Refrigerate (2-8 °C).",
        auxiliary=LIQUID_AUXILIARY_REFRIGERATED,
    )
    t = squash(all_text(render_leaflet(c)))
    assert squash("How to keep it") in t and squash("Refrigerate (2-8 °C).") in t
    assert squash(f"Use by: {fmt_date(date(2026, 2, 1))}") in t
    for text in LIQUID_AUXILIARY_REFRIGERATED:
        assert squash(text) in t
    # Days after the use-by date are not ticked off from this bottle.
    assert "SunFeb1" in t and squash("Mon Feb 2 4.5 mg new supply") in t
