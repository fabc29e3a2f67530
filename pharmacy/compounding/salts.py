"""Salt form, potency and the mass of API powder (or tablets) to weigh."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.rules import Rules
from pharmacy.compounding.units import format_mg, plain

SOURCES = ("powder", "tablets")
FORMS = ("hcl", "hcl_dihydrate", "base")
ASSAY_BASES = ("anhydrous", "as_is")
DOSE_BASES = ("hcl", "base")

HUNDRED = Decimal(100)
MAX_ASSAY_PERCENT = Decimal(110)  # sanity bound on a CoA value, not a dosing rule

FORM_NAMES = {
    "hcl": "naltrexone HCl",
    "hcl_dihydrate": "naltrexone HCl dihydrate",
    "base": "naltrexone base",
}


@dataclass(frozen=True)
class ApiSource:
    """Where the naltrexone comes from: an API powder lot (with its CoA) or 50 mg tablets."""

    source: str = "powder"
    form: str = "hcl"
    assay_percent: Decimal = Decimal(100)
    assay_basis: str = "as_is"
    water_percent: Decimal = Decimal(0)
    tablet_powder_mg_per_tablet: Decimal | None = None

    def validate(self) -> None:
        if self.source not in SOURCES:
            raise FormulationError("api.source", f"API source must be one of {_list(SOURCES)}")
        if self.source == "tablets":
            if (
                self.tablet_powder_mg_per_tablet is not None
                and self.tablet_powder_mg_per_tablet <= 0
            ):
                raise FormulationError(
                    "api.tablet_powder_mg_per_tablet",
                    "the powder mass per crushed tablet must be more than 0 mg",
                )
            return
        if self.form not in FORMS:
            raise FormulationError("api.form", f"chemical form must be one of {_list(FORMS)}")
        if self.assay_basis not in ASSAY_BASES:
            raise FormulationError(
                "api.assay_basis", f"assay basis must be one of {_list(ASSAY_BASES)}"
            )
        if not 0 < self.assay_percent <= MAX_ASSAY_PERCENT:
            raise FormulationError(
                "api.assay_percent",
                f"assay {plain(self.assay_percent)} % is not a plausible "
                "Certificate of Analysis value; check the CoA",
            )
        if not 0 <= self.water_percent < HUNDRED:
            raise FormulationError(
                "api.water_percent",
                f"water {plain(self.water_percent)} % must be from 0 to under 100 %",
            )

    @property
    def is_tablets(self) -> bool:
        return self.source == "tablets"


@dataclass(frozen=True)
class ApiRequirement:
    """How much naltrexone to weigh for a prescribed mass, with the derivation."""

    prescribed_mg: Decimal
    dose_basis: str
    prescribed_hcl_mg: Decimal
    counted_substance: str  # hcl | hcl_dihydrate | base
    mass_needed_mg: Decimal
    as_is_fraction: Decimal | None
    weigh_mg: Decimal | None  # exact; None when made from tablets of unknown powder mass
    weigh_label: str
    tablets: int | None = None
    tablet_powder_total_mg: Decimal | None = None
    tablet_powder_note: str = ""
    contains_lactose: bool = False
    derivation: list[str] = field(default_factory=list)


def _list(items: tuple[str, ...]) -> str:
    return ", ".join(items)


def to_hcl_mg(mass_mg: Decimal, dose_basis: str, rules: Rules) -> Decimal:
    """A mass on the prescription's basis expressed as naltrexone HCl (anhydrous)."""
    if dose_basis == "hcl":
        return mass_mg
    if dose_basis == "base":
        return mass_mg * rules.mw_naltrexone_hcl / rules.mw_naltrexone_base
    raise FormulationError("dose_basis", f"dose basis must be one of {_list(DOSE_BASES)}")


