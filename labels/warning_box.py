"""The opioid warning on the container label: bold words in a ruled box beside a warning
pictogram (a black triangle with a white "!"), drawn as vectors (DOMAIN.md §9)."""

from __future__ import annotations

from labels.common import Ops
from labels.fonts import COND, COND_BOLD
from labels.layout import para

#: Border of the box, in points.
BOX_LINE_PT = 1.2


def warning_box(
    ops: Ops | None,
    warning: str,
    english: str,
    size: float,
    x: float,
    top: float,
    w: float,
) -> float:
    """Lay the boxed warning (and its English line, when given) from ``top`` in width
    ``w``; returns the height used. ``ops=None`` only measures."""
    pad = max(1.5, size * 0.2)
    side = size * 2.0  # the pictogram: about two lines of text high
    text_x = x + pad + side + pad
    text_w = w - (text_x - x) - pad
    y = top - pad
    y -= para(ops, warning, COND_BOLD, size, text_x, y, text_w)
    if english:
        y -= para(ops, english, COND, size, text_x, y, text_w)
    height = max(top - y, side + pad) + pad
    if ops is not None:
        inset = BOX_LINE_PT / 2
        ops.box(x + inset, top - height + inset, w - 2 * inset, height - 2 * inset, BOX_LINE_PT)
        ops.warning_sign(x + pad, top - pad - side * 0.9, side)
    return height
