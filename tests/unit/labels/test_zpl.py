"""ZPL (issue 21): the same layout as the PDF label, native Code 128 holding the same data
the PDF's barcode decodes to, one ^XA…^XZ format per page. No app or database."""

from __future__ import annotations

import dataclasses
import re

import pytest

from labels import get_stock, render_batch_labels, render_patient_label
from labels.patient import layout_patient_label
from labels.zpl import (
    ops_to_zpl,
    render_batch_labels_zpl,
    render_patient_label_zpl,
)

from .label_samples import BATCH, FIXED, TITRATION
from .pdfcheck import decode_barcodes

FORMAT = re.compile(r"\^XA(.*?)\^XZ", re.S)
BARCODE = re.compile(r"\^BCN,\d+,N,N,N,A\^FH\\\^FD([^^]*)\^FS")
TEXT = re.compile(r"\^A0N,\d+\^FH\\\^FD([^^]*)\^FS")


def formats(zpl: bytes) -> list[str]:
    text = zpl.decode("utf-8")
    assert text.startswith("^XA") and text.rstrip().endswith("^XZ")
    return FORMAT.findall(text)


def unescape(data: str) -> str:
    return data.replace("\\5E", "^").replace("\\7E", "~").replace("\\5C", "\\")


@pytest.mark.parametrize("stock", ["4x3.5"])
def test_the_zpl_barcode_holds_what_the_pdf_barcode_scans_to(stock: str) -> None:
    content = dataclasses.replace(FIXED, barcode_data=f"{FIXED.rx_number}-1")
    pdf_codes = decode_barcodes(render_patient_label(content, get_stock(stock)))
    pages = formats(render_patient_label_zpl(content, get_stock(stock)))
    assert [unescape(d) for d in BARCODE.findall(pages[0])] == pdf_codes
    assert pdf_codes == [f"{FIXED.rx_number}-1"]


def test_every_text_run_of_the_layout_is_a_field_on_its_page() -> None:
    stock = get_stock("4x3.5")
    for content in (FIXED, TITRATION):
        layout = layout_patient_label(content, stock)
        pages = formats(render_patient_label_zpl(content, stock))
        assert len(pages) == len(layout)
        for ops, page in zip(layout, pages, strict=True):
            assert [unescape(t) for t in TEXT.findall(page)] == [t[4] for t in ops.texts]
    assert "^CI28" in pages[0] and f"^PW{round(4 * 203)}" in pages[0]


def test_positions_are_the_pdf_positions_in_dots_from_the_top() -> None:
    stock = get_stock("4x3.5")
    ops = layout_patient_label(TITRATION, stock)[0]
    page = formats(ops_to_zpl([ops], stock, dpi=300))[0]
    _font, size, x, y, s = ops.texts[0]
    expected = f"^FT{round(x * 300 / 72)},{round((stock.height_pt - y) * 300 / 72)}"
    assert expected + f"^A0N,{round(size * 300 / 72)}" in page
    assert s in page


def test_field_data_with_zpl_control_characters_is_escaped() -> None:
    content = dataclasses.replace(FIXED, patient_name="A^B~C\\D")
    zpl = render_patient_label_zpl(content, get_stock("4x3.5")).decode()
    assert "A\\5EB\\7EC\\5CD" in zpl and "A^B" not in zpl


def test_batch_labels_one_format_per_container_with_the_lot_barcode() -> None:
    content = dataclasses.replace(BATCH, containers=3)
    pages = formats(render_batch_labels_zpl(content, get_stock("4x2.5")))
    assert len(pages) == 3
    for page in pages:
        assert BARCODE.findall(page) == [BATCH.lot_number]
    pdf = render_batch_labels(content, get_stock("4x2.5"))
    assert decode_barcodes(pdf) == [BATCH.lot_number]


def test_same_input_same_bytes_and_no_pages_refused() -> None:
    stock = get_stock("4x3.5")
    assert render_patient_label_zpl(FIXED, stock) == render_patient_label_zpl(FIXED, stock)
    with pytest.raises(ValueError):
        ops_to_zpl([], stock)
