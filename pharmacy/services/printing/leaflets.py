"""The patient leaflet of a fill: the label's words and the dated dose schedule, with how
much to take on each day."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from labels import (
    DEFAULT_CALL_US_WHEN,
    DEFAULT_HOW_TO_TAKE,
    DEFAULT_LEAFLET_ABOUT,
    DEFAULT_SIDE_EFFECTS,
    DEFAULT_WASHOUT_TEXT,
    LeafletContent,
    ScheduleRow,
    render_leaflet,
)
from labels.content import DEFAULT_HOW_TO_TAKE_FIXED
from labels.leaflet import MAX_CALENDAR_DAYS
from pharmacy.audit import Actor
from pharmacy.compounding.rules import Rules
from pharmacy.compounding.titration import dated_schedule, units_per_dose
from pharmacy.compounding.units import format_ml, plain
from pharmacy.models import Fill, Prescription
from pharmacy.services.fill_directions import (
    fill_course,
    label_language_of,
    per_unit,
    step_strengths,
)
from pharmacy.services.printing import language, print_log, rendering
from pharmacy.services.printing.dose_charts import fill_chart
from pharmacy.services.printing.patient_labels import (
    labellable_fill,
    patient_label_content,
)
from pharmacy.services.rules import current_rules
from pharmacy.services.uow import use_case


def _amount(
    rx: Prescription, dose: Decimal, rules: Rules, lang: str, strength: Decimal | None = None
) -> str:
    """How much makes the dose: ``1 capsule of 1.5 mg`` (the capsule count as the direction
    texts of ``lang`` write it), or ``1.5 mL``."""
    unit = strength if strength is not None else per_unit(rx)
    if rx.dosage_form == "capsule":
        count = units_per_dose(dose, unit)
        texts = rules.direction_texts[lang]
        amount = texts["capsule_one" if count == 1 else "capsule_many"].format(count=count)
        return language.gettext(lang, "{amount} of {strength} mg").format(
            amount=amount, strength=plain(unit)
        )
    return f"{format_ml(dose / unit)} mL"


def _schedule(session: Session, fill: Fill, rules: Rules, lang: str) -> list[ScheduleRow]:
    """The dated steps of the fill's course (or its one dose for its days), how much to take
    at each, the dates as Babel writes them for ``lang``."""
    rx = fill.prescription
    entries = dated_schedule(*fill_course(session, fill))
    if rx.steps:
        strengths = step_strengths(session, fill)
        later = language.gettext(lang, "from a later fill")
        amounts = [
            _amount(rx, e.dose_mg, rules, lang, strengths[i]) if i in strengths else later
            for i, e in enumerate(entries)
        ]
    else:
        amounts = [_amount(rx, e.dose_mg, rules, lang) for e in entries]
    return [
        ScheduleRow(
            e.start,
            e.end,
            f"{plain(e.dose_mg)} mg",
            amount,
            start_text=language.long_date(e.start, lang),
            end_text=language.long_date(e.end, lang),
        )
        for e, amount in zip(entries, amounts, strict=True)
    ]


def _calendar_days(schedule: list[ScheduleRow], lang: str) -> dict[date, str]:
    """Each day of the leaflet's calendar as Babel writes it for ``lang`` (none when the
    calendar has a row per step instead)."""
    if not schedule:
        return {}
    first = min(r.start for r in schedule)
    last = max(r.end for r in schedule)
    span = (last - first).days + 1
    if span > MAX_CALENDAR_DAYS:
        return {}
    days = (first + timedelta(days=n) for n in range(span))
    return {day: language.calendar_day(day, lang) for day in days}


def leaflet_content(session: Session, fill: Fill, today: date) -> LeafletContent:
    """The leaflet's words in the patient's language: the label's (directions, warnings,
    storage and auxiliary texts, the drug as prescribed), the dated dose schedule, the
    fixed texts from the catalog and the cautions' advice from the rules."""
    rx = fill.prescription
    rules = current_rules(session)
    lang = label_language_of(rx, rules)
    label = patient_label_content(session, fill, today)
    schedule = _schedule(session, fill, rules, lang)
    return LeafletContent(
        patient_name=label.patient_name,
        drug_line=label.drug_line,
        directions=label.directions,
        english_directions=label.english_directions,
        schedule=schedule,
        pharmacy=label.pharmacy,
        warnings=label.warnings,
        washout_text=language.texts(lang, DEFAULT_WASHOUT_TEXT),
        side_effects=language.texts(lang, DEFAULT_SIDE_EFFECTS),
        call_us_when=language.texts(lang, DEFAULT_CALL_US_WHEN),
        about=language.texts(lang, DEFAULT_LEAFLET_ABOUT),
        how_to_take=language.texts(
            lang, DEFAULT_HOW_TO_TAKE if rx.steps else DEFAULT_HOW_TO_TAKE_FIXED
        ),
        rx_number=label.rx_number,
        bud=label.bud,
        bud_text=label.bud_text,
        storage=label.storage,
        auxiliary=label.auxiliary,
        dose_chart=fill_chart(session, fill, lang),
        caution_advice=caution_advice(rx.screen, rules, lang),
        captions=language.leaflet_captions(lang),
        day_texts=_calendar_days(schedule, lang),
    )


def caution_advice(screen: dict[str, Any] | None, rules: Rules, lang: str) -> tuple[str, ...]:
    """The patient advice of the cautions the prescription's screen raised, each once, in
    ``lang`` where the rules hold its reviewed text (else the advice the screen stored)."""
    cautions = (screen or {}).get("cautions", [])
    translated = rules.caution_advice_translated.get(lang, {})
    return tuple(
        dict.fromkeys(
            translated.get(str(c.get("code")), c["advice"]) for c in cautions if c.get("advice")
        )
    )


@use_case
def leaflet(
    session: Session, actor: Actor, fill_id: int, *, reason: str | None, today: date
) -> bytes:
    fill = labellable_fill(session, fill_id, today)
    content = leaflet_content(session, fill, today)
    pdf = rendering.render(render_leaflet, content)
    print_log.record(session, actor, "leaflet", fill.id, stock="letter", reason=reason)
    return pdf
