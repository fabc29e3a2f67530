"""Column types shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import DateTime, Numeric, TypeDecorator
from sqlalchemy.engine import Dialect


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every database (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def Mass() -> Numeric[Decimal]:  # noqa: N802 - reads as a type in column declarations
    """Milligrams or millilitres with four decimals: exact, never float."""
    return Numeric(14, 4, asdecimal=True)


def Money() -> Numeric[Decimal]:  # noqa: N802 - reads as a type in column declarations
    """An amount of money in whole cents: exact, never float."""
    return Numeric(12, 2, asdecimal=True)


def UnitCost() -> Numeric[Decimal]:  # noqa: N802
    """A cost per capsule, mL or mg: six decimals (a capsule may cost a fraction of a cent)."""
    return Numeric(14, 6, asdecimal=True)


def utcnow() -> datetime:
    return datetime.now(UTC)
