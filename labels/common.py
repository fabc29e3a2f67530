"""Shared drawing plumbing: deterministic canvases, date formats, positioned text ops."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped, unused-ignore]

from labels import barcodes
from labels.fonts import SANS, register_fonts

CREATOR = "LDN pharmacy labels"

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def fmt_date(d: date | str) -> str:
    """'Jan 5, 2026': unambiguous in any locale (no strftime, which follows the locale)."""
    if isinstance(d, str):
        return d
    return f"{_MONTHS[d.month - 1]} {d.day}, {d.year}"


def fmt_day(d: date) -> str:
    """'Mon Jan 5' (calendar rows)."""
    return f"{_DAYS[d.weekday()]} {_MONTHS[d.month - 1]} {d.day}"


def new_canvas(
    buf: io.BytesIO, pagesize: tuple[float, float], title: str, subject: str = ""
) -> Any:
    """A canvas whose output depends only on what is drawn (no timestamps, no random ids)."""
    register_fonts()
    canvas: Any = Canvas(
        buf, pagesize=pagesize, invariant=1, pageCompression=1, initialFontName=SANS
    )
    set_metadata(canvas, title, subject)
    return canvas


def set_metadata(canvas: Any, title: str, subject: str = "") -> None:
    canvas.setTitle(title)
    canvas.setAuthor(CREATOR)
    canvas.setCreator(CREATOR)
    canvas.setSubject(subject)
    canvas.setKeywords("")


@dataclass
class Ops:
    """Drawing operations laid out in page coordinates, drawn in one pass."""

    texts: list[tuple[str, float, float, float, str]] = field(default_factory=list)
    rules: list[tuple[float, float, float, float]] = field(default_factory=list)
    codes: list[tuple[barcodes.Code128, float, float, float, float]] = field(default_factory=list)
    # Boxes and pictograms, drawn before the text: ("box", x, y, w, h, line width) and
    # ("warning", x, y, side) for a black triangle holding a white "!" of the given side.
    shapes: list[tuple[str, float, float, float, float, float]] = field(default_factory=list)

    def box(self, x: float, y: float, w: float, h: float, line_width: float) -> None:
        self.shapes.append(("box", x, y, w, h, line_width))

    def warning_sign(self, x: float, y: float, side: float) -> None:
        self.shapes.append(("warning", x, y, side, side, 0.0))

    def text(self, font: str, size: float, x: float, y: float, s: str) -> None:
        self.texts.append((font, size, x, y, s))

    def rule(self, x1: float, y: float, x2: float, thickness: float = 0.5) -> None:
        self.rules.append((x1, y, x2, thickness))

    def code(
        self, code: barcodes.Code128, x: float, y: float, module: float, height: float
    ) -> None:
        self.codes.append((code, x, y, module, height))

    def extend(self, other: Ops) -> None:
        self.texts.extend(other.texts)
        self.rules.extend(other.rules)
        self.codes.extend(other.codes)
        self.shapes.extend(other.shapes)

    def draw(self, canvas: Any) -> None:
        for shape in self.shapes:
            _draw_shape(canvas, *shape)
        current: tuple[str, float] | None = None
        for font, size, x, y, s in self.texts:
            if (font, size) != current:
                canvas.setFont(font, size)
                current = (font, size)
            canvas.drawString(x, y, s)
        for x1, y, x2, thickness in self.rules:
            canvas.setLineWidth(thickness)
            canvas.line(x1, y, x2, y)
        for code, x, y, module, height in self.codes:
            barcodes.draw(canvas, code, x, y, module, height)


def _draw_shape(canvas: Any, kind: str, x: float, y: float, w: float, h: float, lw: float) -> None:
    """A box (stroked) or the warning pictogram: a black triangle, a white "!" inside."""
    if kind == "box":
        canvas.setLineWidth(lw)
        canvas.rect(x, y, w, h, stroke=1, fill=0)
        return
    path = canvas.beginPath()
    path.moveTo(x, y)
    path.lineTo(x + w, y)
    path.lineTo(x + w / 2, y + w * 0.9)
    path.close()
    canvas.setFillGray(0)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.setFillGray(1)
    bar = w * 0.11
    canvas.rect(x + w / 2 - bar / 2, y + w * 0.3, bar, w * 0.36, stroke=0, fill=1)
    canvas.rect(x + w / 2 - bar / 2, y + w * 0.1, bar, bar, stroke=0, fill=1)
    canvas.setFillGray(0)
