"""The dose chart's data and drawing (issue 19): mg per day as steps against the calendar,
one reportlab drawing for the leaflet's PDF and the preview's SVG."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import date
from decimal import Decimal

import pdfplumber
import pytest
from reportlab.graphics import renderPDF

from labels import LabelError, render_leaflet
from labels.content import DEFAULT_HOW_TO_TAKE_FIXED
from labels.dose_chart import (
    DoseStep,
    StepPoint,
    chart_drawing,
    chart_svg,
    dose_chart,
    step_points,
)
from tests.unit.labels.label_samples import leaflet

JAN_5 = date(2026, 1, 5)
TITRATION = [DoseStep(Decimal("1.5"), 14), DoseStep(Decimal(3), 14), DoseStep(Decimal("4.5"), 30)]
RISING = re.compile(r"increas|step|titrat|go(es)? up|rais", re.IGNORECASE)


def english(day: date) -> str:
    return f"{day:%b} {day.day}"


def test_a_titration_gives_the_corners_of_its_steps() -> None:
    assert step_points(TITRATION, JAN_5) == [
        StepPoint(date(2026, 1, 5), Decimal("1.5")),
        StepPoint(date(2026, 1, 19), Decimal("1.5")),
        StepPoint(date(2026, 1, 19), Decimal(3)),
        StepPoint(date(2026, 2, 2), Decimal(3)),
        StepPoint(date(2026, 2, 2), Decimal("4.5")),
        StepPoint(date(2026, 3, 4), Decimal("4.5")),
    ]


def test_a_fixed_dose_is_a_flat_line_with_no_rising_words() -> None:
    chart = dose_chart([DoseStep(Decimal("4.5"), 30)], JAN_5, english)
    assert chart.points == (
        StepPoint(JAN_5, Decimal("4.5")),
        StepPoint(date(2026, 2, 4), Decimal("4.5")),
    )
    # The first and the last day (Feb 3, the 30th day), and its one dose.
    assert chart.date_texts == ("Jan 5", "Feb 3")
    assert chart.dose_texts == ("4.5 mg",)
    words = [chart.title, chart.caption, *chart.date_texts, *chart.dose_texts]
    assert not [w for w in words if RISING.search(w)]
    svg = chart_svg(chart)
    assert not RISING.search(re.sub(r"<[^>]*>", " ", svg))
    (line,) = polylines(svg)
    assert len(line) == 2 and line[0][1] == line[1][1]  # flat


def test_a_liquid_charts_mg_per_day_and_gives_the_ml_of_each_step() -> None:
    # 5 mg/mL: 0.1 mL, 0.2 mL, 0.3 mL a day are 0.5, 1 and 1.5 mg a day.
    steps = [DoseStep(Decimal("0.5"), 7), DoseStep(Decimal(1), 7), DoseStep(Decimal("1.5"), 7)]
    chart = dose_chart(steps, JAN_5, english, mg_per_ml=Decimal(5))
    assert [p.mg for p in chart.points[0::2]] == [Decimal("0.5"), Decimal(1), Decimal("1.5")]
    assert chart.dose_texts == ("0.5 mg (0.1 mL)", "1 mg (0.2 mL)", "1.5 mg (0.3 mL)")
    assert chart.caption == "mg per day"
    # A volume that is not exact to 0.01 mL is never rounded: the step gives its mg only.
    odd = dose_chart([DoseStep(Decimal(1), 7)], JAN_5, english, mg_per_ml=Decimal(3))
    assert odd.dose_texts == ("1 mg",)


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([], "at least one step"),
        ([DoseStep(Decimal("1.5"), 0)], "step 1 needs a whole number of days"),
        ([DoseStep(Decimal("1.5"), 7), DoseStep(Decimal(0), 7)], "step 2 needs a dose"),
    ],
)
def test_a_plan_that_cannot_be_charted_is_refused(steps: list[DoseStep], message: str) -> None:
    with pytest.raises(LabelError, match=message):
        step_points(steps, JAN_5)


def test_the_dates_are_the_callers_and_every_text_is_escaped_in_the_svg() -> None:
    chart = dose_chart(TITRATION, JAN_5, lambda d: f"<b>{d.day}&</b>")
    svg = chart_svg(chart)
    assert "<b>" not in svg and "&lt;b&gt;5&amp;&lt;/b&gt;" in svg


def polylines(svg: str) -> list[list[tuple[float, float]]]:
    out = []
    for points in re.findall(r'<polyline points="([^"]*)"', svg):
        pairs = [pair.split() for pair in points.split(",")]
        out.append([(float(x), float(y)) for x, y in pairs])
    return out


def test_the_svg_draws_the_points_to_scale() -> None:
    """x is linear in days, y linear in mg: the line is the points, nothing else."""
    chart = dose_chart(TITRATION, JAN_5, english)
    (line,) = polylines(chart_svg(chart))
    assert len(line) == len(chart.points)
    (x0, y0), (x1, _), (_, y2) = line[0], line[-1], line[2]
    d0, d1 = chart.points[0].day, chart.points[-1].day
    m0, m2 = chart.points[0].mg, chart.points[2].mg
    for (x, y), p in zip(line, chart.points, strict=True):
        assert (x - x0) / (x1 - x0) == pytest.approx((p.day - d0).days / (d1 - d0).days)
        assert (y - y0) / (y2 - y0) == pytest.approx(float((p.mg - m0) / (m2 - m0)))


def test_the_pdf_drawing_shows_the_axis_caption_dates_and_doses() -> None:
    chart = dose_chart(TITRATION, JAN_5, english)
    buf = io.BytesIO()
    renderPDF.drawToFile(chart_drawing(chart), buf)
    with pdfplumber.open(io.BytesIO(buf.getvalue())) as pdf:
        words = " ".join(w["text"] for w in pdf.pages[0].extract_words())
    for text in ("mg per day", "Jan 5", "Jan 19", "Feb 2", "Mar 3", "1.5 mg", "3 mg", "4.5 mg"):
        assert text in words, text


def test_the_leaflet_draws_the_chart_under_the_schedule() -> None:
    chart = dose_chart(TITRATION, JAN_5, english)
    pdf = render_leaflet(dataclasses.replace(leaflet(weeks=3), dose_chart=chart))
    text = _text_of(pdf)
    assert text.index("Your dosing schedule") < text.index("Your dose over time")
    assert text.index("Your dose over time") < text.index("mg per day")
    assert "Jan 5 Jan 19 Feb 2 Mar 3" in text
    assert "Your dose over time" not in _text_of(render_leaflet(leaflet(weeks=3)))


def test_a_one_dose_schedule_has_no_step_numbers() -> None:
    one = dataclasses.replace(leaflet(weeks=1), how_to_take=DEFAULT_HOW_TO_TAKE_FIXED)
    text = _text_of(render_leaflet(one))
    assert not RISING.search(text), RISING.search(text)
    assert RISING.search(_text_of(render_leaflet(leaflet(weeks=3))))  # a titration has steps


def _text_of(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)