def api_requirement(
    prescribed_mg: Decimal, dose_basis: str, api: ApiSource, rules: Rules
) -> ApiRequirement:
    """The mass of powder to weigh (or tablets to crush) for ``prescribed_mg`` (DOMAIN §2)."""
    if dose_basis not in DOSE_BASES:
        raise FormulationError("dose_basis", f"dose basis must be one of {_list(DOSE_BASES)}")
    api.validate()
    if prescribed_mg <= 0:
        raise FormulationError("quantity", "the amount of naltrexone needed must be more than 0")
    basis_name = FORM_NAMES[dose_basis]
    hcl_mg = to_hcl_mg(prescribed_mg, dose_basis, rules)
    lines = [f"Prescribed: {format_mg(prescribed_mg)} mg {basis_name}"]
    if dose_basis == "base":
        lines.append(
            f"As naltrexone HCl: {format_mg(prescribed_mg)} × {rules.mw_naltrexone_hcl} / "
            f"{rules.mw_naltrexone_base} = {format_mg(hcl_mg)} mg"
        )
    if api.is_tablets:
        return _from_tablets(prescribed_mg, dose_basis, hcl_mg, api, rules, lines)

    if api.assay_basis == "anhydrous":
        counted = "base" if api.form == "base" else "hcl"
        fraction = api.assay_percent / HUNDRED * (1 - api.water_percent / HUNDRED)
        f_line = (
            f"As-is fraction f = {plain(api.assay_percent)}/100 × (1 − "
            f"{plain(api.water_percent)}/100) = {fraction:.4f} (anhydrous-basis assay; "
            "the water % already includes hydrate water)"
        )
    else:
        counted = api.form
        fraction = api.assay_percent / HUNDRED
        f_line = f"As-is fraction f = {plain(api.assay_percent)}/100 = {fraction:.4f} (as-is assay)"
    counted_name = FORM_NAMES[counted]
    if counted == dose_basis:
        needed = prescribed_mg
        lines.append(f"The assay counts {counted_name}: needed {format_mg(needed)} mg")
    else:
        needed = prescribed_mg * rules.mw_of(counted) / rules.mw_of(dose_basis)
        lines.append(
            f"The assay counts {counted_name}: needed = {format_mg(prescribed_mg)} × "
            f"{rules.mw_of(counted)} / {rules.mw_of(dose_basis)} = {format_mg(needed)} mg"
        )
    lines.append(f_line)
    weigh = needed / fraction
    label = f"{FORM_NAMES[api.form]} (as is)"
    lines.append(f"Weigh = {format_mg(needed)} ÷ {fraction:.4f} = {format_mg(weigh)} mg {label}")
    return ApiRequirement(
        prescribed_mg=prescribed_mg,
        dose_basis=dose_basis,
        prescribed_hcl_mg=hcl_mg,
        counted_substance=counted,
        mass_needed_mg=needed,
        as_is_fraction=fraction,
        weigh_mg=weigh,
        weigh_label=label,
        derivation=lines,
    )


def tablets_needed(hcl_mg: Decimal, rules: Rules) -> int:
    """Whole 50 mg tablets that hold at least ``hcl_mg`` of naltrexone HCl."""
    return math.ceil(hcl_mg / rules.tablet_label_claim_mg)


def _from_tablets(
    prescribed_mg: Decimal,
    dose_basis: str,
    hcl_mg: Decimal,
    api: ApiSource,
    rules: Rules,
    lines: list[str],
) -> ApiRequirement:
    claim = rules.tablet_label_claim_mg
    count = tablets_needed(hcl_mg, rules)
    in_tablets = claim * count
    share = hcl_mg / in_tablets
    lines.append(
        f"Tablets: ceil({format_mg(hcl_mg)} ÷ {plain(claim)}) = {count} × "
        f"{plain(claim)} mg naltrexone HCl tablets ({plain(in_tablets)} mg)"
    )
    ppt = api.tablet_powder_mg_per_tablet
    fraction: Decimal | None = None
    weigh: Decimal | None = None
    total: Decimal | None = None
    if share == 1:
        portion = "use all of the powder"
    else:
        portion = f"take {format_mg(hcl_mg)}/{plain(in_tablets)} = {share * HUNDRED:.1f} % of it"
    if ppt is not None:
        total = ppt * count
        fraction = claim / ppt
        weigh = hcl_mg / fraction
        lines.append(
            f"Powder per tablet {format_mg(ppt)} mg: f = {plain(claim)}/{format_mg(ppt)}"
            f" = {fraction:.4f}; weigh {format_mg(hcl_mg)} ÷ {fraction:.4f} = "
            f"{format_mg(weigh)} mg of tablet powder (of {format_mg(total)} mg)"
        )
        note = (
            f"Crush {count} tablets (about {format_mg(total)} mg of powder); weigh the whole "
            f"powder and {portion} ({format_mg(weigh)} mg at the stated powder mass). "
            "The tablets contain lactose."
        )
    else:
        note = (
            f"Crush {count} tablets; weigh the whole powder (record P mg) and {portion} "
            f"(P × {share:.4f} mg). The tablets contain lactose."
        )
        lines.append("Powder mass per tablet not known: weigh after crushing")
    return ApiRequirement(
        prescribed_mg=prescribed_mg,
        dose_basis=dose_basis,
        prescribed_hcl_mg=hcl_mg,
        counted_substance="hcl",
        mass_needed_mg=hcl_mg,
        as_is_fraction=fraction,
        weigh_mg=weigh,
        weigh_label="naltrexone HCl 50 mg tablet powder",
        tablets=count,
        tablet_powder_total_mg=total,
        tablet_powder_note=note,
        contains_lactose=True,
        derivation=lines,
    )
