"""Courses of a prescription's fills. The first fill of a verified prescription is course
0; each later course uses a refill. A capsule titration may be filled one strength at a
time: the fills of one course then each cover some plan steps, together the whole plan, and
the course stays open until they do.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.titration import units_per_dose
from pharmacy.compounding.units import plain
from pharmacy.errors import Conflict, Invalid
from pharmacy.models import Batch, Fill, Prescription


def _step_quantity(rx: Prescription, batch: Batch, positions: list[int]) -> Decimal:
    """Capsules of this batch's strength that the chosen plan steps need."""
    if not rx.steps:
        raise Invalid("steps", "only a titration prescription is filled step by step")
    if rx.dosage_form != "capsule":
        raise Invalid("steps", "a liquid titration is one bottle with a new volume per step")
    last = len(rx.steps) - 1
    bad = [p for p in positions if not 0 <= p <= last]
    if bad:
        raise Invalid("steps", f"the plan has steps 0 to {last}")
    strength = batch.strength_mg or Decimal(0)
    total = 0
    for position in positions:
        step = rx.steps[position]
        try:
            per_dose = units_per_dose(step.dose_mg, strength, field="steps")
        except FormulationError as error:
            raise Invalid("steps", error.message) from error
        total += per_dose * step.days
    return Decimal(total)


def fills_of(session: Session, rx: Prescription) -> list[Fill]:
    return list(
        session.execute(
            select(Fill).where(Fill.prescription_id == rx.id).order_by(Fill.fill_number)
        ).scalars()
    )


def _last_course(rx: Prescription, earlier: list[Fill]) -> tuple[int | None, set[int], bool]:
    """The newest course's number (None before the first fill), the plan steps it has
    dispensed when it is being filled step by step, and whether steps remain."""
    last = max((f.course_number for f in earlier), default=None)
    course = [f for f in earlier if f.course_number == last]
    if not course or not all(f.step_positions for f in course):
        return last, set(), False
    covered = {p for fill in course for p in (fill.step_positions or [])}
    return last, covered, len(covered) < len(rx.steps)


def _days_for(rx: Prescription, quantity: Decimal) -> int | None:
    if rx.days_supply is None:
        return None
    if quantity >= rx.quantity:
        return rx.days_supply
    days = (Decimal(rx.days_supply) * quantity / rx.quantity).to_integral_value(ROUND_FLOOR)
    return max(int(days), 1)


def course_of_fill(
    rx: Prescription, earlier: list[Fill], positions: list[int] | None
) -> tuple[bool, int]:
    """Whether this fill uses a refill, and the course it belongs to. Steps of a course
    being filled step by step join that course; a verified prescription's first fill
    starts course 0; after that each new course uses a refill."""
    last_course, covered, open_course = _last_course(rx, earlier)
    if open_course and positions is None:
        missing = sorted(set(range(len(rx.steps))) - covered)
        raise Conflict(
            f"This course is being filled step by step; steps {missing} are still to be dispensed.",
            {"steps": ["give the remaining steps"]},
        )
    joins_course = open_course and positions is not None
    if joins_course:
        overlap = sorted(set(positions or []) & covered)
        if overlap:
            raise Conflict(
                f"Steps {overlap} of this course were already dispensed.",
                {"steps": ["already dispensed"]},
            )
        return False, int(last_course or 0)
    if rx.status == "verified" and not earlier:
        return False, 0
    if rx.status == "filled":
        if rx.refills_remaining < 1:
            raise Conflict("No refills remain on this prescription.")
        return True, int(last_course or 0) + 1
    raise Conflict(f"A {rx.status} prescription cannot be filled; it must be verified.")


def days_supplied(
    rx: Prescription, batch: Batch, quantity: Decimal, positions: list[int] | None
) -> int | None:
    """The days this fill lasts: the chosen steps' days when filled step by step (the
    quantity must be what those steps need), else the prescription's share."""
    if positions is None:
        return _days_for(rx, quantity)
    needed = _step_quantity(rx, batch, positions)
    if quantity != needed:
        raise Invalid(
            "quantity",
            f"steps {positions} need {plain(needed)} capsules of "
            f"{plain(batch.strength_mg or Decimal(0))} mg",
        )
    return sum(rx.steps[p].days for p in positions)


def fill_open(session: Session, rx: Prescription) -> bool:
    """Whether a fill would be accepted now: a verified prescription's first fill, the
    rest of a course being filled step by step, or a refill while any remain."""
    if rx.status == "verified":
        return True
    if rx.status != "filled":
        return False
    _, _, open_course = _last_course(rx, fills_of(session, rx))
    return open_course or rx.refills_remaining > 0
