"""The dose chart (issue 19) of a plan, in the patient's language: the leaflet draws it,
the prescriber's live preview shows the same drawing as SVG. Both build it here, from the
plan's steps (mg per day, days) and its first day, so they cannot disagree."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from labels.dose_chart import DoseChart, chart_svg, dose_chart
from pharmacy.compounding.titration import TitrationStep
from pharmacy.compounding.units import plain
from pharmacy.models import Fill
from pharmacy.services.fill_directions import fill_course, per_unit
from pharmacy.services.printing import language

#: The preview's column is narrower than the leaflet's page: the same drawing, laid out at
#: this size (points; the browser scales it to the column) so its text stays readable.
PREVIEW_SIZE = (340.0, 180.0)
#: The chart's words, translated through the catalog (``messages.po``).
TITLE = "Your dose over time"
CAPTION = "mg per day"


def plan_chart(
    steps: Sequence[TitrationStep],
    start: date,
    *,
    dosage_form: str,
    per_unit_mg: Decimal,
    lang: str,
) -> DoseChart:
    """The chart of ``steps`` from ``start``: dates as Babel writes them for ``lang`` (as
    the label's dated directions do); a liquid's steps also give their mL."""
    return dose_chart(
        steps,
        start,
        lambda day: language.short_date(day, lang),
        mg_per_ml=per_unit_mg if dosage_form == "liquid" else None,
        caption=language.gettext(lang, CAPTION),
        title=language.gettext(lang, TITLE),
    )


def fill_chart(session: Session, fill: Fill, lang: str) -> DoseChart:
    """The chart on a fill's leaflet, in the label's language: the steps its schedule
    lists."""
    rx = fill.prescription
    steps, start = fill_course(session, fill)
    return plan_chart(steps, start, dosage_form=rx.dosage_form, per_unit_mg=per_unit(rx), lang=lang)


def chart_json(chart: DoseChart) -> dict[str, Any]:
    """The chart for the live preview: the same drawing as the leaflet's, as SVG made on
    the server (reportlab escapes every text it writes), with the step points it draws
    (ISO dates, mg per day) and its title."""
    return {
        "title": chart.title,
        "caption": chart.caption,
        "points": [{"date": p.day.isoformat(), "mg": plain(p.mg)} for p in chart.points],
        "svg": chart_svg(chart, *PREVIEW_SIZE),
    }
