"""Patient labels: content, layout bounds, critical cluster, barcode, fitting rules."""

from __future__ import annotations

import dataclasses
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from labels import (
    DEFAULT_LDN_WARNINGS,
    STOCKS,
    LabelDoesNotFit,
    PatientLabelContent,
    UnsupportedCharacters,
    get_stock,
    render_patient_label,
    render_patient_labels,
)
from labels.common import fmt_date
from labels.fonts import width
from labels.patient import MIN_CRITICAL_PT, fits

from .label_samples import (
    CAPSULE_TITRATION,
    FIXED,
    LONG_NAME,
    PATIENT_SAMPLES,
    TITRATION,
    titration_steps,
)
from .pdfcheck import all_text, decode_barcodes, page_count, page_size, pages, runs, squash

THERMAL = [code for code, s in STOCKS.items() if s.kind == "thermal"]
ALL = [(name, code) for name in PATIENT_SAMPLES for code in [*THERMAL, "letter"]]
# Each sample on every stock that holds the whole label (the others are refused: see
# test_a_stock_that_cannot_hold_the_whole_label_is_refused).
CASES = [(name, code) for name, code in ALL if fits(PATIENT_SAMPLES[name], get_stock(code))]


def required(c: PatientLabelContent) -> list[str]:
    return [
        c.patient_name,
        c.drug_line,
        "Compounded preparation",
        fmt_date(c.bud),
        "BUD",
        c.storage,
        c.lot_number,
        c.rx_number,
        c.quantity,
        str(c.refills_remaining),
        fmt_date(c.fill_date),
        c.prescriber,
        c.pharmacy.name,
        c.pharmacy.address,
        c.pharmacy.phone,
        *c.warnings,
        *c.auxiliary,
    ]


@pytest.mark.parametrize(("sample", "stock"), CASES)
def test_every_required_element_is_printed(sample: str, stock: str) -> None:
    c = PATIENT_SAMPLES[sample]
    pdf = render_patient_label(c, get_stock(stock))
    text = squash(all_text(pdf))
    for item in required(c):
        assert squash(item) in text, f"{item!r} missing on {stock}"
    first = squash(pages(pdf)[0])
    # The complete directions and the opioid warning, on the label itself (page 1).
    for item in (*c.directions, c.warnings[0]):
        assert squash(item) in first, f"{item!r} not on the label on {stock}"
    assert "leaflet" not in first.lower()


@pytest.mark.parametrize(("sample", "stock"), ALL)
def test_a_stock_that_cannot_hold_the_whole_label_is_refused(sample: str, stock: str) -> None:
    c, st = PATIENT_SAMPLES[sample], get_stock(stock)
    if fits(c, st):
        render_patient_label(c, st)
        return
    with pytest.raises(LabelDoesNotFit) as info:
        render_patient_label(c, st)
    assert info.value.stock_code == stock
    assert any(fits(c, get_stock(code)) for code in THERMAL), "no label stock holds it"


@pytest.mark.parametrize(("sample", "stock"), CASES)
def test_text_stays_inside_the_label(sample: str, stock: str) -> None:
    st = get_stock(stock)
    pdf = render_patient_label(PATIENT_SAMPLES[sample], st)
    for page in range(page_count(pdf)):
        assert page_size(pdf, page) == pytest.approx(st.pagesize)
        for r in runs(pdf, page):
            m = st.margin_pt - 0.01
            assert r.x >= m, r
            assert r.y - 0.24 * r.size >= m, r
            assert r.y + 0.76 * r.size <= st.height_pt - m, r


@pytest.mark.parametrize(("sample", "stock"), CASES)
def test_lines_fit_the_width(sample: str, stock: str) -> None:
    """Every drawn line is at most the printable width in the font it was drawn in."""
    from labels.common import Ops
    from labels.patient import layout_patient_label

    st = get_stock(stock)
    for ops in layout_patient_label(PATIENT_SAMPLES[sample], st):
        assert isinstance(ops, Ops)
        for font, size, x, _y, s in ops.texts:
            assert x + width(s, font, size) <= st.width_pt - st.margin_pt + 1e-6, (s, stock)


@pytest.mark.parametrize(("sample", "stock"), CASES)
def test_critical_cluster_on_top_at_11_pt_or_more(sample: str, stock: str) -> None:
    c = PATIENT_SAMPLES[sample]
    rs = runs(render_patient_label(c, get_stock(stock)), 0)
    big = [r for r in rs if r.size >= MIN_CRITICAL_PT]
    small = [r for r in rs if r.size < MIN_CRITICAL_PT]
    assert min(r.y for r in big) > max(r.y for r in small)
    cluster = squash("".join(r.text for r in sorted(big, key=lambda r: (-r.y, r.x))))
    assert cluster.startswith(squash(c.patient_name + c.drug_line))
    assert squash("".join(c.directions)) in cluster
    top = max(rs, key=lambda r: r.y)
    assert squash(c.patient_name).startswith(squash(top.text))


@pytest.mark.parametrize(("sample", "stock"), CASES)
def test_rx_barcode_decodes(sample: str, stock: str) -> None:
    c = PATIENT_SAMPLES[sample]
    assert decode_barcodes(render_patient_label(c, get_stock(stock))) == [c.rx_number]


@pytest.mark.parametrize(("sample", "stock"), CASES)
def test_same_input_same_bytes(sample: str, stock: str) -> None:
    c = PATIENT_SAMPLES[sample]
    a = render_patient_label(c, get_stock(stock))
    b = render_patient_label(dataclasses.replace(c), get_stock(stock))
    assert a == b


