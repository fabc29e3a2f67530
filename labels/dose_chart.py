"""The dose over time as a step chart (issue 19): mg per day against the calendar, drawn
with reportlab's own graphics, so that one ``Drawing`` gives both the leaflet's PDF (it is a
flowable) and the prescriber preview's SVG (``renderSVG``).

- :func:`step_points` is the data: from a plan's steps (mg per day, days) and its first
  day, the corners of the step line as ``(date, mg)``.
- :func:`dose_chart` adds the words: the dates as the caller writes them for the patient's
  language, the dose of each step (and its mL for a liquid), the axis caption.
- :func:`chart_drawing` lays it out; :func:`chart_svg` writes the same drawing as SVG.

A fixed dose is one step: a flat line, and no words but its dose and dates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from reportlab.graphics import renderSVG  # type: ignore[import-untyped, unused-ignore]
from reportlab.graphics.shapes import (  # type: ignore[import-untyped, unused-ignore]
    Drawing,
    Line,
    Polygon,
    PolyLine,
    Rect,
    String,
)
from reportlab.lib import colors  # type: ignore[import-untyped, unused-ignore]
from reportlab.pdfbase.pdfmetrics import stringWidth  # type: ignore[import-untyped, unused-ignore]

from labels import docs
from labels.errors import LabelError
from labels.fonts import SANS, SANS_BOLD, check_glyphs, register_fonts

#: The leaflet's frame width (letter, 0.6 in margins) and a height that reads at arm's length.
WIDTH = 525.0
HEIGHT = 190.0
LEFT, RIGHT, BOTTOM, TOP = 34.0, 18.0, 30.0, 34.0
TICK_SIZE, DOSE_SIZE, CAPTION_SIZE = 8.5, 9.5, 9.5
LINE = colors.Color(0.05, 0.25, 0.55)
FILL = colors.Color(0.86, 0.91, 0.97)
GRID = colors.Color(0.78, 0.78, 0.78)
PAPER = {"fillColor": colors.white, "strokeColor": None, "strokeWidth": 0}
#: mg between the lines across the chart: the smallest that needs at most 6 of them.
MG_STEPS = (Decimal("0.25"), Decimal("0.5"), Decimal(1), Decimal(2), Decimal(5))
#: The SVG names fonts a browser has (the PDF embeds DejaVu Sans).
SVG_FONTS = {
    SANS: {"family": "'DejaVu Sans', Verdana, Arial, sans-serif"},
    SANS_BOLD: {"family": "'DejaVu Sans', Verdana, Arial, sans-serif", "weight": "bold"},
}


class PlanStep(Protocol):
    """A step of a plan: ``dose_mg`` a day for ``days`` days (the engine's TitrationStep)."""

    @property
    def dose_mg(self) -> Decimal: ...

    @property
    def days(self) -> int: ...


@dataclass(frozen=True)
class DoseStep:
    dose_mg: Decimal
    days: int


class StepPoint(NamedTuple):
    day: date
    mg: Decimal


def step_points(steps: Sequence[PlanStep], start: date) -> list[StepPoint]:
    """The corners of the step line: each step from its first day to the day after its
    last at its mg per day (``(start, mg), (end + 1 day, mg)``, then the next step)."""
    if not steps:
        raise LabelError("dose chart: a plan needs at least one step")
    points: list[StepPoint] = []
    day = start
    for n, step in enumerate(steps, start=1):
        if isinstance(step.days, bool) or not isinstance(step.days, int) or step.days < 1:
            raise LabelError(f"dose chart: step {n} needs a whole number of days of at least 1")
        if not isinstance(step.dose_mg, Decimal) or not step.dose_mg > 0:
            raise LabelError(f"dose chart: step {n} needs a dose of more than 0 mg")
        end = day + timedelta(days=step.days)
        points += [StepPoint(day, step.dose_mg), StepPoint(end, step.dose_mg)]
        day = end
    return points


def plain(d: Decimal) -> str:
    """``1.5``, ``3``, ``0.25``: no exponent, no trailing zeros."""
    text = format(d.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def dose_text(mg: Decimal, mg_per_ml: Decimal | None) -> str:
    """``1.5 mg``; a liquid adds its volume, ``1.5 mg (0.3 mL)``, when it is exact to
    0.01 mL (the finest syringe graduation); never a rounded volume."""
    text = f"{plain(mg)} mg"
    if mg_per_ml is None:
        return text
    ml = mg / mg_per_ml
    if ml != ml.quantize(Decimal("0.01")):
        return text
    return f"{text} ({plain(ml)} mL)"


@dataclass(frozen=True)
class DoseChart:
    """What the chart shows. ``points``: the step line (see :func:`step_points`).
    ``date_texts``: one per step start, then the last day of the plan, as the caller
    formats dates for the patient's language. ``dose_texts``: one per step. ``title`` heads
    the chart on the leaflet; ``caption`` names the dose axis (both in the patient's
    language: the caller translates)."""

    points: tuple[StepPoint, ...]
    date_texts: tuple[str, ...]
    dose_texts: tuple[str, ...]
    caption: str = "mg per day"
    title: str = "Your dose over time"


def dose_chart(
    steps: Sequence[PlanStep],
    start: date,
    format_day: Callable[[date], str],
    *,
    mg_per_ml: Decimal | None = None,
    caption: str = "mg per day",
    title: str = "Your dose over time",
) -> DoseChart:
    """The chart of a plan, with its words. ``mg_per_ml``: a liquid's concentration (each
    step then also gives its mL); the line is always mg per day."""
    if mg_per_ml is not None and not mg_per_ml > 0:
        raise LabelError("dose chart: the concentration must be more than 0 mg/mL")
    points = step_points(steps, start)
    starts = [p.day for p in points[0::2]]
    last_day = points[-1].day - timedelta(days=1)
    return DoseChart(
        points=tuple(points),
        date_texts=tuple(format_day(d) for d in [*starts, last_day]),
        dose_texts=tuple(dose_text(p.mg, mg_per_ml) for p in points[0::2]),
        caption=caption,
        title=title,
    )


def _mg_scale(top_dose: Decimal, plot_height: float) -> tuple[Decimal, Decimal]:
    """The mg between grid lines and the top of the axis: above the highest dose by room
    for its words, so no grid line runs through them."""
    step = next((s for s in MG_STEPS if top_dose / s < 6), MG_STEPS[-1])
    top = (top_dose // step + 1) * step
    while float((top - top_dose) / top) * plot_height < DOSE_SIZE + 8:
        top += step
    return step, top


def _text(x: float, y: float, s: str, size: float, bold: bool = False, **kw: Any) -> Any:
    check_glyphs(s)
    font = SANS_BOLD if bold else SANS
    return String(x, y, s, fontName=font, fontSize=size, fillColor=colors.black, **kw)


def _width(s: str, size: float, bold: bool = False) -> float:
    return float(stringWidth(s, SANS_BOLD if bold else SANS, size))


def chart_drawing(chart: DoseChart, width: float = WIDTH, height: float = HEIGHT) -> Any:
    """The chart as a reportlab ``Drawing`` (a flowable for the leaflet)."""
    register_fonts()
    d = Drawing(width, height)
    x0, x1, y0, y1 = LEFT, width - RIGHT, BOTTOM, height - TOP
    first, last = chart.points[0].day, chart.points[-1].day
    days = (last - first).days
    mg_step, mg_top = _mg_scale(max(p.mg for p in chart.points), y1 - y0)

    def x(day: date) -> float:
        return x0 + (x1 - x0) * (day - first).days / days

    def y(mg: Decimal) -> float:
        return y0 + (y1 - y0) * float(mg / mg_top)

    mg = Decimal(0)
    while mg <= mg_top:
        d.add(Line(x0, y(mg), x1, y(mg), strokeColor=GRID, strokeWidth=0.5))
        d.add(_text(x0 - 4, y(mg) - 3, plain(mg), TICK_SIZE, textAnchor="end"))
        mg += mg_step
    d.add(_text(x0 - 28, height - 13, chart.caption, CAPTION_SIZE, bold=True))
    line = [c for p in chart.points for c in (x(p.day), y(p.mg))]
    d.add(Polygon([x0, y0, *line, x1, y0], fillColor=FILL, strokeColor=None, strokeWidth=0))
    d.add(PolyLine(line, strokeColor=LINE, strokeWidth=2.5, strokeLineJoin=0))
    d.add(Line(x0, y0, x1, y0, strokeColor=colors.black, strokeWidth=0.8))
    d.add(Line(x0, y0, x0, y1, strokeColor=colors.black, strokeWidth=0.8))
    _date_ticks(d, chart, [x(p.day) for p in chart.points[0::2]] + [x1], y0)
    for n, text in enumerate(chart.dose_texts):
        # Each dose above its step, on white so that no grid line runs through it.
        a, b = chart.points[2 * n], chart.points[2 * n + 1]
        centre, base, half = (
            (x(a.day) + x(b.day)) / 2,
            y(a.mg) + 5,
            _width(text, DOSE_SIZE, True) / 2,
        )
        d.add(Rect(centre - half - 2, base - 2, 2 * half + 4, DOSE_SIZE + 3, **PAPER))
        d.add(_text(centre, base, text, DOSE_SIZE, True, textAnchor="middle"))
    return d


def _date_ticks(d: Any, chart: DoseChart, xs: Sequence[float], y0: float) -> None:
    """A tick under each step start and at the end of the plan's last day, each with its
    date; a date that would overlap the one before is left out (never the first or last)."""
    placed: list[tuple[float, str]] = []

    def overlaps(a: tuple[float, str], b: tuple[float, str]) -> bool:
        gap = (_width(a[1], TICK_SIZE) + _width(b[1], TICK_SIZE)) / 2 + 4
        return abs(b[0] - a[0]) < gap

    for n, tick in enumerate(zip(xs, chart.date_texts, strict=True)):
        if n == len(xs) - 1:
            while len(placed) > 1 and overlaps(placed[-1], tick):
                placed.pop()
        elif placed and overlaps(placed[-1], tick):
            continue
        placed.append(tick)
    for x in xs:
        d.add(Line(x, y0, x, y0 - 4, strokeColor=colors.black, strokeWidth=0.8))
    for x, text in placed:
        d.add(_text(x, y0 - 14, text, TICK_SIZE, textAnchor="middle"))


def chart_svg(chart: DoseChart, width: float = WIDTH, height: float = HEIGHT) -> str:
    """The same drawing as SVG text (reportlab escapes every string it writes)."""
    return str(
        renderSVG.drawToString(
            chart_drawing(chart, width, height),
            fontHacks=SVG_FONTS,
            svgAttrs={"role": "img", "aria-label": f"{chart.title} ({chart.caption})"},
        )
    )


def leaflet_part(chart: DoseChart, width: float = WIDTH) -> Any:
    """The chart under its heading, kept on one page (the leaflet's flowable)."""
    return docs.keep(docs.p(chart.title, docs.H2), chart_drawing(chart, width))
