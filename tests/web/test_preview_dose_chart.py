"""The live preview shows the leaflet's dose chart (issue 19): SVG made on the server from
the same plan, with the same step points; a fixed dose is a flat line, no rising words."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from labels.dose_chart import step_points
from pharmacy.compounding import DEFAULT_RULES
from pharmacy.compounding.titration import template_steps

RISING = re.compile(r"increas|step|titrat|go(es)? up|rais", re.IGNORECASE)
START = date(2026, 11, 22)


def polyline(svg: str) -> list[tuple[float, float]]:
    (points,) = re.findall(r'<polyline points="([^"]*)"', svg)
    return [(float(x), float(y)) for x, y in (pair.split() for pair in points.split(","))]


def svg_texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def test_the_preview_draws_the_plans_step_points_as_svg(browser_for: Any) -> None:
    data = (
        browser_for("drA")
        .post(
            "/preview/directions",
            {
                "dosage_form": "capsule",
                "strength_mg": "1.5",
                "plan": "template:standard-1.5",
                "start_on": START.isoformat(),
            },
        )
        .get_json()
    )
    assert data["ok"] is True
    chart = data["chart"]
    expected = step_points(template_steps("standard-1.5", DEFAULT_RULES), START)
    assert [(p["date"], Decimal(p["mg"])) for p in chart["points"]] == [
        (p.day.isoformat(), p.mg) for p in expected
    ]
    svg = chart["svg"]
    assert "<svg" in svg and "<script" not in svg
    line = polyline(svg)
    assert len(line) == len(expected)
    # x in proportion to the days, y to the doses: the drawn line is these points.
    (x0, y0), (x1, _), (_, y2) = line[0], line[-1], line[2]
    days = (expected[-1].day - START).days
    for (x, y), p in zip(line, expected, strict=True):
        assert abs((x - x0) / (x1 - x0) - (p.day - START).days / days) < 1e-3
        assert (
            abs(
                (y - y0) / (y2 - y0)
                - float((p.mg - expected[0].mg) / (expected[2].mg - expected[0].mg))
            )
            < 1e-3
        )
    texts = svg_texts(svg)
    last_day = expected[-1].day - timedelta(days=1)
    for text in (
        "mg per day",
        "Nov 22",
        "Dec 6",
        "Dec 20",
        f"{last_day:%b} {last_day.day}",
        "1.5 mg",
        "3 mg",
        "4.5 mg",
    ):
        assert text in texts, text


def test_a_fixed_dose_previews_a_flat_line_and_no_rising_words(browser_for: Any) -> None:
    data = (
        browser_for("drA")
        .post(
            "/preview/directions",
            {
                "dosage_form": "capsule",
                "strength_mg": "4.5",
                "plan": "fixed",
                "dose_mg": "4.5",
                "days_supply": "30",
                "start_on": START.isoformat(),
            },
        )
        .get_json()
    )
    assert data["ok"] is True
    points = data["chart"]["points"]
    assert [p["mg"] for p in points] == ["4.5", "4.5"]
    assert [p["date"] for p in points] == ["2026-11-22", "2026-12-22"]
    line = polyline(data["chart"]["svg"])
    assert len(line) == 2 and line[0][1] == line[1][1]
    words = [data["chart"]["title"], *svg_texts(data["chart"]["svg"]), *data["directions"]]
    assert not [w for w in words if RISING.search(w)], words


def test_the_chart_follows_the_patients_language(browser_for: Any) -> None:
    data = (
        browser_for("drA")
        .post(
            "/preview/directions",
            {
                "dosage_form": "liquid",
                "concentration_mg_per_ml": "1",
                "syringe_ml": "5",
                "plan": "template:standard-1.5",
                "start_on": START.isoformat(),
                "patient.language": "es",
            },
        )
        .get_json()
    )
    assert data["ok"] is True, data
    texts = svg_texts(data["chart"]["svg"])
    assert "mg por día" in texts and "22 nov" in texts
    assert "1.5 mg (1.5 mL)" in texts  # a liquid: mg per day, and its mL
    assert data["chart"]["title"] == "Su dosis a lo largo del tiempo"
