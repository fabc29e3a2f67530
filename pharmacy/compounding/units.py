"""Numbers in and out: exact ``Decimal`` parsing, rounding and display."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation

from pharmacy.compounding.errors import FormulationError

MG_STEP = Decimal("0.1")
# How finely an amount that is calculated, not weighed, is shown.
MG_FINE_STEP = Decimal("0.001")
ML_STEP = Decimal("0.01")


def to_decimal(value: object, field: str) -> Decimal:
    """Parse an int, str or Decimal (or a float through ``str``) into a finite Decimal."""
    if isinstance(value, bool):
        raise FormulationError(field, "expected a number, not true/false")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = _parse(str(value), field)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise FormulationError(field, "a number is required")
        result = _parse(text, field)
    else:
        raise FormulationError(field, f"expected a number, got {type(value).__name__}")
    if not result.is_finite():
        raise FormulationError(field, "must be a finite number")
    return result


def _parse(text: str, field: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise FormulationError(field, f"'{text}' is not a number") from None


def round_to(d: Decimal, step: Decimal) -> Decimal:
    return d.quantize(step, rounding=ROUND_HALF_UP)


def ceil_to(d: Decimal, step: Decimal) -> Decimal:
    return d.quantize(step, rounding=ROUND_CEILING)


def round_mg(d: Decimal) -> Decimal:
    """Round a mass to 0.1 mg, half up."""
    return round_to(d, MG_STEP)


def round_ml(d: Decimal) -> Decimal:
    """Round a volume to 0.01 mL, half up."""
    return round_to(d, ML_STEP)


def plain(d: Decimal) -> str:
    """A Decimal without exponent and without trailing zeros, with a leading zero."""
    text = format(d.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text


def format_ml(d: Decimal) -> str:
    """``"0.5"``, ``"4.5"``, ``"10"``, ``"0.02"``: 0.01 mL, leading zero, no trailing zero."""
    return plain(round_ml(d))


def format_mg(d: Decimal) -> str:
    """``"1.5"``, ``"4.5"``, ``"50"``: 0.1 mg, leading zero, no trailing zero."""
    return plain(round_mg(d))


def format_mg_fixed(d: Decimal) -> str:
    """A weighing for a worksheet: always one decimal (``"163.5"``, ``"120.0"``)."""
    return str(round_mg(d))


def format_mg_exact(d: Decimal) -> str:
    """An amount an aliquot delivers: one decimal when it is on the balance's 0.1 mg steps,
    else three (``"54.5"``, ``"2.020"``), so a small dose is never shown rounded away."""
    if d == round_mg(d):
        return format_mg_fixed(d)
    return str(round_to(d, MG_FINE_STEP))


_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def end_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_expiry(s: str, field: str = "expiry") -> date:
    """``YYYY-MM-DD``, or ``YYYY-MM`` meaning the last day of that month."""
    text = s.strip() if isinstance(s, str) else ""
    try:
        if m := _ISO_DAY.match(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _ISO_MONTH.match(text):
            return end_of_month(int(m[1]), int(m[2]))
    except ValueError:
        raise FormulationError(field, f"'{s}' is not a real date") from None
    raise FormulationError(
        field,
        f"expiry '{s}' must be YYYY-MM-DD or YYYY-MM (month/year "
        "expiry means the last day of that month)",
    )


def add_days(start: date, days: int, field: str) -> date:
    """``start`` + ``days``, or an error naming ``field`` when the result would fall
    outside the calendar (year 1 to 9999) instead of an OverflowError."""
    try:
        return start + timedelta(days=days)
    except OverflowError:
        raise FormulationError(
            field, f"{start.isoformat()} + {days} days is outside the calendar"
        ) from None
