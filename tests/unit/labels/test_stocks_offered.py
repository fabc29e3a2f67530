"""Which stocks are offered for a container label (issue 19): a stock is offered only if
it can hold one at all, measured: the 3 × 2 in label holds no container label in any form,
plan or language at the 11 pt floor, so it is not offered for one (batch labels still use
it); every other label stock holds at least a one-dose label, and the stocks that hold a
given label are offered smallest first. Letter paper is not offered (not a label)."""

from __future__ import annotations

import pytest

from labels import STOCKS, get_stock, render_patient_label
from labels.patient import fits
from pharmacy.services.printing.rendering import container_label_stocks, stocks_holding
from schema.printing import CONTAINER_STOCKS_TEXT

from .label_samples import FIXED
from .pdfcheck import pages, squash
from .test_container_label import PLANS, content


def test_a_stock_is_offered_for_container_labels_exactly_when_it_can_hold_one() -> None:
    # Letter paper holds the label but is no label for a container: never offered.
    assert not get_stock("letter").container_label and fits(FIXED, get_stock("letter"))
    for stock in (s for s in STOCKS.values() if s.kind == "thermal"):
        holds_any = any(
            fits(content(form, plan, lang, False), stock)
            for (form, plan) in PLANS
            for lang in ("en", "es")
        )
        assert stock.container_label is holds_any, stock.code
        if stock.container_label:
            assert fits(FIXED, stock), stock.code
    assert not get_stock("3x2").container_label
    assert [s.code for s in container_label_stocks()] == ["4x2.5", "4x3.5"]


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("form", ["capsule", "liquid"])
def test_every_stock_offered_for_a_titration_holds_it_whole(form: str, lang: str) -> None:
    c = content(form, "titration", lang, False)
    offered = stocks_holding((c,))
    assert offered and "3x2" not in [s.code for s in offered]
    sizes = [s.width_pt * s.height_pt for s in offered if s.kind == "thermal"]
    assert sizes == sorted(sizes)
    for stock in offered:
        first = squash(pages(render_patient_label(c, stock))[0])
        assert squash(c.directions[0]) in first and squash(c.warnings[0]) in first
    for stock in container_label_stocks():
        if stock not in offered:
            assert not fits(c, stock)


def test_the_api_description_names_the_stocks_offered() -> None:
    for stock in container_label_stocks():
        assert stock.code in CONTAINER_STOCKS_TEXT
    assert "3x2 holds no container label" in CONTAINER_STOCKS_TEXT
