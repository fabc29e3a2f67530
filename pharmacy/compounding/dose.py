"""The LDN dose range: hard stops and the range a pharmacist must acknowledge."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.rules import Rules
from pharmacy.compounding.units import plain


@dataclass(frozen=True)
class DoseCheck:
    dose_mg: Decimal
    acknowledgement: str | None = None


def check_dose(dose_mg: Decimal, rules: Rules, field: str = "dose_mg") -> DoseCheck:
    """Refuse a daily dose that is not LDN; say when a pharmacist must acknowledge it."""
    low, high = rules.dose_ack_low_mg, rules.dose_ack_high_mg
    if dose_mg <= rules.dose_hard_stop_min_mg:
        raise FormulationError(
            field,
            f"a dose of {plain(dose_mg)} mg is not possible: the dose must be more "
            f"than {plain(rules.dose_hard_stop_min_mg)} mg",
        )
    if dose_mg > rules.dose_hard_stop_max_mg:
        raise FormulationError(
            field,
            f"{plain(dose_mg)} mg a day is not low-dose naltrexone: LDN is {plain(low)}-"
            f"{plain(high)} mg a day and never more than {plain(rules.dose_hard_stop_max_mg)} "
            f"mg; {plain(rules.addiction_tablet_mg)} mg is the naltrexone tablet used for "
            "addiction treatment, not a compounded LDN dose",
        )
    if dose_mg < low:
        return DoseCheck(
            dose_mg,
            (
                f"{plain(dose_mg)} mg is below the usual LDN range of "
                f"{plain(low)}-{plain(high)} mg a day: a pharmacist must acknowledge this dose"
            ),
        )
    if dose_mg > high:
        return DoseCheck(
            dose_mg,
            (
                f"{plain(dose_mg)} mg is above the usual LDN range of "
                f"{plain(low)}-{plain(high)} mg a day: a pharmacist must acknowledge this dose"
            ),
        )
    return DoseCheck(dose_mg, None)
