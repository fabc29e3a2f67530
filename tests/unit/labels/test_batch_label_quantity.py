"""A batch (stock) label shows the quantity made; what a container holds is said apart,
with the container's number (issue 19). PDF and ZPL alike. No app or database."""

from __future__ import annotations

import dataclasses
import re

import pytest

from labels import get_stock, render_batch_labels
from labels.zpl import render_batch_labels_zpl

from .label_samples import BATCH
from .pdfcheck import pages, squash

CONTENT = dataclasses.replace(
    BATCH, quantity_made="220 capsules", quantity_per_container="22 capsules", containers=4
)


@pytest.mark.parametrize("stock", ["4x2.5", "4x3.5", "3x2"])
def test_each_page_gives_the_quantity_made_and_apart_what_its_container_holds(
    stock: str,
) -> None:
    texts = pages(render_batch_labels(CONTENT, get_stock(stock)))
    assert len(texts) == 4
    for i, text in enumerate(texts, start=1):
        t = squash(text)
        assert squash("Quantity made: 220 capsules") in t
        assert squash(f"Container {i} of 4 holds: 22 capsules") in t
        # Not the container's share under a bare "Quantity" heading, where it reads as
        # the batch's size.
        assert t.count("Quantity") == 1


def test_the_zpl_batch_label_says_the_same() -> None:
    zpl = render_batch_labels_zpl(CONTENT, get_stock("4x2.5")).decode()
    fields = re.findall(r"\^FD([^^]*)\^FS", zpl)
    assert "Quantity made:" in fields and fields.count("220 capsules") == 4
    assert [f for f in fields if f.startswith("Container ")] == [
        f"Container {i} of 4 holds:" for i in range(1, 5)
    ]


def test_a_batch_label_without_the_quantity_made_is_refused() -> None:
    blank = dataclasses.replace(BATCH, quantity_made=" ")
    with pytest.raises(ValueError, match="quantity made"):
        render_batch_labels(blank, get_stock("4x2.5"))
    with pytest.raises(ValueError, match="quantity made"):
        render_batch_labels_zpl(blank, get_stock("4x2.5"))
