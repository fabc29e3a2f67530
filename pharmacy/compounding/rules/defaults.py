"""The seeded rules: every default value the engine starts from, with its unit and source.

:data:`SEEDS` names each rule's default, the unit it is in, where it comes from (DOMAIN.md
and the reference behind it, or a project convention) and the codec that stores it
(:mod:`.codec`). The tables inside it (capsule volumes, fillers, BUD categories, the Fawcett
vehicle, opioid names, texts) are the data just above it. An administrator may change any
rule; the database then holds the change and the source the pharmacy gave for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pharmacy.compounding.rules import vocabulary
from pharmacy.compounding.rules.records import BudCategory, Filler, OpioidTerm, VehicleComponent

D = Decimal

DOMAIN = "DOMAIN.md"


# --------------------------------------------------------------------------- tables

CAPSULE_VOLUMES_ML: dict[str, Decimal] = {
    "000": D("1.37"),
    "00": D("0.95"),
    "0": D("0.68"),
    "1": D("0.50"),
    "2": D("0.37"),
    "3": D("0.30"),
    "4": D("0.21"),
    "5": D("0.13"),
}

FILLERS: tuple[Filler, ...] = (
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

BUD_CATEGORIES: tuple[BudCategory, ...] = (
    BudCategory(
        "aqueous_unpreserved", "aqueous, not preserved (water activity >= 0.6)", 14, "refrigerator"
    ),
    BudCategory("aqueous_preserved", "aqueous, preserved", 35, "room temperature or refrigerator"),
    BudCategory(
        "nonaqueous_liquid", "non-aqueous oral liquid", 90, "room temperature or refrigerator"
    ),
    BudCategory("capsule", "other non-aqueous (capsules)", 180, "room temperature or refrigerator"),
)

FAWCETT_VEHICLE: tuple[VehicleComponent, ...] = (
    VehicleComponent("ascorbic_acid", "ascorbic acid", D("0.5"), "w/v"),
    VehicleComponent("sodium_benzoate", "sodium benzoate", D("0.1"), "w/v"),
    VehicleComponent("glycerol", "glycerol", D("20"), "v/v"),
    VehicleComponent("purified_water", "purified water", D("0"), "qs"),
)


# DOMAIN.md §8: every name the opioid gate reads, with its ingredient, kind and source, is
# the reviewed data file data/opioids.json (see .vocabulary); the ingredients, look-alikes and
# the rest of the screen's rules are seeded in .screening.
OPIOID_TERMS: tuple[OpioidTerm, ...] = vocabulary.opioid_terms()

WASHOUT_TEXTS: dict[str, str] = {
    "short_acting": "wait 7-10 days after the last dose of a short-acting opioid before "
    "starting naltrexone",
    "methadone": "wait 10-14 days after the last dose of methadone before starting naltrexone",
    "buprenorphine": "wait about 14 days after the last dose of buprenorphine before starting "
    "naltrexone",
    "long_acting": "wait at least 10-14 days after the last dose of an extended-release opioid "
    "before starting naltrexone",
    "surgery": "stop naltrexone about 72 hours before planned surgery and tell the surgical team",
}

TITRATION_TEMPLATES: dict[str, tuple[tuple[Decimal, int], ...]] = {
    "standard-1.5": ((D("1.5"), 14), (D("3"), 14), (D("4.5"), 30)),
    "standard-1.5-weekly": ((D("1.5"), 7), (D("3"), 7), (D("4.5"), 30)),
    "sensitive-0.5": tuple((D(k) / 2, 7) for k in range(1, 9)) + ((D("4.5"), 30),),
    "sensitive-1": tuple((D(k) / 2, 7) for k in range(2, 9)) + ((D("4.5"), 30),),
}

# DOMAIN.md §9: printed on every LDN label. The first is the short opioid warning the
# container label carries in its emphasised box; the others are longer warnings that print
# on the label where it has room and on an auxiliary sticker beside it otherwise (never
# instead). US spelling.
LABEL_WARNINGS: tuple[str, ...] = (
    "Do not take opioid pain, cough or diarrhea medicines, because they may cause sudden "
    "withdrawal. Stop 3 days (72 hours) before surgery unless your doctor says otherwise.",
    "Tell every doctor, dentist and emergency staff that you take naltrexone.",
    "Vivid dreams or trouble sleeping may occur in the first weeks.",
)

# The same warnings in the other languages a label prints in (BCP 47 tag -> texts, in the
# order of LABEL_WARNINGS). Reviewed texts: never machine-translated at run time.
LABEL_WARNINGS_TRANSLATED: dict[str, tuple[str, ...]] = {
    "es": (
        "No tome medicamentos opioides para el dolor, la tos o la diarrea, porque pueden "
        "causar una abstinencia repentina. Deje de tomarlo 3 días (72 horas) antes de una "
        "cirugía, a menos que su médico le indique otra cosa.",
        "Informe a todos sus médicos, dentistas y al personal de emergencias que toma naltrexona.",
        "Puede tener sueños vívidos o dificultad para dormir en las primeras semanas.",
    ),
}

# USP <17> directions, one template set per language (DOMAIN.md §7). Placeholders:
# {count} capsules, {amount} the capsules counted, {mg} the dose, {ml} the volume, {days},
# {syringe} the syringe (mL), {route_timing} (first step) and {timing} (later steps).
# "_one"/"_many": singular/plural.
DIRECTION_TEXTS: dict[str, dict[str, str]] = {
    # English takes its route and timing from the rule directions_route_timing.
    "en": {
        "timing": "at bedtime",
        "capsule_one": "{count} capsule",
        "capsule_many": "{count} capsules",
        "take_capsule": "Take {amount} ({mg} mg) {route_timing}.",
        "take_liquid": "Take {ml} mL ({mg} mg) {route_timing}.",
        "first_capsule": "Take {amount} {route_timing} for {days}",
        "next_capsule": "then {amount} {timing} for {days}",
        "last_capsule": "then {amount} {timing}.",
        "first_liquid": "Take {ml} mL ({mg} mg) {route_timing} for {days}",
        "next_liquid": "then {ml} mL ({mg} mg) {timing} for {days}",
        "last_liquid": "then {ml} mL ({mg} mg) {timing}.",
        "days_one": "{days} day",
        "days_many": "{days} days",
        "joiner": ", ",
        "syringe": "Use the {syringe} mL oral syringe provided.",
        "dated_step": "{start} to {end}: take {amount}.",
        "dated_last": "From {start}: take {amount}.",
    },
    "es": {
        "route_timing": "por vía oral a la hora de acostarse",
        "timing": "a la hora de acostarse",
        "capsule_one": "{count} cápsula",
        "capsule_many": "{count} cápsulas",
        "take_capsule": "Tome {amount} ({mg} mg) {route_timing}.",
        "take_liquid": "Tome {ml} mL ({mg} mg) {route_timing}.",
        "first_capsule": "Tome {amount} {route_timing} durante {days}",
        "next_capsule": "luego {amount} {timing} durante {days}",
        "last_capsule": "luego {amount} {timing}.",
        "first_liquid": "Tome {ml} mL ({mg} mg) {route_timing} durante {days}",
        "next_liquid": "luego {ml} mL ({mg} mg) {timing} durante {days}",
        "last_liquid": "luego {ml} mL ({mg} mg) {timing}.",
        "days_one": "{days} día",
        "days_many": "{days} días",
        "joiner": ", ",
        "syringe": "Use la jeringa oral de {syringe} mL que se le entrega.",
        "dated_step": "Del {start} al {end}: tome {amount}.",
        "dated_last": "Desde el {start}: tome {amount}.",
    },
}

# Where the Spanish texts come from, and who may change them: named in the rules' sources.
SPANISH_SOURCE = (
    "Spanish: phrasing after the California State Board of Pharmacy's translated "
    "directions for use (16 CCR 1707.5) and USP <17>; the pharmacy's bilingual pharmacist "
    "reviews every change"
)

LIQUID_TEXTS: dict[str, str] = {
    "shake_well": "Shake well before each use.",
    "protect_from_light": "Protect from light.",
    "refrigerate": "Keep in the refrigerator (2-8 °C). Do not freeze.",
    "unpreserved_note": "Unpreserved aqueous liquid: it keeps only days; keep it in the "
    "refrigerator and discard it at the beyond-use date.",
    "nonaqueous_vehicle": "non-aqueous vehicle per the master formula",
}


# The patient's texts of LIQUID_TEXTS in the other label languages (BCP 47 tag -> key ->
# text); the notes for the pharmacist stay English. Reviewed texts: never machine-translated at
# run time. A key without a text here prints in English.
LIQUID_TEXTS_TRANSLATED: dict[str, dict[str, str]] = {
    "es": {
        "shake_well": "Agítelo bien antes de cada uso.",
        "protect_from_light": "Protéjalo de la luz.",
        "refrigerate": "Guárdelo en el refrigerador (2-8 °C). No lo congele.",
    },
}

# The storage a batch names (a BUD category's storage, or a formula's), as a label in another
# language prints it (BCP 47 tag -> the storage as written in English -> text). A storage
# the pharmacy wrote that has no text here prints as written.
STORAGE_TEXTS_TRANSLATED: dict[str, dict[str, str]] = {
    "es": {
        "room temperature or refrigerator": "Guárdelo a temperatura ambiente o en el refrigerador.",
        "refrigerator": "Guárdelo en el refrigerador.",
        "room temperature": "Guárdelo a temperatura ambiente.",
    },
}


EXTENDED_RELEASE_WORDS: tuple[str, ...] = (
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
)


# --------------------------------------------------------------------------- the rules


@dataclass(frozen=True)
class Seed:
    """One rule's seeded default: its value, unit and source, and the codec that stores it."""

    value: object
    unit: str
    source: str
    kind: str


