"""Fields and base classes shared by every schema."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

PLAIN_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
# C0 controls other than tab and newline, and DEL: they have no place in a name, a note or
# an address, and break labels and exports.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class StrictSchema(Schema):
    """Unknown fields are an error, never silently dropped."""

    class Meta:
        unknown = RAISE


class JsonNumber(Decimal):
    """A JSON number with a fraction or an exponent, parsed exactly (never through a
    float) and remembering how it was written, so `45e-1` and `4.50000000000000001` are
    judged as typed (pharmacy/api/blueprint.py parses request bodies with it)."""

    literal: str

    def __new__(cls, literal: str) -> JsonNumber:
        number = super().__new__(cls, literal)
        number.literal = literal
        return number


class DecimalNumber(fields.Field[Decimal]):
    """A number given as a JSON number or a numeric string, kept exact as a Decimal.

    Booleans, NaN, Infinity and non-numeric text are refused with a clear message; a value
    is never rounded here.
    """

    default_error_messages = {
        "invalid": 'Must be a number (a JSON number or a numeric string such as "1.5").',
        "special": "Must be a finite number; NaN and Infinity are not allowed.",
        "too_precise": "Use at most {places} decimal places.",
        "exponent": "Write the number out in full (4.5, not 45e-1).",
    }

    def __init__(self, *, places: int = 4, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.places = places

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        if isinstance(value, JsonNumber):
            value = value.literal  # judged as written, exactly like the same text in quotes
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise self.make_error("invalid")
        text = value.strip() if isinstance(value, str) else repr(value)
        if isinstance(value, str) and (not text or len(text) > 40):
            raise self.make_error("invalid")
        try:
            number = Decimal(text)
        except (InvalidOperation, ValueError) as error:
            raise self.make_error("invalid") from error
        if not number.is_finite():
            raise self.make_error("special")
        if isinstance(value, str) and not PLAIN_DECIMAL.fullmatch(text):
            # No exponents and no non-ASCII digits, as a JSON number or in quotes: 45e-1,
            # "1e3" and "٤.٥" are refused; write 4.5.
            raise self.make_error("exponent" if "e" in text.lower() else "invalid")
        exponent = number.normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < -self.places:
            raise self.make_error("too_precise", places=self.places)
        if abs(number) > Decimal("1e12"):
            raise self.make_error("invalid")
        return number

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        number = Decimal(value)
        if number == number.to_integral_value():
            return int(number)
        return float(number)


INT32_MAX = 2**31 - 1


class WholeNumber(fields.Integer):
    """An integer given as a JSON number or a numeric string, never a boolean, and within
    the 32-bit range of the database's integer columns (ids included)."""

    default_error_messages = {"out_of_range": "Must be between -2147483648 and 2147483647."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=False, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        if isinstance(value, Decimal) and value != value.to_integral_value():
            raise self.make_error("invalid")  # an exact JSON number such as 1.5 or 15e-1
        if isinstance(value, str) and len(value) > 20:
            raise self.make_error("invalid")
        number = super()._deserialize(value, attr, data, **kwargs)
        if not -INT32_MAX - 1 <= number <= INT32_MAX:
            raise self.make_error("out_of_range")
        return number


def Text(
    max_length: int,
    *,
    required: bool = False,
    min_length: int = 0,
    join_lines: str | None = None,
    **kw: Any,
) -> fields.String:  # noqa: N802
    """A trimmed string with a length limit (and no control characters). With
    `join_lines`, text typed on several lines (an address in a textarea) becomes one line,
    its lines joined by that separator, as labels and exports print it."""
    validators = [validate.Length(min=min_length, max=max_length)]
    extra = kw.pop("validate", None)
    if extra is not None:
        validators.append(extra)
    return TrimmedString(required=required, validate=validators, join_lines=join_lines, **kw)


class TrimmedString(fields.String):
    def __init__(self, *args: Any, join_lines: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.join_lines = join_lines

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        # A browser sends a textarea's line breaks as CR LF.
        text = super()._deserialize(value, attr, data, **kwargs)
        text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
        if CONTROL_CHARACTER.search(text):
            raise ValidationError("Must not contain control characters.")
        if self.join_lines is not None:
            text = self.join_lines.join(line.strip() for line in text.split("\n") if line.strip())
        return text


class PageQuery(StrictSchema):
    page = WholeNumber(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = WholeNumber(load_default=25, validate=validate.Range(min=1, max=100))


class PageMeta(Schema):
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class ExpiryDate(fields.Field[date]):
    """An expiry as `YYYY-MM-DD`, or `YYYY-MM` meaning the last day of that month."""

    default_error_messages = {"invalid": "Use YYYY-MM-DD, or YYYY-MM for a month/year expiry."}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        from pharmacy.compounding.errors import FormulationError
        from pharmacy.compounding.units import parse_expiry

        if not isinstance(value, str) or len(value) > 10:
            raise self.make_error("invalid")
        try:
            return parse_expiry(value)
        except FormulationError as error:
            raise self.make_error("invalid") from error

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else value.isoformat()
