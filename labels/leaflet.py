"""Patient leaflet on letter paper: what LDN is, how to take it, the dated schedule with a
daily calendar to note sleep and symptoms, warnings, washout and surgery hold, side effects,
and when to call."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from reportlab.lib.pagesizes import letter  # type: ignore[import-untyped, unused-ignore]

from labels import docs
from labels.common import fmt_date, fmt_day
from labels.content import LeafletContent, ScheduleRow
from labels.docs import BODY, BODY_BOLD, H1, H2, SMALL, bullets, p, table
from labels.dose_chart import leaflet_part
from labels.fonts import COND

#: Longest schedule printed as one row per day; longer ones get one row per step.
MAX_CALENDAR_DAYS = 120


def leaflet_story(c: LeafletContent) -> list[Any]:
    w = docs.frame_width(letter)
    k = c.captions
    story = _about_and_how_to_take(c)
    story += _how_to_keep(c)
    if c.schedule:
        story += docs.heading_with_rows(p(k.schedule, H2))
        story.append(_schedule(c, w))
    if c.dose_chart is not None:
        story.append(leaflet_part(c.dose_chart, w))
    story.append(docs.keep(p(k.warnings, H2), *bullets(c.warnings)))
    if c.caution_advice:
        story.append(docs.keep(p(k.cautions, H2), *bullets(c.caution_advice)))
    story.append(docs.keep(p(k.washout, H2), *bullets(c.washout_text)))
    story.append(docs.keep(p(k.side_effects, H2), *bullets(c.side_effects)))
    story.append(
        docs.keep(
            p(k.call_us, H2),
            *bullets(c.call_us_when),
            p(f"{c.pharmacy.name}: {c.pharmacy.phone}", BODY_BOLD),
        )
    )
    if c.schedule:
        story += docs.heading_with_rows(p(k.calendar, H2))
        story.append(_calendar(c, w))
    return story


def _about_and_how_to_take(c: LeafletContent) -> list[Any]:
    """The title, who and what it is for, what LDN is and how to take it."""
    k = c.captions
    story: list[Any] = [
        p(k.title, H1),
        p(f"{c.pharmacy.name} \u00b7 {c.pharmacy.address} \u00b7 {c.pharmacy.phone}", SMALL),
        docs.spacer(6),
        p(c.patient_name, BODY, bold_prefix=k.patient),
        p(c.drug_line, BODY, bold_prefix=k.medicine),
    ]
    if c.rx_number:
        story.append(p(c.rx_number, BODY, bold_prefix=k.rx_number))
    story.append(p(k.what_ldn_is, H2))
    story.extend(p(t) for t in c.about)
    story.append(p(k.how_to_take, H2))
    story.extend(p(d, BODY_BOLD) for d in c.directions)
    story.extend(p(d, BODY, bold_prefix=k.in_english) for d in c.english_directions)
    story.extend(bullets(c.how_to_take))
    return story


def _how_to_keep(c: LeafletContent) -> list[Any]:
    """The use-by date, storage and auxiliary texts, when there are any."""
    if c.bud is None and not c.storage and not c.auxiliary:
        return []
    k = c.captions
    story: list[Any] = [p(k.how_to_keep, H2)]
    if c.bud is not None:
        when = c.bud_text or fmt_date(c.bud)
        story.append(p(k.use_by_advice.format(date=when), BODY, bold_prefix=k.use_by))
    if c.storage:
        story.append(p(c.storage, BODY, bold_prefix=k.storage))
    story.extend(bullets(c.auxiliary))
    return story


def _schedule(c: LeafletContent, w: float) -> Any:
    """The dated steps: from, to and the dose at bedtime."""
    k = c.captions
    rows: list[list[Any]] = [[k.step, k.start, k.end, k.dose, k.amount]]
    for i, r in enumerate(c.schedule, 1):
        rows.append([str(i), _start(r), _end(r), r.dose, r.amount])
    if len(rows) == 2:
        # One dose (a fixed dose): no step numbers.
        return table([row[1:] for row in rows], [w * f for f in (0.25, 0.25, 0.22, 0.28)])
    return table(rows, [w * f for f in (0.08, 0.2, 0.2, 0.22, 0.3)])


def _calendar(c: LeafletContent, w: float) -> Any:
    """A row per day to note the dose taken, sleep and symptoms (a row per step when the
    schedule is longer than :data:`MAX_CALENDAR_DAYS`); past the BUD, a new supply."""
    first = min(r.start for r in c.schedule)
    last = max(r.end for r in c.schedule)
    k = c.captions
    head = [k.day, k.dose, k.amount, k.taken, k.sleep, k.symptoms]
    widths = [w * f for f in (0.13, 0.13, 0.14, 0.09, 0.255, 0.255)]
    cal: list[list[Any]] = [head]
    if (last - first).days + 1 <= MAX_CALENDAR_DAYS:
        for r in sorted(c.schedule, key=lambda r: r.start):
            day = r.start
            while day <= r.end:
                if c.bud is not None and day > c.bud:
                    # This fill must not be taken past its use-by date.
                    cal.append([_day(c, day), r.dose, k.new_supply, "", "", ""])
                else:
                    cal.append([_day(c, day), r.dose, r.amount, "\u2610", "", ""])
                day += timedelta(days=1)
    else:
        head[0] = k.days
        for r in c.schedule:
            cal.append([f"{_start(r)} \u2013 {_end(r)}", r.dose, r.amount, "", "", ""])
    return table(cal, widths, extra=[("FONTNAME", (0, 0), (-1, -1), COND)])


def _start(r: ScheduleRow) -> str:
    return r.start_text or fmt_date(r.start)


def _end(r: ScheduleRow) -> str:
    return r.end_text or fmt_date(r.end)


def _day(c: LeafletContent, day: date) -> str:
    """A calendar row's day as the caller wrote it, else ``Mon Jan 5``."""
    return c.day_texts.get(day) or fmt_day(day)


def render_leaflet(content: LeafletContent) -> bytes:
    """The patient leaflet (letter, as many pages as needed)."""
    footer = f"{content.patient_name} \u00b7 {content.drug_line}"
    if content.rx_number:
        footer += f" \u00b7 {content.captions.rx} {content.rx_number}"
    return docs.build(
        leaflet_story(content),
        letter,
        content.captions.title,
        content.drug_line,
        footer,
        page_of=content.captions.page_of,
    )
