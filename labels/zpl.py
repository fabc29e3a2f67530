"""ZPL II for Zebra thermal printers: the same labels as the PDFs, from the same layout.

The patient and batch label layouts (``layout_patient_label``, ``layout_batch_label``) are
positioned drawing operations in points; here each becomes a ZPL field at the same place,
in printer dots: text in the printer's scalable font (``^A0``) on its baseline (``^FT``),
rules as graphic boxes (``^GB``), and barcodes as native Code 128 (``^BC``) holding the same
data as the PDF's, so a ZPL label scans to the same barcode. One ``^XA`` … ``^XZ`` format
per page. Plain data in, bytes out; the same input gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

from labels import barcodes
from labels.batch import layout_batch_label
from labels.common import Ops
from labels.content import BatchLabelContent, PatientLabelContent
from labels.patient import layout_patient_label
from labels.stocks import POINTS_PER_INCH, LabelStock

#: The resolution of most desktop Zebra printers (ZD420/ZD620 and the GK/GX range).
DEFAULT_DPI = 203
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
    if content.containers < 1:
        raise ValueError("containers must be at least 1")
    pages = [layout_batch_label(content, stock, i) for i in range(1, content.containers + 1)]
    return ops_to_zpl(pages, stock, dpi)
