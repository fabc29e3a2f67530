"""Code 128 barcodes: python-barcode encodes, reportlab draws the bars as vector rectangles."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import barcode  # type: ignore[import-untyped, unused-ignore]

from labels.errors import LabelDoesNotFit, LabelError

POINTS_PER_INCH = 72.0
QUIET_MODULES = 10  # quiet zone each side, in modules (Code 128 requires >= 10)
#: Narrowest module (X dimension) we print: 7.5 mil, what common label scanners resolve.
MIN_MODULE_PT = 0.0075 * POINTS_PER_INCH
#: Widest module we bother with: 3 dots of a 203 dpi thermal printer (14.8 mil).
MAX_MODULE_PT = 3 * POINTS_PER_INCH / 203
_DOT_203 = POINTS_PER_INCH / 203


@dataclass(frozen=True)
class Code128:
    data: str
    pattern: str  # '1' = bar module, '0' = space module (no quiet zones)
    bars: tuple[tuple[int, int], ...]  # (first module, width in modules), consecutive 1s merged

    @property
    def modules(self) -> int:
        """Total width in modules, quiet zones included."""
        return len(self.pattern) + 2 * QUIET_MODULES


@lru_cache(maxsize=4096)
def code128(data: str) -> Code128:
    """Encode ``data`` (printable ASCII) as Code 128 (cached)."""
    if not data or not data.isascii() or not data.isprintable():
        raise LabelError(f"cannot encode {data!r} as Code 128: printable ASCII only")
    encoder: Any = barcode.get_barcode_class("code128")(data, writer=None)
    built: Any = encoder.build()
    pattern = str(built[0])
    bars: list[tuple[int, int]] = []
    i, n = 0, len(pattern)
    while i < n:
        if pattern[i] == "1":
            j = i
            while j < n and pattern[j] == "1":
                j += 1
            bars.append((i, j - i))
            i = j
        else:
            i += 1
    return Code128(data, pattern, tuple(bars))


def choose_module(code: Code128, max_width_pt: float, stock_code: str, what: str) -> float:
    """Widest sensible module (X dimension) so the symbol, quiet zones included, fits.

    Prefers whole dots of a 203 dpi printer; never goes below ``MIN_MODULE_PT``.
    """
    fit = max_width_pt / code.modules
    if fit < MIN_MODULE_PT:
        need_in = code.modules * MIN_MODULE_PT / POINTS_PER_INCH
        raise LabelDoesNotFit(
            stock_code,
            f"the {what} barcode ({code.data!r}) needs {need_in:.2f} in at the minimum "
            f"scannable bar width; only {max_width_pt / POINTS_PER_INCH:.2f} in is available",
        )
    if fit >= MAX_MODULE_PT:
        return MAX_MODULE_PT
    dots = int(fit / _DOT_203 + 1e-9)
    if dots >= 2:
        return dots * _DOT_203
    return fit


def draw(canvas: Any, code: Code128, x: float, y: float, module: float, height: float) -> None:
    """Draw the bars with their left quiet zone starting at ``x``; ``y`` is the bar bottom."""
    path = canvas.beginPath()
    x0 = x + QUIET_MODULES * module
    for start, length in code.bars:
        path.rect(x0 + start * module, y, length * module, height)
    canvas.drawPath(path, stroke=0, fill=1)
