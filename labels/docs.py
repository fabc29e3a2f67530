"""Letter-size documents (worksheet, leaflet, recall report): platypus flowables on a
deterministic canvas, with "Page X of Y" footers."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from html import escape as _html_escape
from typing import Any

from reportlab.graphics.shapes import Drawing, Rect  # type: ignore[import-untyped, unused-ignore]
from reportlab.lib import colors  # type: ignore[import-untyped, unused-ignore]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped, unused-ignore]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped, unused-ignore]
from reportlab.platypus import (  # type: ignore[import-untyped, unused-ignore]
    CondPageBreak,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from labels import barcodes
from labels.bidi import shaped, visual
from labels.common import CREATOR
from labels.fonts import COND, COND_BOLD, SANS, SANS_BOLD, check_glyphs, register_fonts
from labels.stocks import POINTS_PER_INCH

MARGIN = 0.6 * POINTS_PER_INCH
GRID = colors.Color(0.55, 0.55, 0.55)
HEAD_BG = colors.Color(0.90, 0.90, 0.90)
ALERT = colors.Color(0.75, 0.0, 0.0)
PAGE_OF = "Page {page} of {pages}"


def escape(text: str) -> str:
    """Plain text as reportlab paragraph markup: only &, < and > are special."""
    return _html_escape(text, quote=False)


def _style(name: str, font: str, size: float, **kw: Any) -> Any:
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.25, **kw)


BODY = _style("body", SANS, 10, spaceAfter=3)
BODY_BOLD = _style("body-bold", SANS_BOLD, 10, spaceAfter=3)
BULLET = _style("bullet", SANS, 10, leftIndent=14, bulletIndent=3, spaceAfter=2)
H1 = _style("h1", SANS_BOLD, 17, spaceAfter=4)
H2 = _style("h2", SANS_BOLD, 12.5, spaceBefore=9, spaceAfter=4)
SMALL = _style("small", SANS, 8.5)
CELL = _style("cell", COND, 9)
CELL_BOLD = _style("cell-bold", COND_BOLD, 9)
CELL_ALERT = _style("cell-alert", COND_BOLD, 9, textColor=ALERT)


def p(text: str, style: Any = BODY, bold_prefix: str = "") -> Any:
    """A wrapping paragraph of plain text (escaped; glyphs checked first)."""
    register_fonts()
    text = shaped(text)
    check_glyphs(text)
    check_glyphs(bold_prefix)
    # Right-to-left runs (names, addresses) in drawing order; such runs are short, so
    # reportlab's own wrapping rarely has to split one.
    markup = escape(visual(text))
    if bold_prefix:
        markup = f"<b>{escape(bold_prefix)}</b> {markup}"
    return Paragraph(markup, style)


def bullets(items: Sequence[str], style: Any = BULLET) -> list[Any]:
    register_fonts()
    out = []
    for item in items:
        item = shaped(item)
        check_glyphs(item)
        out.append(Paragraph(escape(visual(item)), style, bulletText="\u2022"))
    return out


def table(
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    header: bool = True,
    extra: Sequence[tuple[Any, ...]] = (),
) -> Any:
    """A grid table; plain strings become wrapping cells (bold in the header row)."""
    data = [
        [
            (p(cell, CELL_BOLD if header and r == 0 else CELL) if isinstance(cell, str) else cell)
            for cell in row
        ]
        for r, row in enumerate(rows)
    ]
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), HEAD_BG))
    style.extend(extra)
    return Table(
        data,
        colWidths=list(widths),
        repeatRows=1 if header else 0,
        style=TableStyle(style),
        hAlign="LEFT",
    )


def barcode_drawing(data: str, max_width: float, height: float, what: str) -> Any:
    """The Code 128 symbol as a vector drawing (a flowable), quiet zones included."""
    code = barcodes.code128(data)
    module = barcodes.choose_module(code, max_width, "letter", what)
    d = Drawing(code.modules * module, height)
    x0 = barcodes.QUIET_MODULES * module
    for start, length in code.bars:
        d.add(
            Rect(
                x0 + start * module,
                0,
                length * module,
                height,
                fillColor=colors.black,
                strokeColor=None,
                strokeWidth=0,
            )
        )
    return d


def spacer(h: float) -> Any:
    return Spacer(1, h)


def keep(*flowables: Any) -> Any:
    return KeepTogether(list(flowables))


#: Room a heading needs below it for its table's head and first rows: with less left on
#: the page, the heading starts the next page rather than sit alone at the foot.
HEADING_WITH_ROWS = 100


def heading_with_rows(heading: Any) -> list[Any]:
    """A table's heading that never ends a page without its first rows."""
    return [CondPageBreak(HEADING_WITH_ROWS), heading]


def _numbered_canvas(footer_left: str, page_of: str = PAGE_OF) -> type:
    check_glyphs(footer_left)
    check_glyphs(page_of)

    class NumberedCanvas(Canvas):  # type: ignore[misc, unused-ignore]
        """Holds pages until save() so that each footer can say "Page X of Y"."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held)
            for state in self._held:
                self.__dict__.update(state)
                w = self._pagesize[0]
                self.setFont(COND, 8)
                self.setFillColor(colors.black)
                self.drawString(MARGIN, MARGIN / 2, footer_left)
                number = page_of.format(page=self._pageNumber, pages=total)
                self.drawRightString(w - MARGIN, MARGIN / 2, number)
                Canvas.showPage(self)
            Canvas.save(self)

    return NumberedCanvas


def build(
    story: list[Any],
    pagesize: tuple[float, float],
    title: str,
    subject: str,
    footer_left: str,
    on_page: Callable[[Any, Any], None] | None = None,
    page_of: str = PAGE_OF,
) -> bytes:
    """Lay the story out on letter pages; byte-identical for identical input. ``page_of``:
    the footer's page number in the document's language (``{page}``, ``{pages}``)."""
    register_fonts()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author=CREATOR,
        subject=subject,
        creator=CREATOR,
        keywords="",
        invariant=1,
        pageCompression=1,
    )
    kwargs: dict[str, Any] = {"canvasmaker": _numbered_canvas(footer_left, page_of)}
    if on_page is not None:
        kwargs["onFirstPage"] = on_page
        kwargs["onLaterPages"] = on_page
    doc.build(story, **kwargs)
    return buf.getvalue()


def frame_width(pagesize: tuple[float, float]) -> float:
    return pagesize[0] - 2 * MARGIN
