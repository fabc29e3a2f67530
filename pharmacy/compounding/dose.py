"""The LDN dose range: hard stops and the range a pharmacist must acknowledge."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.rules import Rules
from pharmacy.compounding.units import format_mg_exact, plain


@dataclass(frozen=True)
class DoseCheck:
    dose_mg: Decimal
    acknowledgement: str | None = None


def check_dose(
    dose_mg: Decimal, rules: Rules, field: str = "dose_mg", basis: str = "hcl"
) -> DoseCheck:
    """Refuse a daily dose that is not LDN; say when a pharmacist must acknowledge it.
    The range is in mg of naltrexone HCl (DOMAIN §1): a dose as base is weighed against it
    as the HCl it equals (9.5 mg base is 10.51 mg HCl, over the 10 mg stop)."""
    low, high = rules.dose_ack_low_mg, rules.dose_ack_high_mg
    if dose_mg <= rules.dose_hard_stop_min_mg:
        raise FormulationError(
            field,
            f"a dose of {plain(dose_mg)} mg is not possible: the dose must be more "
            f"than {plain(rules.dose_hard_stop_min_mg)} mg",
        )
    if basis == "base":
        as_hcl = dose_mg * rules.mw_naltrexone_hcl / rules.mw_naltrexone_base
        shown = f"{plain(dose_mg)} mg of naltrexone base ({format_mg_exact(as_hcl)} mg as HCl)"
        dose_mg_hcl = as_hcl
    else:
        shown, dose_mg_hcl = f"{plain(dose_mg)} mg", dose_mg
    if dose_mg_hcl > rules.dose_hard_stop_max_mg:
        raise FormulationError(
            field,
            f"{shown} a day is not low-dose naltrexone: LDN is {plain(low)}-"
            f"{plain(high)} mg a day and never more than {plain(rules.dose_hard_stop_max_mg)} "
            f"mg; {plain(rules.addiction_tablet_mg)} mg is the naltrexone tablet used for "
            "addiction treatment, not a compounded LDN dose",
        )
    if dose_mg_hcl < low:
        return DoseCheck(
            dose_mg,
            (
                f"{shown} is below the usual LDN range of "
                f"{plain(low)}-{plain(high)} mg a day: a pharmacist must acknowledge this dose"
            ),
        )
    if dose_mg_hcl > high:
        return DoseCheck(
            dose_mg,
            (
                f"{shown} is above the usual LDN range of "
                f"{plain(low)}-{plain(high)} mg a day: a pharmacist must acknowledge this dose"
            ),
        )
    return DoseCheck(dose_mg, None)
