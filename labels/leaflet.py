"""Patient leaflet on letter paper: what LDN is, how to take it, the dated schedule with a
daily calendar to note sleep and symptoms, warnings, washout and surgery hold, side effects,
and when to call."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from reportlab.lib.pagesizes import letter  # type: ignore[import-untyped, unused-ignore]

from labels import docs
from labels.common import fmt_date, fmt_day
from labels.content import LeafletContent
from labels.docs import BODY, BODY_BOLD, H1, H2, SMALL, bullets, p, table
from labels.fonts import COND

#: Longest schedule printed as one row per day; longer ones get one row per step.
MAX_CALENDAR_DAYS = 120


def leaflet_story(c: LeafletContent) -> list[Any]:
    w = docs.frame_width(letter)
    story = _about_and_how_to_take(c)
    story += _how_to_keep(c)
    if c.schedule:
        story.append(p("Your dosing schedule", H2))
        story.append(_schedule(c, w))
    story.append(docs.keep(p("Important warnings", H2), *bullets(c.warnings)))
    if c.caution_advice:
        story.append(
            docs.keep(p("Your other medicines and conditions", H2), *bullets(c.caution_advice))
        )
    story.append(docs.keep(p("Before you start, and before surgery", H2), *bullets(c.washout_text)))
    story.append(docs.keep(p("Possible side effects", H2), *bullets(c.side_effects)))
    story.append(
        docs.keep(
            p("Call us or your prescriber when", H2),
            *bullets(c.call_us_when),
            p(f"{c.pharmacy.name}: {c.pharmacy.phone}", BODY_BOLD),
        )
    )
    if c.schedule:
        story.append(p("Daily calendar: note how you slept and any symptoms", H2))
        story.append(_calendar(c, w))
    return story


def _about_and_how_to_take(c: LeafletContent) -> list[Any]:
    """The title, who and what it is for, what LDN is and how to take it."""
    story: list[Any] = [
        p("Your low-dose naltrexone (LDN)", H1),
        p(f"{c.pharmacy.name} \u00b7 {c.pharmacy.address} \u00b7 {c.pharmacy.phone}", SMALL),
        docs.spacer(6),
        p(c.patient_name, BODY, bold_prefix="For:"),
        p(c.drug_line, BODY, bold_prefix="Medicine:"),
    ]
    if c.rx_number:
        story.append(p(c.rx_number, BODY, bold_prefix="Rx number:"))
    story.append(p("What LDN is", H2))
    story.extend(p(t) for t in c.about)
    story.append(p("How to take it", H2))
    story.extend(p(d, BODY_BOLD) for d in c.directions)
    story.extend(bullets(c.how_to_take))
    return story


def _how_to_keep(c: LeafletContent) -> list[Any]:
    """The use-by date, storage and auxiliary texts, when there are any."""
    if c.bud is None and not c.storage and not c.auxiliary:
        return []
    story: list[Any] = [p("How to keep it", H2)]
    if c.bud is not None:
        story.append(
            p(
                f"{fmt_date(c.bud)}. Do not use it after this date: ask us for a refill "
                "before then.",
                BODY,
                bold_prefix="Use by:",
            )
        )
    if c.storage:
        story.append(p(c.storage, BODY, bold_prefix="Storage:"))
    story.extend(bullets(c.auxiliary))
    return story


def _schedule(c: LeafletContent, w: float) -> Any:
    """The dated steps: from, to and the dose at bedtime."""
    rows: list[list[Any]] = [["Step", "From", "To (including)", "Dose at bedtime", "How much"]]
    for i, r in enumerate(c.schedule, 1):
        rows.append([str(i), fmt_date(r.start), fmt_date(r.end), r.dose, r.amount])
    return table(rows, [w * f for f in (0.08, 0.2, 0.2, 0.22, 0.3)])


def _calendar(c: LeafletContent, w: float) -> Any:
    """A row per day to note the dose taken, sleep and symptoms (a row per step when the
    schedule is longer than :data:`MAX_CALENDAR_DAYS`); past the BUD, a new supply."""
    first = min(r.start for r in c.schedule)
    last = max(r.end for r in c.schedule)
    head = [
        "Date",
        "Dose at bedtime",
        "How much",
        "Taken \u2713",
        "Sleep (dreams, waking)",
        "Other symptoms",
    ]
    widths = [w * f for f in (0.13, 0.13, 0.14, 0.09, 0.255, 0.255)]
    cal: list[list[Any]] = [head]
    if (last - first).days + 1 <= MAX_CALENDAR_DAYS:
        for r in sorted(c.schedule, key=lambda r: r.start):
            day = r.start
            while day <= r.end:
                if c.bud is not None and day > c.bud:
                    # This fill must not be taken past its use-by date.
                    cal.append([fmt_day(day), r.dose, "new supply", "", "", ""])
                else:
                    cal.append([fmt_day(day), r.dose, r.amount, "\u2610", "", ""])
                day += timedelta(days=1)
    else:
        head[0] = "Dates"
        for r in c.schedule:
            cal.append(
                [f"{fmt_date(r.start)} \u2013 {fmt_date(r.end)}", r.dose, r.amount, "", "", ""]
            )
    return table(cal, widths, extra=[("FONTNAME", (0, 0), (-1, -1), COND)])


def render_leaflet(content: LeafletContent) -> bytes:
    """The patient leaflet (letter, as many pages as needed)."""
    footer = f"{content.patient_name} \u00b7 {content.drug_line}"
    if content.rx_number:
        footer += f" \u00b7 Rx {content.rx_number}"
    return docs.build(
        leaflet_story(content), letter, "Your low-dose naltrexone (LDN)", content.drug_line, footer
    )