#: Every rule's seeded default, by rule name.
SEEDS: dict[str, Seed] = {
    "version": Seed("2026.2", "", "rules release", "str"),
    "mw_naltrexone_hcl": Seed(
        D("377.86"), "g/mol", f"{DOMAIN} §1 [FDA label; USP monograph]", "decimal"
    ),
    "mw_naltrexone_base": Seed(
        D("341.41"), "g/mol", f"{DOMAIN} §1 [FDA label; USP monograph]", "decimal"
    ),
    "mw_naltrexone_hcl_dihydrate": Seed(D("413.90"), "g/mol", f"{DOMAIN} §1 [computed]", "decimal"),
    "tablet_label_claim_mg": Seed(
        D("50"), "mg naltrexone HCl per tablet", f"{DOMAIN} §2", "decimal"
    ),
    "dose_hard_stop_min_mg": Seed(
        D("0"), "mg/day (a dose at or below this is refused)", f"{DOMAIN} §1", "decimal"
    ),
    "dose_hard_stop_max_mg": Seed(
        D("10"), "mg/day (a dose above this is refused)", f"{DOMAIN} §1", "decimal"
    ),
    "dose_ack_low_mg": Seed(
        D("0.5"), "mg/day (below needs a pharmacist's acknowledgement)", f"{DOMAIN} §1", "decimal"
    ),
    "dose_ack_high_mg": Seed(
        D("4.5"), "mg/day (above needs a pharmacist's acknowledgement)", f"{DOMAIN} §1", "decimal"
    ),
    "addiction_tablet_mg": Seed(
        D("50"),
        "mg (the commercial naltrexone dose for addiction, not LDN)",
        f"{DOMAIN} §1",
        "decimal",
    ),
    "capsule_volumes_ml": Seed(
        CAPSULE_VOLUMES_ML, "mL per capsule size", f"{DOMAIN} §3 [supplier charts]", "decimal_map"
    ),
    "default_capsule_size": Seed(
        "3", "capsule size", "project default (DOMAIN.md §3 sizes)", "str"
    ),
    "fillers": Seed(
        FILLERS,
        "filler records (bulk density g/mL)",
        f"{DOMAIN} §3 [IFF; LDN pharmacist guidance]",
        "fillers",
    ),
    "default_filler_code": Seed("mcc", "filler code", f"{DOMAIN} §3 (MCC is the default)", "str"),
    "capsule_overage_percent": Seed(D("10"), "%", f"{DOMAIN} §3", "decimal"),
    "liquid_overage_percent": Seed(D("5"), "%", f"{DOMAIN} §5", "decimal"),
    "balance_mwq_mg": Seed(
        D("120"), "mg", f"{DOMAIN} §4 [USP <1176>, Class III balance]", "decimal"
    ),
    "weight_check_tolerance_percent": Seed(
        D("10"), "% of theoretical fill weight", f"{DOMAIN} §3", "decimal"
    ),
    "max_days_supply": Seed(
        365,
        "days",
        "project convention: a prescription is valid for at most one year in most US states",
        "int",
    ),
    "liquid_aliquot_volumes_ml": Seed(
        (D("10"), D("5"), D("2")),
        "mL",
        f"project convention for {DOMAIN} §4 in a liquid: volumes measured with a "
        "graduated syringe or pipette, largest first",
        "decimal_list",
    ),
    "weight_check_sample_max": Seed(10, "capsules", f"{DOMAIN} §3", "int"),
    "will_call_return_days": Seed(
        14,
        "days waiting for pick-up",
        "project convention: a fill not collected within 14 days of being ready may be "
        "returned to stock (DOMAIN.md §9 hand-over)",
        "int",
    ),
    "refills_due_within_days": Seed(
        7,
        "days before a fill's supply runs out",
        "issue 22: the pharmacist's dashboard and the prescriber portal list refills due "
        "within a week",
        "int",
    ),
    "pickup_waiting_days": Seed(
        7,
        "days ready for pick-up",
        "issue 22: the pharmacist's dashboard flags fills ready for more than a week",
        "int",
    ),
    "batch_bud_soon_days": Seed(
        14,
        "days before a released batch's BUD",
        "issue 22: released batches with units left within 14 days of their BUD (DOMAIN.md §6)",
        "int",
    ),
    "lot_expiry_soon_days": Seed(
        30,
        "days before an ingredient lot's expiry",
        "issue 22: ingredient lots expiring within 30 days (DOMAIN.md §2)",
        "int",
    ),
    "syringe_graduations_ml": Seed(
        {1: D("0.02"), 3: D("0.1"), 5: D("0.1")},
        "mL graduation per syringe size (mL)",
        f"{DOMAIN} §5 [ISMP]",
        "int_decimal_map",
    ),
    "liquid_concentrations_mg_per_ml": Seed(
        (D("1"), D("5"), D("2"), D("0.5")),
        "mg/mL, in order of preference",
        f"{DOMAIN} §5 (1 and 5 mg/mL) [LDN Research Trust; AHS]; 2 and 0.5 mg/mL project additions",
        "decimal_list",
    ),
    "bud_categories": Seed(
        BUD_CATEGORIES, "days", f"{DOMAIN} §6 [USP <795>, 2023]", "bud_categories"
    ),
    "fawcett_vehicle": Seed(
        FAWCETT_VEHICLE,
        "% (w/v: g/100 mL; v/v: mL/100 mL)",
        f"{DOMAIN} §5 [Fawcett 1997]",
        "vehicle",
    ),
    "fawcett_reference": Seed(
        "Fawcett JM et al. Ann Pharmacother 1997;31:1291 (naltrexone HCl 1 mg/mL "
        "with 0.5% ascorbic acid, 0.1% sodium benzoate, 20% glycerol: stable 60 days "
        "at 4 °C and 30 days at 25 °C, protected from light)",
        "",
        f"{DOMAIN} §5",
        "str",
    ),
    "fawcett_stable_days_refrigerated": Seed(
        60, "days at 4 °C", f"{DOMAIN} §5 [Fawcett 1997]", "int"
    ),
    "fawcett_stable_days_room": Seed(30, "days at 25 °C", f"{DOMAIN} §5 [Fawcett 1997]", "int"),
    "liquid_texts": Seed(LIQUID_TEXTS, "text", f"{DOMAIN} §5 (labels)", "str_map"),
    "label_warnings": Seed(
        LABEL_WARNINGS, "text", f"{DOMAIN} §9 (warnings on every LDN label)", "str_list"
    ),
    "opioid_terms": Seed(OPIOID_TERMS, "names", f"{DOMAIN} §8", "opioids"),
    # A misspelt opioid ("Percoset", "oxycodon", "Norko") is still an opioid: a written word
    # one edit (a letter added, dropped, changed or two swapped) from a listed word this long
    # matches it (two edits from opioid_two_edit_min_letters). Common words that would read as
    # a name ("ultra" for "Ultram") are listed look-alikes.
    "opioid_misspelling_min_letters": Seed(
        5,
        "letters (of the listed word) from which one spelling slip still matches",
        f"project convention for {DOMAIN} §8 (err towards a hold)",
        "int",
    ),
    "extended_release_words": Seed(
        EXTENDED_RELEASE_WORDS,
        "words",
        "project convention: marks an extended-release product",
        "str_list",
    ),
    "washout_texts": Seed(
        WASHOUT_TEXTS, "text", f"{DOMAIN} §8 (long_acting: project convention)", "str_map"
    ),
    "titration_templates": Seed(
        TITRATION_TEMPLATES, "mg/day for days", f"{DOMAIN} §7 [seed documents]", "templates"
    ),
    "directions_route_timing": Seed(
        "by mouth at bedtime", "text", f"{DOMAIN} §7 [USP <17>]", "str"
    ),
    "label_warnings_translated": Seed(
        LABEL_WARNINGS_TRANSLATED,
        "text by language (BCP 47)",
        f"{DOMAIN} §9 [USP <17>]; {SPANISH_SOURCE}",
        "str_list_map",
    ),
    "direction_texts": Seed(
        DIRECTION_TEXTS,
        "text templates by language (BCP 47)",
        f"{DOMAIN} §7 [USP <17>]; {SPANISH_SOURCE}",
        "text_by_language",
    ),
    "liquid_texts_translated": Seed(
        LIQUID_TEXTS_TRANSLATED,
        "text by language (BCP 47) and liquid_texts key",
        f"{DOMAIN} §5 (labels) [USP <17>]; {SPANISH_SOURCE}",
        "text_by_language",
    ),
    "storage_texts_translated": Seed(
        STORAGE_TEXTS_TRANSLATED,
        "text by language (BCP 47) and storage as the batch names it",
        f"{DOMAIN} §9 (storage on the label; the storages of §6) [USP <17>]; {SPANISH_SOURCE}",
        "text_by_language",
    ),
    "label_languages": Seed(
        ("en", "es"), "BCP 47 language tags", f"{DOMAIN} §9 [USP <17>]", "str_list"
    ),
}
