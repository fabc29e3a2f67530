"""Every number and text the engine uses, as named data with a unit and a source.

The database stores these as rows (:meth:`Rules.as_records`) and an administrator may change
them; :meth:`Rules.from_records` turns rows back into a :class:`Rules`. Formulas elsewhere in
the engine never hold a rule number of their own: they read it from a :class:`Rules`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from pharmacy.compounding.errors import FormulationError

D = Decimal

JsonValue = Any  # str | int | bool | None | list[JsonValue] | dict[str, JsonValue]

_DOMAIN = "DOMAIN.md"


@dataclass(frozen=True)
class Rule:
    """One rule as the database stores it: a name, a JSON-ready value, its unit and source."""

    name: str
    value: object
    unit: str
    source: str


# --------------------------------------------------------------------------- sub-records


@dataclass(frozen=True)
class BudCategory:
    """A USP <795> default beyond-use-date category."""

    code: str
    label: str
    days: int
    storage: str

    def to_json(self) -> dict[str, JsonValue]:
        return {"code": self.code, "label": self.label, "days": self.days, "storage": self.storage}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BudCategory:
        return cls(str(data["code"]), str(data["label"]), int(data["days"]), str(data["storage"]))


@dataclass(frozen=True)
class VehicleComponent:
    """One ingredient of a liquid vehicle formula.

    ``basis``: ``"w/v"`` (amount is % w/v: g per 100 mL, weighed in mg), ``"v/v"`` (% v/v,
    measured in mL) or ``"qs"`` (make up to the final volume).
    """

    code: str
    name: str
    percent: Decimal
    basis: str

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "code": self.code,
            "name": self.name,
            "percent": str(self.percent),
            "basis": self.basis,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> VehicleComponent:
        return cls(str(data["code"]), str(data["name"]), _dec(data["percent"]), str(data["basis"]))


@dataclass(frozen=True)
class Filler:
    """A capsule filler. ``status``: ``"ok"``, ``"avoid"`` (warn) or ``"never"`` (refuse)."""

    code: str
    name: str
    bulk_density_g_per_ml: Decimal | None
    status: str = "ok"
    note: str = ""
    contains_lactose: bool = False

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "code": self.code,
            "name": self.name,
            "bulk_density_g_per_ml": (
                None if self.bulk_density_g_per_ml is None else str(self.bulk_density_g_per_ml)
            ),
            "status": self.status,
            "note": self.note,
            "contains_lactose": self.contains_lactose,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Filler:
        density = data.get("bulk_density_g_per_ml")
        return cls(
            str(data["code"]),
            str(data["name"]),
            None if density is None else _dec(density),
            str(data.get("status", "ok")),
            str(data.get("note", "")),
            bool(data.get("contains_lactose", False)),
        )


@dataclass(frozen=True)
class OpioidTerm:
    """A name to screen medications for.

    ``drug_class``: ``short_acting`` | ``methadone`` | ``buprenorphine`` | ``long_acting``;
    ``severity``: ``stop`` (hard stop for verification) | ``warning``.
    """

    term: str
    ingredient: str
    drug_class: str = "short_acting"
    severity: str = "stop"
    note: str = ""

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "term": self.term,
            "ingredient": self.ingredient,
            "class": self.drug_class,
            "severity": self.severity,
            "note": self.note,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OpioidTerm:
        return cls(
            str(data["term"]),
            str(data["ingredient"]),
            str(data.get("class", data.get("drug_class", "short_acting"))),
            str(data.get("severity", "stop")),
            str(data.get("note", "")),
        )


# --------------------------------------------------------------------------- seed data

_CAPSULE_VOLUMES_ML: dict[str, Decimal] = {
    "000": D("1.37"),
    "00": D("0.95"),
    "0": D("0.68"),
    "1": D("0.50"),
    "2": D("0.37"),
    "3": D("0.30"),
    "4": D("0.21"),
    "5": D("0.13"),
}

_FILLERS: tuple[Filler, ...] = (
    Filler(
        "mcc",
        "microcrystalline cellulose",
        D("0.30"),
        note="default filler (Avicel PH-102 loose bulk density 0.28-0.33 g/mL)",
    ),
    Filler("sodium_bicarbonate", "sodium bicarbonate", None, note="measure a pack stat per lot"),
    Filler("lactose", "lactose monohydrate", None, note="contains lactose", contains_lactose=True),
    Filler(
        "calcium_carbonate",
        "calcium carbonate",
        None,
        status="avoid",
        note="avoid calcium carbonate in LDN capsules",
    ),
    Filler(
        "hypromellose",
        "hypromellose (HPMC)",
        None,
        status="never",
        note="a slow-release filler; LDN must be immediate release",
    ),
)

_BUD_CATEGORIES: tuple[BudCategory, ...] = (
    BudCategory(
        "aqueous_unpreserved", "aqueous, not preserved (water activity >= 0.6)", 14, "refrigerator"
    ),
    BudCategory("aqueous_preserved", "aqueous, preserved", 35, "room temperature or refrigerator"),
    BudCategory(
        "nonaqueous_liquid", "non-aqueous oral liquid", 90, "room temperature or refrigerator"
    ),
    BudCategory("capsule", "other non-aqueous (capsules)", 180, "room temperature or refrigerator"),
)

_FAWCETT_VEHICLE: tuple[VehicleComponent, ...] = (
    VehicleComponent("ascorbic_acid", "ascorbic acid", D("0.5"), "w/v"),
    VehicleComponent("sodium_benzoate", "sodium benzoate", D("0.1"), "w/v"),
    VehicleComponent("glycerol", "glycerol", D("20"), "v/v"),
    VehicleComponent("purified_water", "purified water", D("0"), "qs"),
)


def _terms(
    ingredient: str,
    names: str,
    drug_class: str = "short_acting",
    severity: str = "stop",
    note: str = "",
) -> list[OpioidTerm]:
    return [
        OpioidTerm(n.strip(), ingredient, drug_class, severity, note)
        for n in names.split(",")
        if n.strip()
    ]


_LONG = "long_acting"
_LOPERAMIDE_NOTE = (
    "loperamide acts on opioid receptors in the gut; naltrexone may block it and high "
    "doses are a risk - review with the patient"
)
_KRATOM_NOTE = "kratom (mitragynine) acts on opioid receptors; naltrexone may cause withdrawal"

_OPIOID_TERMS: tuple[OpioidTerm, ...] = tuple(
    _terms(
        "buprenorphine",
        "buprenorphine, Suboxone, Subutex, Zubsolv, Bunavail, Butrans, "
        "Belbuca, Buprenex, Sublocade, Brixadi, Cassipa, Probuphine, Temgesic, Espranor, "
        "Transtec, BuTrans",
        "buprenorphine",
    )
    + _terms("methadone", "methadone, Dolophine, Methadose, Diskets, Physeptone", "methadone")
    + _terms("butorphanol", "butorphanol, Stadol")
    + _terms(
        "codeine",
        "codeine, Tylenol 2, Tylenol 3, Tylenol 4, Tylenol No 2, Tylenol No 3, Tylenol No 4, "
        "Tylenol with codeine, Tylenol w codeine, Tuzistra, Tuxarin, Robitussin AC, "
        "Cheratussin AC, Guiatuss AC, co-codamol, Solpadol, Tylex, Kapake, Zapain, "
        "Codipar, Panadeine, Nurofen Plus, Solpadeine",
    )
    + _terms("dihydrocodeine", "dihydrocodeine, Trezix, Synalgos DC, Panlor, co-dydramol, DF118")
    + _terms(
        "fentanyl", "fentanyl, Actiq, Fentora, Sublimaze, Abstral, Subsys, Lazanda, Onsolis, Ionsys"
    )
    + _terms("fentanyl", "Duragesic, Durogesic, Matrifen", _LONG)
    + _terms("alfentanil", "alfentanil, Alfenta")
    + _terms("sufentanil", "sufentanil, Sufenta, Dsuvia")
    + _terms("remifentanil", "remifentanil, Ultiva")
    + _terms(
        "hydrocodone",
        "hydrocodone, Vicodin, Norco, Lortab, Lorcet, Xodol, Verdrocet, "
        "Vicoprofen, Reprexain, Ibudone, Xylon, Tussionex, Hycodan, TussiCaps, Hycet, "
        "Zamicet, Zydone, Anexsia, Hydromet, Tussigon, Flowtuss, Lorcet Plus",
    )
    + _terms("hydrocodone", "Hysingla, Zohydro, Vantrela", _LONG)
    + _terms("benzhydrocodone", "benzhydrocodone, Apadaz")
    + _terms("hydromorphone", "hydromorphone, Dilaudid")
    + _terms("hydromorphone", "Exalgo", _LONG)
    + _terms("levorphanol", "levorphanol, Levo Dromoran")
    + _terms("meperidine", "meperidine, pethidine, Demerol, Meperitab")
    + _terms("morphine", "morphine, Roxanol, Duramorph, Infumorph, Mitigo, Oramorph, Sevredol")
    + _terms(
        "morphine",
        "MS Contin, Kadian, Avinza, Arymo, MorphaBond, Embeda, MST Continus, Zomorph, "
        "Morphgesic",
        _LONG,
    )
    + _terms("diamorphine", "diamorphine, heroin")
    + _terms("nalbuphine", "nalbuphine, Nubain")
    + _terms("opium", "opium, paregoric, laudanum")
    + _terms("oliceridine", "oliceridine, Olinvyk")
    + _terms(
        "oxycodone",
        "oxycodone, Roxicodone, Percocet, Percodan, Endocet, Endodan, "
        "Roxicet, Oxaydo, RoxyBond, Primlev, Xartemis, Oxecta, Tylox, Prolate, Nalocet, "
        "OxyIR, Oxy IR, OxyNorm, Shortec, Oxynorm",
    )
    + _terms("oxycodone", "OxyContin, Xtampza, Targiniq, Troxyca, Longtec, Targin", _LONG)
    + _terms("oxymorphone", "oxymorphone, Opana")
    + _terms("pentazocine", "pentazocine, Talwin")
    + _terms("tapentadol", "tapentadol, Nucynta, Palexia")
    + _terms("tramadol", "tramadol, Ultram, Ultracet, Qdolo, Seglentis, Rybix, Zydol, Tramacet")
    + _terms("tramadol", "ConZip, Ryzolt, Zamadol, Marol", _LONG)
    + _terms("propoxyphene", "propoxyphene, dextropropoxyphene, Darvon, Darvocet")
    + _terms("diphenoxylate", "diphenoxylate, Lomotil, Lonox")
    + _terms("difenoxin", "difenoxin, Motofen")
    + _terms("eluxadoline", "eluxadoline, Viberzi")
    + _terms("loperamide", "loperamide, Imodium", severity="warning", note=_LOPERAMIDE_NOTE)
    + _terms("kratom", "kratom, mitragynine", severity="warning", note=_KRATOM_NOTE)
    # Concentrated 7-hydroxymitragynine products are potent opioid agonists in their own
    # right (FDA, 2025), not the leaf: a stop like any opioid.
    + _terms("7-hydroxymitragynine", "7-hydroxymitragynine, 7-OH, 7OH")
)

_WASHOUT_TEXTS: dict[str, str] = {
    "short_acting": "wait 7-10 days after the last dose of a short-acting opioid before "
    "starting naltrexone",
    "methadone": "wait 10-14 days after the last dose of methadone before starting naltrexone",
    "buprenorphine": "wait about 14 days after the last dose of buprenorphine before starting "
    "naltrexone",
    "long_acting": "wait at least 10-14 days after the last dose of an extended-release opioid "
    "before starting naltrexone",
    "surgery": "stop naltrexone about 72 hours before planned surgery and tell the surgical team",
}

_TITRATION_TEMPLATES: dict[str, tuple[tuple[Decimal, int], ...]] = {
    "standard-1.5": ((D("1.5"), 14), (D("3"), 14), (D("4.5"), 30)),
    "standard-1.5-weekly": ((D("1.5"), 7), (D("3"), 7), (D("4.5"), 30)),
    "sensitive-0.5": tuple((D(k) / 2, 7) for k in range(1, 9)) + ((D("4.5"), 30),),
    "sensitive-1": tuple((D(k) / 2, 7) for k in range(2, 9)) + ((D("4.5"), 30),),
}

# DOMAIN.md §9: printed on every LDN label (or as auxiliary labels beside it).
_LABEL_WARNINGS: tuple[str, ...] = (
    "Do not use opioid medicines (for pain, cough or diarrhoea) while taking this "
    "medicine: it may cause sudden opioid withdrawal.",
    "Tell every doctor, dentist and emergency staff that you take naltrexone, and stop "
    "it before surgery as instructed.",
    "Vivid dreams or trouble sleeping may occur in the first weeks.",
)

_LIQUID_TEXTS: dict[str, str] = {
    "shake_well": "Shake well before each use.",
    "protect_from_light": "Protect from light.",
    "refrigerate": "Keep in the refrigerator (2-8 °C). Do not freeze.",
    "unpreserved_note": "Unpreserved aqueous liquid: it keeps only days; keep it in the "
    "refrigerator and discard it at the beyond-use date.",
    "nonaqueous_vehicle": "non-aqueous vehicle per the master formula",
}


# The most overage a rule may ask for: making more than twice what is dispensed would be a
# typing slip, not a plan (project convention).
MAX_OVERAGE_PERCENT = Decimal(100)


def _meta(unit: str, source: str, kind: str) -> dict[str, str]:
    return {"unit": unit, "source": source, "kind": kind}


# --------------------------------------------------------------------------- Rules


@dataclass(frozen=True)
class Rules:
    """Every default the engine uses. Each field carries its unit and DOMAIN.md source."""

    version: str = field(default="2026.2", metadata=_meta("", "rules release", "str"))
    # Where the pharmacy changed a rule, the source it gave (its SOP, a study…) replaces
    # the seeded citation: every result names the rule that produced it as it stands now.
    sources: Mapping[str, str] = field(
        default_factory=dict, compare=False, metadata={"not_a_rule": True}
    )

    mw_naltrexone_hcl: Decimal = field(
        default=D("377.86"),
        metadata=_meta("g/mol", f"{_DOMAIN} §1 [FDA label; USP monograph]", "decimal"),
    )
    mw_naltrexone_base: Decimal = field(
        default=D("341.41"),
        metadata=_meta("g/mol", f"{_DOMAIN} §1 [FDA label; USP monograph]", "decimal"),
    )
    mw_naltrexone_hcl_dihydrate: Decimal = field(
        default=D("413.90"), metadata=_meta("g/mol", f"{_DOMAIN} §1 [computed]", "decimal")
    )
    tablet_label_claim_mg: Decimal = field(
        default=D("50"), metadata=_meta("mg naltrexone HCl per tablet", f"{_DOMAIN} §2", "decimal")
    )

    dose_hard_stop_min_mg: Decimal = field(
        default=D("0"),
        metadata=_meta("mg/day (a dose at or below this is refused)", f"{_DOMAIN} §1", "decimal"),
    )
    dose_hard_stop_max_mg: Decimal = field(
        default=D("10"),
        metadata=_meta("mg/day (a dose above this is refused)", f"{_DOMAIN} §1", "decimal"),
    )
    dose_ack_low_mg: Decimal = field(
        default=D("0.5"),
        metadata=_meta(
            "mg/day (below needs a pharmacist's acknowledgement)", f"{_DOMAIN} §1", "decimal"
        ),
    )
    dose_ack_high_mg: Decimal = field(
        default=D("4.5"),
        metadata=_meta(
            "mg/day (above needs a pharmacist's acknowledgement)", f"{_DOMAIN} §1", "decimal"
        ),
    )
    addiction_tablet_mg: Decimal = field(
        default=D("50"),
        metadata=_meta(
            "mg (the commercial naltrexone dose for addiction, not LDN)", f"{_DOMAIN} §1", "decimal"
        ),
    )

    capsule_volumes_ml: Mapping[str, Decimal] = field(
        default_factory=lambda: dict(_CAPSULE_VOLUMES_ML),
        metadata=_meta("mL per capsule size", f"{_DOMAIN} §3 [supplier charts]", "decimal_map"),
    )
    default_capsule_size: str = field(
        default="3", metadata=_meta("capsule size", "project default (DOMAIN.md §3 sizes)", "str")
    )
    fillers: tuple[Filler, ...] = field(
        default=_FILLERS,
        metadata=_meta(
            "filler records (bulk density g/mL)",
            f"{_DOMAIN} §3 [IFF; LDN pharmacist guidance]",
            "fillers",
        ),
    )
    default_filler_code: str = field(
        default="mcc", metadata=_meta("filler code", f"{_DOMAIN} §3 (MCC is the default)", "str")
    )

    capsule_overage_percent: Decimal = field(
        default=D("10"), metadata=_meta("%", f"{_DOMAIN} §3", "decimal")
    )
    liquid_overage_percent: Decimal = field(
        default=D("5"), metadata=_meta("%", f"{_DOMAIN} §5", "decimal")
    )
    balance_mwq_mg: Decimal = field(
        default=D("120"),
        metadata=_meta("mg", f"{_DOMAIN} §4 [USP <1176>, Class III balance]", "decimal"),
    )
    weight_check_tolerance_percent: Decimal = field(
        default=D("10"), metadata=_meta("% of theoretical fill weight", f"{_DOMAIN} §3", "decimal")
    )
    max_days_supply: int = field(
        default=365,
        metadata=_meta(
            "days",
            "project convention: a prescription is valid for at most one year in most US states",
            "int",
        ),
    )
    liquid_aliquot_volumes_ml: tuple[Decimal, ...] = field(
        default=(D("10"), D("5"), D("2")),
        metadata=_meta(
            "mL",
            f"project convention for {_DOMAIN} §4 in a liquid: volumes measured with a "
            "graduated syringe or pipette, largest first",
            "decimal_list",
        ),
    )
    weight_check_sample_max: int = field(
        default=10, metadata=_meta("capsules", f"{_DOMAIN} §3", "int")
    )

    syringe_graduations_ml: Mapping[int, Decimal] = field(
        default_factory=lambda: {1: D("0.02"), 3: D("0.1"), 5: D("0.1")},
        metadata=_meta(
            "mL graduation per syringe size (mL)", f"{_DOMAIN} §5 [ISMP]", "int_decimal_map"
        ),
    )
    liquid_concentrations_mg_per_ml: tuple[Decimal, ...] = field(
        default=(D("1"), D("5"), D("2"), D("0.5")),
        metadata=_meta(
            "mg/mL, in order of preference",
            f"{_DOMAIN} §5 (1 and 5 mg/mL) [LDN Research Trust; AHS]; 2 and "
            "0.5 mg/mL project additions",
            "decimal_list",
        ),
    )

    bud_categories: tuple[BudCategory, ...] = field(
        default=_BUD_CATEGORIES,
        metadata=_meta("days", f"{_DOMAIN} §6 [USP <795>, 2023]", "bud_categories"),
    )

    fawcett_vehicle: tuple[VehicleComponent, ...] = field(
        default=_FAWCETT_VEHICLE,
        metadata=_meta(
            "% (w/v: g/100 mL; v/v: mL/100 mL)", f"{_DOMAIN} §5 [Fawcett 1997]", "vehicle"
        ),
    )
    fawcett_reference: str = field(
        default="Fawcett JM et al. Ann Pharmacother 1997;31:1291 (naltrexone HCl 1 mg/mL "
        "with 0.5% ascorbic acid, 0.1% sodium benzoate, 20% glycerol: stable 60 days "
        "at 4 °C and 30 days at 25 °C, protected from light)",
        metadata=_meta("", f"{_DOMAIN} §5", "str"),
    )
    fawcett_stable_days_refrigerated: int = field(
        default=60, metadata=_meta("days at 4 °C", f"{_DOMAIN} §5 [Fawcett 1997]", "int")
    )
    fawcett_stable_days_room: int = field(
        default=30, metadata=_meta("days at 25 °C", f"{_DOMAIN} §5 [Fawcett 1997]", "int")
    )
    liquid_texts: Mapping[str, str] = field(
        default_factory=lambda: dict(_LIQUID_TEXTS),
        metadata=_meta("text", f"{_DOMAIN} §5 (labels)", "str_map"),
    )

    label_warnings: tuple[str, ...] = field(
        default=_LABEL_WARNINGS,
        metadata=_meta("text", f"{_DOMAIN} §9 (warnings on every LDN label)", "str_list"),
    )

    opioid_terms: tuple[OpioidTerm, ...] = field(
        default=_OPIOID_TERMS, metadata=_meta("names", f"{_DOMAIN} §8", "opioids")
    )
    # A misspelt opioid ("Percoset", "oxycodon", "bupenorphine") is still an opioid: a word
    # this long that is one edit from a term (a letter added, dropped, changed or two
    # swapped) matches it. Shorter words would confuse real drugs ("Ultra" for "Ultram").
    opioid_misspelling_min_letters: int = field(
        default=7,
        metadata=_meta(
            "letters", f"project convention for {_DOMAIN} §8 (err towards a hold)", "int"
        ),
    )
    extended_release_words: tuple[str, ...] = field(
        default=(
            "er",
            "xr",
            "sr",
            "cr",
            "xl",
            "la",
            "extended",
            "controlled",
            "sustained",
            "patch",
            "transdermal",
        ),
        metadata=_meta(
            "words", "project convention: marks an extended-release product", "str_list"
        ),
    )
    washout_texts: Mapping[str, str] = field(
        default_factory=lambda: dict(_WASHOUT_TEXTS),
        metadata=_meta("text", f"{_DOMAIN} §8 (long_acting: project convention)", "str_map"),
    )

    titration_templates: Mapping[str, tuple[tuple[Decimal, int], ...]] = field(
        default_factory=lambda: dict(_TITRATION_TEMPLATES),
        metadata=_meta("mg/day for days", f"{_DOMAIN} §7 [seed documents]", "templates"),
    )
    directions_route_timing: str = field(
        default="by mouth at bedtime", metadata=_meta("text", f"{_DOMAIN} §7 [USP <17>]", "str")
    )

    def __post_init__(self) -> None:
        # A rule table an admin saved must still make sense as a whole: a negative overage
        # or a dose window turned inside out would break every calculation after it.
        for name, problem in self._problems():
            raise FormulationError(f"rules.{name}", problem)

    def _problems(self) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []

        def check(name: str, ok: bool, text: str) -> None:
            if not ok:
                problems.append((name, text))

        for name in (
            "mw_naltrexone_hcl",
            "mw_naltrexone_base",
            "mw_naltrexone_hcl_dihydrate",
            "tablet_label_claim_mg",
            "balance_mwq_mg",
            "weight_check_tolerance_percent",
        ):
            check(name, getattr(self, name) > 0, "must be more than 0")
        for name in ("capsule_overage_percent", "liquid_overage_percent"):
            value = getattr(self, name)
            check(name, 0 <= value <= MAX_OVERAGE_PERCENT,
                  f"must be from 0 to {MAX_OVERAGE_PERCENT} %")
        check("weight_check_tolerance_percent", self.weight_check_tolerance_percent < 100,
              "must be less than 100 %")
        for name in ("weight_check_sample_max", "max_days_supply",
                     "fawcett_stable_days_refrigerated",
                     "fawcett_stable_days_room", "opioid_misspelling_min_letters"):
            check(name, getattr(self, name) >= 1, "must be 1 or more")
        check("dose_hard_stop_min_mg", self.dose_hard_stop_min_mg >= 0, "cannot be negative")
        check("dose_hard_stop_max_mg", self.dose_hard_stop_max_mg > self.dose_hard_stop_min_mg,
              "must be above dose_hard_stop_min_mg")
        check("dose_ack_low_mg",
              self.dose_hard_stop_min_mg <= self.dose_ack_low_mg <= self.dose_ack_high_mg,
              "must lie between dose_hard_stop_min_mg and dose_ack_high_mg")
        check("dose_ack_high_mg", self.dose_ack_high_mg <= self.dose_hard_stop_max_mg,
              "cannot be above dose_hard_stop_max_mg")
        check("capsule_volumes_ml", all(v > 0 for v in self.capsule_volumes_ml.values()),
              "every capsule volume must be more than 0 mL")
        check("syringe_graduations_ml",
              all(size > 0 and 0 < grad <= size
                  for size, grad in self.syringe_graduations_ml.items()),
              "every syringe and graduation must be more than 0 mL, the graduation no larger "
              "than the syringe")
        check("liquid_aliquot_volumes_ml", all(v > 0 for v in self.liquid_aliquot_volumes_ml),
              "every volume must be more than 0 mL")
        check("liquid_concentrations_mg_per_ml",
              all(c > 0 for c in self.liquid_concentrations_mg_per_ml),
              "every concentration must be more than 0 mg/mL")
        return problems

    # ----------------------------------------------------------------- look-ups

    def bud_category(self, code: str) -> BudCategory:
        for cat in self.bud_categories:
            if cat.code == code:
                return cat
        known = ", ".join(c.code for c in self.bud_categories)
        raise FormulationError("bud_category", f"unknown BUD category '{code}'; known: {known}")

    def filler(self, code: str) -> Filler | None:
        """The filler with this code (case, hyphens and spaces ignored)."""
        wanted = code.strip().lower().replace("-", "_").replace(" ", "_")
        for f in self.fillers:
            if f.code == wanted:
                return f
        return None

    def mw_of(self, substance: str) -> Decimal:
        """Molecular weight of ``hcl``, ``hcl_dihydrate`` or ``base``."""
        return {
            "hcl": self.mw_naltrexone_hcl,
            "hcl_dihydrate": self.mw_naltrexone_hcl_dihydrate,
            "base": self.mw_naltrexone_base,
        }[substance]

    def describe(self, name: str) -> str:
        """``"name = value unit (source)"`` for ``rules_used``."""
        f = _FIELDS[name]
        value = _encode(f.metadata["kind"], getattr(self, name))
        shown = value if isinstance(value, str | int) else "table"
        unit = f.metadata["unit"]
        source = self.sources.get(name) or f.metadata["source"]
        return f"{name} = {shown}{' ' + unit if unit else ''} ({source}; rules {self.version})"

    # ----------------------------------------------------------------- records

    def as_records(self) -> list[Rule]:
        return [
            Rule(
                f.name,
                _encode(f.metadata["kind"], getattr(self, f.name)),
                f.metadata["unit"],
                self.sources.get(f.name) or f.metadata["source"],
            )
            for f in _FIELDS.values()
        ]

    @classmethod
    def from_records(cls, records: Iterable[Rule]) -> Rules:
        values: dict[str, Any] = {}
        sources: dict[str, str] = {}
        for rec in records:
            f = _FIELDS.get(rec.name)
            if f is None:
                continue
            if rec.source and rec.source != f.metadata["source"]:
                sources[rec.name] = rec.source
            try:
                values[rec.name] = _decode(f.metadata["kind"], rec.value)
            except InvalidOperation:
                raise FormulationError(
                    f"rules.{rec.name}",
                    f"rule '{rec.name}' needs numbers: {rec.value!r} is not one",
                ) from None
            except (KeyError, TypeError, ValueError) as exc:
                raise FormulationError(
                    f"rules.{rec.name}", f"stored rule '{rec.name}' cannot be read: {exc}"
                ) from exc
        return cls(**values, sources=sources)


_FIELDS = {f.name: f for f in dataclasses.fields(Rules) if not f.metadata.get("not_a_rule")}


# --------------------------------------------------------------------------- codecs


def _dec(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise TypeError(f"expected a number as text, got {value!r}")
    d = Decimal(value)
    if not d.is_finite():
        raise ValueError("not a finite number")
    return d


def _records(items: Iterable[Any]) -> list[JsonValue]:
    return [item.to_json() for item in items]


_ENCODERS: dict[str, Callable[[Any], JsonValue]] = {
    "str": str,
    "int": int,
    "decimal": str,
    "decimal_map": lambda m: {str(k): str(v) for k, v in m.items()},
    "int_decimal_map": lambda m: {str(k): str(v) for k, v in m.items()},
    "str_map": lambda m: {str(k): str(v) for k, v in m.items()},
    "decimal_list": lambda xs: [str(x) for x in xs],
    "str_list": lambda xs: [str(x) for x in xs],
    "fillers": _records,
    "bud_categories": _records,
    "vehicle": _records,
    "opioids": _records,
    "templates": lambda m: {
        code: [{"dose_mg": str(dose), "days": days} for dose, days in steps]
        for code, steps in m.items()
    },
}

_DECODERS: dict[str, Callable[[Any], Any]] = {
    "str": str,
    "int": int,
    "decimal": _dec,
    "decimal_map": lambda m: {str(k): _dec(v) for k, v in dict(m).items()},
    "int_decimal_map": lambda m: {int(k): _dec(v) for k, v in dict(m).items()},
    "str_map": lambda m: {str(k): str(v) for k, v in dict(m).items()},
    "decimal_list": lambda xs: tuple(_dec(x) for x in xs),
    "str_list": lambda xs: tuple(str(x) for x in xs),
    "fillers": lambda xs: tuple(Filler.from_json(x) for x in xs),
    "bud_categories": lambda xs: tuple(BudCategory.from_json(x) for x in xs),
    "vehicle": lambda xs: tuple(VehicleComponent.from_json(x) for x in xs),
    "opioids": lambda xs: tuple(OpioidTerm.from_json(x) for x in xs),
    "templates": lambda m: {
        str(code): tuple((_dec(s["dose_mg"]), int(s["days"])) for s in steps)
        for code, steps in dict(m).items()
    },
}


def _encode(kind: str, value: Any) -> JsonValue:
    return _ENCODERS[kind](value)


def _decode(kind: str, value: Any) -> Any:
    return _DECODERS[kind](value)


DEFAULT_RULES: Rules = Rules()
