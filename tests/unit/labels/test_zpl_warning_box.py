"""The ZPL container label carries the opioid warning as the PDF does (issue 19): its text
inside a ruled ^GB box, beside the pictogram (a black triangle with a "!" printed reversed
out of it). No app or database."""

from __future__ import annotations

import re

import pytest

from labels import get_stock
from labels.warning_box import BOX_LINE_PT
from labels.zpl import DEFAULT_DPI, render_patient_label_zpl

from .label_samples import CAPSULE_TITRATION, TITRATION

FIRST = re.compile(r"\^XA(.*?)\^XZ", re.S)
TEXT = re.compile(r"\^FT(\d+),(\d+)\^A0N,(\d+)\^FH\\\^FD([^^]*)\^FS")
BOX = re.compile(r"\^FO(\d+),(\d+)(\^FR)?\^GB(\d+),(\d+),(\d+),B,0\^FS")


def first_format(zpl: bytes) -> str:
    match = FIRST.search(zpl.decode("utf-8"))
    assert match is not None
    return match.group(1)


@pytest.mark.parametrize(
    ("content", "stock"),
    [(CAPSULE_TITRATION, "4x2.5"), (CAPSULE_TITRATION, "4x3.5"), (TITRATION, "4x3.5")],
    ids=["capsule-4x2.5", "capsule-4x3.5", "liquid-4x3.5"],
)
def test_the_warning_text_sits_inside_a_graphic_box(content, stock: str) -> None:  # type: ignore[no-untyped-def]
    st = get_stock(stock)
    page = first_format(render_patient_label_zpl(content, st))
    texts = TEXT.findall(page)
    boxes = [
        tuple(int(v) for v in (x, y, w, h, t)) for x, y, fr, w, h, t in BOX.findall(page) if not fr
    ]
    # The ruled box: the thickness of the PDF's border, in dots.
    thickness = round(BOX_LINE_PT * DEFAULT_DPI / 72)
    ruled = [b for b in boxes if b[4] == thickness and b[2] > 100 and b[3] > 2 * thickness]
    assert len(ruled) == 1, boxes
    bx, by, bw, bh, _t = ruled[0]
    # Every line of the warning is a field whose baseline point lies inside the box, and
    # nothing else is.
    warning_words = content.warnings[0].split()
    inside = [
        (int(x), int(y), s)
        for x, y, _h, s in texts
        if bx < int(x) < bx + bw and by < int(y) < by + bh
    ]
    assert inside, "no text inside the box"
    assert " ".join(s for _x, _y, s in inside).split() == warning_words
    # The pictogram: filled black rows left of the text, and a reversed "!" on them.
    first_x = min(x for x, _y, _s in inside)
    rows = [
        b for b in boxes if b[4] == min(b[2], b[3]) and bx < b[0] < first_x and by < b[1] < by + bh
    ]
    assert len(rows) >= 8
    widths = [w for _x, _y, w, _h, _t in sorted(rows, key=lambda b: b[1])]
    assert widths == sorted(widths), "a triangle: each row as wide as the one above or wider"
    reversed_bars = [m for m in BOX.findall(page) if m[2]]
    assert len(reversed_bars) == 2


def test_the_shapes_come_before_the_text_and_the_output_is_stable() -> None:
    st = get_stock("4x2.5")
    zpl = render_patient_label_zpl(CAPSULE_TITRATION, st)
    assert zpl == render_patient_label_zpl(CAPSULE_TITRATION, st)
    page = first_format(zpl)
    assert page.index("^GB") < page.index("^A0N")
    assert "B,0^FS" in page and "^FR^GB" in page
