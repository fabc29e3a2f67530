"""The directions of one fill as it is dispensed: the fill record, its label and its leaflet
all read them from here, so what the record says is what the patient's label says.

A titration course filled step by step has a fill per capsule strength; each fill's
directions count capsules of *its* batch's strength, for the dated steps it covers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.compounding.directions import (
    concise_directions,
    dated_directions,
    titration_directions,
)
from pharmacy.compounding.rules import Rules
from pharmacy.compounding.titration import TitrationStep, dated_schedule
from pharmacy.models import Fill, Prescription


def course_of(session: Session, fill: Fill) -> list[Fill]:
    """The fills of this fill's course, in order."""
    return list(
        session.execute(
            select(Fill)
            .where(
                Fill.prescription_id == fill.prescription_id,
                Fill.course_number == fill.course_number,
            )
            .order_by(Fill.fill_number)
        ).scalars()
    )


def schedule_start(session: Session, fill: Fill) -> date:
    """A titration runs from the first fill of its course."""
    return course_of(session, fill)[0].filled_on


def directions_start(session: Session, fill: Fill) -> date:
    """The day a fill's directions are dated from, read once for all of its directions: a
    titration's from the first fill of its course, a fixed dose's from the fill itself."""
    return schedule_start(session, fill) if fill.prescription.steps else fill.filled_on


def plan_steps(rx: Prescription) -> list[TitrationStep]:
    return [TitrationStep(dose_mg=s.dose_mg, days=s.days) for s in rx.steps]


def per_unit(rx: Prescription) -> Decimal:
    """mg per capsule, or mg per mL, as prescribed."""
    value = rx.strength_mg if rx.dosage_form == "capsule" else rx.concentration_mg_per_ml
    assert value is not None  # a CHECK constraint requires the one its form needs
    return value


def step_strengths(session: Session, fill: Fill) -> dict[int, Decimal]:
    """The capsule strength each plan step is dispensed in, as far as the course has
    dispensed it (every step, at the prescription's strength, for a one-fill course)."""
    rx = fill.prescription
    course = course_of(session, fill)
    if not any(f.step_positions for f in course):
        return {position: per_unit(rx) for position in range(len(rx.steps))}
    return {
        position: part.batch.strength_mg
        for part in course
        for position in part.step_positions or []
        if part.batch.strength_mg is not None
    }


def fill_directions(fill: Fill, rules: Rules, start: date) -> list[str]:
    """The directions printed for this fill, a line per dated step of a titration that
    starts on ``start`` (`directions_start`)."""
    rx = fill.prescription
    if not rx.steps:
        return [rx.directions]
    steps = plan_steps(rx)
    if not fill.step_positions:
        return titration_directions(rx.dosage_form, steps, per_unit(rx), start, rules)
    # One strength of a course filled step by step: the dated steps this fill covers.
    schedule = dated_schedule(steps, start)
    strength = fill.batch.strength_mg or per_unit(rx)
    lines: list[str] = []
    for position in fill.step_positions:
        lines += titration_directions(
            rx.dosage_form, [steps[position]], strength, schedule[position].start, rules
        )
    return lines


#: A fill and its prescription without days' supply: the schedule and the chart of a fixed
#: dose span a month.
UNSTATED_FIXED_DOSE_DAYS = 30


def fill_course(session: Session, fill: Fill) -> tuple[list[TitrationStep], date]:
    """The steps a fill's leaflet schedules and charts, and the day they start: a
    titration's whole course from its first fill, or the fixed dose over the fill's days."""
    rx = fill.prescription
    if rx.steps:
        return plan_steps(rx), schedule_start(session, fill)
    days = fill.days_supply or rx.days_supply or UNSTATED_FIXED_DOSE_DAYS
    return [TitrationStep(dose_mg=rx.dose_mg or per_unit(rx), days=days)], fill.filled_on


def label_language_of(rx: Prescription, rules: Rules) -> str:
    """The language the container label prints in: the patient's where the labels print
    in it, else English."""
    return rx.patient.language if rx.patient.language in rules.label_languages else "en"


@dataclass(frozen=True)
class LabelDirections:
    """The directions as the container label prints them, in one language: the whole plan
    in one concise sentence (USP <17>), and its dated steps where the stock has room."""

    concise: str
    dated: list[str]


def label_directions(
    fill: Fill,
    rules: Rules,
    start: date,
    language: str,
    format_date: Callable[[date], str],
) -> LabelDirections:
    """This fill's directions for its label in ``language``, dated from ``start``
    (`directions_start`): every step it covers, at the strength of its batch; a liquid
    names the oral syringe supplied with it."""
    rx = fill.prescription
    steps = plan_steps(rx) or [TitrationStep(dose_mg=rx.dose_mg or per_unit(rx), days=1)]
    strength = per_unit(rx)
    if fill.step_positions:
        # One strength of a course filled step by step: the steps this fill covers.
        schedule = dated_schedule(steps, start)
        start = schedule[fill.step_positions[0]].start
        steps = [steps[position] for position in fill.step_positions]
        strength = fill.batch.strength_mg or strength
    concise = concise_directions(
        rx.dosage_form, steps, strength, rules, language, syringe_ml=rx.syringe_ml
    )
    dated = (
        dated_directions(rx.dosage_form, steps, strength, start, format_date, rules, language)
        if rx.steps  # a titration: its dates, even for the one step a fill may cover
        else []
    )
    return LabelDirections(concise, dated)
