"""ZPL II for Zebra thermal printers: the same labels as the PDFs, from the same layout.

The patient and batch label layouts (``layout_patient_label``, ``layout_batch_label``) are
positioned drawing operations in points; here each becomes a ZPL field at the same place,
in printer dots: text in the printer's scalable font (``^A0``) on its baseline (``^FT``),
rules and the opioid warning's box as graphic boxes (``^GB``), the warning pictogram as a
black triangle of filled ``^GB`` rows with its "!" printed reversed (``^FR``) out of it, and
barcodes as native Code 128 (``^BC``) holding the same data as the PDF's, so a ZPL label
scans to the same barcode. Shapes are sent first, as the PDF draws them first. One ``^XA`` …
``^XZ`` format per page. Plain data in, bytes out; the same input gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

from labels import barcodes
from labels.batch import check_batch_label, layout_batch_label
from labels.common import Ops
from labels.content import BatchLabelContent, PatientLabelContent
from labels.patient import layout_patient_label
from labels.stocks import POINTS_PER_INCH, LabelStock

#: The resolution of most desktop Zebra printers (ZD420/ZD620 and the GK/GX range).
DEFAULT_DPI = 203
#: The pictogram's triangle is sent as filled rows this many dots high.
_ROW = 2
#: Characters with a meaning in ZPL field data, sent as hex escapes after ``^FH\``.
_ESCAPED = {"^": "\\5E", "~": "\\7E", "\\": "\\5C"}


def _field_data(text: str) -> str:
    return "".join(_ESCAPED.get(ch, ch) for ch in text)


class _Page:
    def __init__(self, stock: LabelStock, dpi: int) -> None:
        self.scale = dpi / POINTS_PER_INCH
        self.height_pt = stock.height_pt
        self.lines = [
            "^XA",
            "^CI28",  # field data is UTF-8
            f"^PW{self.dots(stock.width_pt)}",
            f"^LL{self.dots(stock.height_pt)}",
            "^LH0,0",
        ]

    def dots(self, points: float) -> int:
        return round(points * self.scale)

    def down(self, y_pt: float) -> int:
        """A PDF y (from the bottom, in points) as a ZPL y (from the top, in dots)."""
        return self.dots(self.height_pt - y_pt)

    def text(self, size: float, x: float, y: float, s: str) -> None:
        height = max(self.dots(size), 10)
        self.lines.append(
            f"^FT{self.dots(x)},{self.down(y)}^A0N,{height}^FH\\^FD{_field_data(s)}^FS"
        )

    def rule(self, x1: float, y: float, x2: float, thickness: float) -> None:
        t = max(self.dots(thickness), 1)
        top = self.down(y + thickness / 2)
        width = max(self.dots(x2 - x1), t)
        self.lines.append(f"^FO{self.dots(x1)},{top}^GB{width},{t},{t}^FS")

    def box(self, x: float, y: float, w: float, h: float, line_width: float) -> None:
        """A ruled box, ``(x, y)`` its bottom-left corner in points: ``^GB`` from its top-left
        corner, black, square corners."""
        t = max(self.dots(line_width), 1)
        width, height = max(self.dots(w), t), max(self.dots(h), t)
        self.lines.append(f"^FO{self.dots(x)},{self.down(y + h)}^GB{width},{height},{t},B,0^FS")

    def _fill(self, x: float, top: int, w: float, height: int, reverse: bool = False) -> None:
        """A filled bar ``height`` dots high from dot row ``top`` (thickness = the smaller
        side fills it); reversed (``^FR``) it prints white where black is below."""
        width = max(self.dots(w), 1)
        t = min(width, height)
        fr = "^FR" if reverse else ""
        self.lines.append(f"^FO{self.dots(x)},{top}{fr}^GB{width},{height},{t},B,0^FS")

    def warning_sign(self, x: float, y: float, side: float) -> None:
        """The PDF's pictogram: a black triangle (apex up, base ``side`` wide, ``0.9 side``
        high, from ``(x, y)`` its bottom-left) in rows of ``_ROW`` dots, and a white "!"."""
        top, bottom = self.down(y + side * 0.9), self.down(y)
        rows = max(bottom - top, 1)
        for row in range(top, bottom, _ROW):
            depth = (min(row + _ROW, bottom) - top) / rows  # 0 at the apex, 1 at the base
            half = side * depth / 2
            self._fill(x + side / 2 - half, row, 2 * half, min(_ROW, bottom - row))
        bar = side * 0.11
        for low, high in ((0.3, 0.66), (0.1, 0.1 + 0.11)):
            stroke_top = self.down(y + side * high)
            self._fill(
                x + side / 2 - bar / 2,
                stroke_top,
                bar,
                max(self.down(y + side * low) - stroke_top, 1),
                reverse=True,
            )

    def code(self, code: barcodes.Code128, x: float, y: float, module: float, h: float) -> None:
        module_dots = max(round(module * self.scale), 1)
        bars_x = x + barcodes.QUIET_MODULES * module
        height = max(self.dots(h), 1)
        # ^FT places a barcode by its bottom-left corner; mode A lets the printer choose
        # the code sets, so the data is taken as it is (no invocation characters).
        self.lines.append(
            f"^FT{self.dots(bars_x)},{self.down(y)}^BY{module_dots}"
            f"^BCN,{height},N,N,N,A^FH\\^FD{_field_data(code.data)}^FS"
        )

    def close(self) -> str:
        return "\n".join([*self.lines, "^PQ1", "^XZ"]) + "\n"


def ops_to_zpl(pages: Sequence[Ops], stock: LabelStock, dpi: int = DEFAULT_DPI) -> bytes:
    """Laid-out pages as ZPL formats, one ``^XA`` … ``^XZ`` per page."""
    if not pages:
        raise ValueError("no pages to print")
    if dpi <= 0:
        raise ValueError("dpi must be positive")
    out: list[str] = []
    for ops in pages:
        page = _Page(stock, dpi)
        for kind, x, y, w, h, line_width in ops.shapes:
            if kind == "box":
                page.box(x, y, w, h, line_width)
            elif kind == "warning":
                page.warning_sign(x, y, w)
            else:
                raise ValueError(f"no ZPL for the shape {kind!r}")
        for _font, size, x, y, s in ops.texts:
            page.text(size, x, y, s)
        for x1, y, x2, thickness in ops.rules:
            page.rule(x1, y, x2, thickness)
        for code, x, y, module, height in ops.codes:
            page.code(code, x, y, module, height)
        out.append(page.close())
    return "".join(out).encode("utf-8")


def render_patient_label_zpl(
    content: PatientLabelContent, stock: LabelStock, dpi: int = DEFAULT_DPI
) -> bytes:
    """The patient label (and any warning labels after it) as ZPL, laid out as the PDF."""
    return ops_to_zpl(layout_patient_label(content, stock), stock, dpi)


def render_batch_labels_zpl(
    content: BatchLabelContent, stock: LabelStock, dpi: int = DEFAULT_DPI
) -> bytes:
    """One ZPL format per container, each with the lot-number barcode, as the PDF."""
    check_batch_label(content)
    pages = [layout_batch_label(content, stock, i) for i in range(1, content.containers + 1)]
    return ops_to_zpl(pages, stock, dpi)
