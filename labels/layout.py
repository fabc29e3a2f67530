"""Top-down text placement into boxes: every line measured, wrapped and positioned."""

from __future__ import annotations

from labels.bidi import shaped, visual
from labels.common import Ops
from labels.fonts import width
from labels.text import wrap

LEADING = 1.18


def baseline(box_top: float, size: float, lead: float) -> float:
    """Baseline of a line whose box (height ``lead``) starts at ``box_top``: glyphs centred."""
    return box_top - (lead - size) / 2 - 0.76 * size


def para(
    ops: Ops | None,
    text: str,
    font: str,
    size: float,
    x: float,
    top: float,
    w: float,
    hang: float = 0.0,
    prefix: str = "",
    prefix_font: str | None = None,
) -> float:
    """Place ``text`` wrapped into width ``w`` from ``top``; returns the height used.

    ``prefix`` (e.g. a bold "Lot:" or a bullet) starts line 1; following lines are indented
    by ``hang`` (the width of the prefix when ``hang`` < 0). ``ops=None`` only measures.
    """
    lead = size * LEADING
    pfont = prefix_font or font
    first_avail: float | None = None
    pw = 0.0
    if prefix:
        pw = width(prefix + " ", pfont, size)
        first_avail = w - pw
        if hang < 0:
            hang = pw
    if hang > 0 and not prefix:
        first_avail = w
    # Wrapped in logical order (shaped first: joined Arabic forms have their own widths),
    # each line then drawn in visual order.
    lines = wrap(shaped(text), font, size, w - hang, first_avail)
    if ops is not None:
        y = top
        for i, line in enumerate(lines):
            b = baseline(y, size, lead)
            if i == 0 and prefix:
                ops.text(pfont, size, x, b, prefix)
                if line:
                    ops.text(font, size, x + pw, b, visual(line))
            elif i == 0:
                ops.text(font, size, x, b, visual(line))
            else:
                ops.text(font, size, x + hang, b, visual(line))
            y -= lead
    return lead * len(lines)
