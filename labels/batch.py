"""Batch (stock) labels: one page per container, each with the lot-number barcode."""

from __future__ import annotations

import io
from dataclasses import dataclass

from labels import barcodes
from labels.common import Ops, fmt_date, new_canvas
from labels.content import BatchLabelContent
from labels.errors import LabelDoesNotFit
from labels.fonts import COND, COND_BOLD, SANS_BOLD
from labels.layout import LEADING, baseline, para
from labels.stocks import LabelStock
from labels.text import TooNarrow

MIN_KEY_PT = 9.0  # preparation and lot number
MIN_SMALL_PT = 6.0


@dataclass(frozen=True)
class _Scale:
    key: float
    small: float
    bar_h: float


_SCALES = (
    _Scale(14, 9, 0.40 * 72),
    _Scale(13, 8.5, 0.36 * 72),
    _Scale(12, 8, 0.32 * 72),
    _Scale(11, 7.5, 0.30 * 72),
    _Scale(10, 7, 0.26 * 72),
    _Scale(9.5, 6.5, 0.24 * 72),
    _Scale(9, 6, 0.22 * 72),
)


def _layout(c: BatchLabelContent, stock: LabelStock, s: _Scale, index: int) -> Ops | None:
    m = stock.margin_pt
    x, w = m, stock.width_pt - 2 * m
    top, bottom = stock.height_pt - m, m
    small = s.small
    gap = small * 0.45
    ops = Ops()
    foot = Ops()  # bottom zone: drawn after the top flow (reading order)
    code = barcodes.code128(c.lot_number)
    module = barcodes.choose_module(code, w, stock.code, "lot number")
    bw = code.modules * module
    lead = small * LEADING
    zone_top = bottom + s.bar_h + lead
    bx = x + (w - bw) / 2
    foot.code(code, bx, zone_top - s.bar_h, module, s.bar_h)
    hr = f"Lot {c.lot_number}"
    foot.text(
        COND,
        small,
        bx + barcodes.QUIET_MODULES * module,
        baseline(zone_top - s.bar_h, small, lead),
        hr,
    )

    y = top
    y -= para(ops, c.preparation, SANS_BOLD, s.key, x, y, w)
    y -= para(ops, f"LOT {c.lot_number}", SANS_BOLD, s.key, x, y, w)
    y -= gap
    ops.rule(x, y, x + w, 0.6)
    y -= gap
    col = (w - gap) / 2
    x2 = x + col + gap
    rows = (
        (("Strength", c.strength), ("Form", c.form)),
        (("BUD", fmt_date(c.bud)), ("Compounded on", fmt_date(c.compounded_on))),
    )
    for (l1, v1), (l2, v2) in rows:
        h1 = para(ops, v1, COND, small, x, y, col, hang=-1, prefix=l1 + ":", prefix_font=COND_BOLD)
        h2 = para(ops, v2, COND, small, x2, y, col, hang=-1, prefix=l2 + ":", prefix_font=COND_BOLD)
        y -= max(h1, h2)
    # The batch as made; what this container holds is said apart, with its number.
    y -= para(
        ops,
        c.quantity_made,
        COND,
        small,
        x,
        y,
        w,
        hang=-1,
        prefix="Quantity made:",
        prefix_font=COND_BOLD,
    )
    y -= para(
        ops, c.storage, COND, small, x, y, w, hang=-1, prefix="Storage:", prefix_font=COND_BOLD
    )
    y -= gap
    y -= para(
        ops,
        c.quantity_per_container,
        COND,
        small,
        x,
        y,
        w,
        hang=-1,
        prefix=f"Container {index} of {c.containers} holds:",
        prefix_font=COND_BOLD,
    )
    footer = f"Compounded preparation \u00b7 {c.pharmacy.name}"
    y -= para(ops, footer, COND, small, x, y, w)
    if y < zone_top + gap:
        return None
    ops.extend(foot)
    return ops


def layout_batch_label(c: BatchLabelContent, stock: LabelStock, index: int = 1) -> Ops:
    try:
        for s in _SCALES:
            ops = _layout(c, stock, s, index)
            if ops is not None:
                return ops
    except TooNarrow as exc:
        raise LabelDoesNotFit(stock.code, f"text cannot be wrapped: {exc}") from None
    raise LabelDoesNotFit(
        stock.code,
        f"batch label for lot {c.lot_number} does not fit {stock.name} even at "
        f"{MIN_KEY_PT:g} pt / {MIN_SMALL_PT:g} pt; use a larger stock or shorter text",
    )


def check_batch_label(content: BatchLabelContent) -> None:
    if content.containers < 1:
        raise ValueError("containers must be at least 1")
    if not content.quantity_made.strip():
        raise ValueError("a batch label needs the quantity made")


def render_batch_labels(content: BatchLabelContent, stock: LabelStock) -> bytes:
    """``content.containers`` pages, one per container, each with the lot barcode."""
    check_batch_label(content)
    buf = io.BytesIO()
    canvas = new_canvas(
        buf, stock.pagesize, f"Batch labels lot {content.lot_number}", f"stock {stock.code}"
    )
    # The layout differs between pages only by the container number; each page is laid
    # out on its own so that a longer number still gets measured.
    for i in range(1, content.containers + 1):
        layout_batch_label(content, stock, i).draw(canvas)
        canvas.showPage()
    canvas.save()
    return buf.getvalue()