def test_same_bytes_in_a_fresh_process() -> None:
    root = Path(__file__).resolve().parents[3]
    code = (
        f"import hashlib, sys; sys.path.insert(0, {str(root)!r});"
        "from tests.unit.labels.label_samples import FIXED;"
        "from labels import render_patient_label, get_stock;"
        "print(hashlib.sha256(render_patient_label(FIXED, get_stock())).hexdigest())"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    here = hashlib.sha256(render_patient_label(FIXED, get_stock())).hexdigest()
    assert out.stdout.strip() == here


def test_titration_prints_every_step_with_its_dates_when_they_fit() -> None:
    first = squash(pages(render_patient_label(TITRATION, get_stock("4x3.5")))[0])
    for step in (*TITRATION.directions, *TITRATION.dated_directions):
        assert squash(step) in first


def test_nine_steps_are_printed_whole_or_refused_never_pointed_to_the_leaflet() -> None:
    c = dataclasses.replace(TITRATION, directions=[" ".join(titration_steps(9))])
    for code in THERMAL:
        st = get_stock(code)
        if not fits(c, st):
            with pytest.raises(LabelDoesNotFit):
                render_patient_label(c, st)
            continue
        first = squash(pages(render_patient_label(c, st))[0])
        assert squash(c.directions[0]) in first


def test_longer_warnings_move_to_a_sticker_the_opioid_warning_never_does() -> None:
    c = dataclasses.replace(
        CAPSULE_TITRATION, warnings=(DEFAULT_LDN_WARNINGS[0], "Carry your alert card. " * 6)
    )
    st = get_stock("4x2.5")
    pdf = render_patient_label(c, st)
    assert page_count(pdf) == 2
    assert page_size(pdf, 1) == pytest.approx(st.pagesize)
    assert squash(DEFAULT_LDN_WARNINGS[0]) in squash(pages(pdf)[0])
    assert squash(DEFAULT_LDN_WARNINGS[0]) not in squash(pages(pdf)[1])
    assert squash("Carry your alert card.") in squash(pages(pdf)[1])


def test_warnings_stay_on_a_roomy_label() -> None:
    pdf = render_patient_label(FIXED, get_stock("4x3.5"))
    assert page_count(pdf) == 1


def test_very_long_warnings_continue_on_further_labels() -> None:
    long = tuple(f"Warning {i}: " + "do not do this dangerous thing " * 12 for i in range(6))
    c = dataclasses.replace(FIXED, warnings=(DEFAULT_LDN_WARNINGS[0], *long))
    pdf = render_patient_label(c, get_stock("4x2.5"))
    assert page_count(pdf) > 2
    text = squash(all_text(pdf))
    for w in long:
        assert squash(w) in text


@pytest.mark.parametrize(
    ("change", "stock"),
    [
        ({"directions": ["Take 1 capsule by mouth at bedtime. " * 85]}, "3x2"),
        ({"directions": ["x" * 3000]}, "4x2.5"),
        ({"patient_name": "Name " * 200}, "4x3.5"),
        ({"rx_number": "RX" + "9" * 80}, "3x2"),
        ({"drug_line": "Naltrexone " * 60}, "3x2"),
    ],
)
def test_impossible_content_raises_naming_the_stock(change: dict[str, object], stock: str) -> None:
    c = dataclasses.replace(FIXED, **change)  # type: ignore[arg-type]
    with pytest.raises(LabelDoesNotFit) as info:
        render_patient_label(c, get_stock(stock))
    assert info.value.stock_code == stock
    assert repr(stock) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_characters_the_font_cannot_draw_are_refused() -> None:
    c = dataclasses.replace(FIXED, patient_name="山田 太郎")
    with pytest.raises(UnsupportedCharacters, match="U\\+5C71"):
        render_patient_label(c, get_stock())


def test_many_labels_one_pdf_in_order() -> None:
    labels = [FIXED, TITRATION, LONG_NAME] * 4
    st = get_stock("4x3.5")
    pdf = render_patient_labels(labels, st)
    assert page_count(pdf) == len(labels)
    texts = pages(pdf)
    for c, text in zip(labels, texts, strict=True):
        assert squash(c.rx_number) in squash(text)


def test_many_labels_with_auxiliary_pages() -> None:
    sticker = (DEFAULT_LDN_WARNINGS[0], "Carry your alert card. " * 6)
    one = dataclasses.replace(CAPSULE_TITRATION, warnings=sticker)
    pdf = render_patient_labels([one, FIXED, one], get_stock("4x2.5"))
    texts = [squash(t) for t in pages(pdf)]
    assert len(texts) == 5
    assert squash(one.drug_line) in texts[0] and squash("Carry your alert") in texts[1]
    assert squash(FIXED.drug_line) in texts[2]
    assert squash(one.drug_line) in texts[3] and squash("Carry your alert") in texts[4]


def test_no_labels_is_an_error() -> None:
    with pytest.raises(ValueError, match="no labels"):
        render_patient_labels([], get_stock())


def test_no_raster_images() -> None:
    import io

    from pypdf import PdfReader

    pdf = render_patient_label(FIXED, get_stock())
    for page in PdfReader(io.BytesIO(pdf)).pages:
        assert "/XObject" not in page["/Resources"]


def test_long_name_on_the_smallest_stock_is_refused() -> None:
    with pytest.raises(LabelDoesNotFit, match="'3x2'.*11 pt or more"):
        render_patient_label(LONG_NAME, get_stock("3x2"))
