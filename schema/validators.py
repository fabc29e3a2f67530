"""Named validators shared by the stock schemas (lots, batches, fills)."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import ValidationError


def positive(value: Decimal) -> None:
    if value <= 0:
        raise ValidationError("Must be greater than 0.")


def not_negative(value: Decimal) -> None:
    if value < 0:
        raise ValidationError("Must be 0 or more.")
