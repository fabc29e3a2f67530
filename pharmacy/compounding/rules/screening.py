"""The clinical screen's rules (DOMAIN.md §8 and §11): the opioid gate's ingredients and
look-alikes, naltrexone as duplicate therapy, the capsule-count suggestion, the cautions and
the common LDN indications, and the sentences the screen says.

Seeded here, beside :mod:`.defaults` (the vocabularies themselves are the reviewed data
files :mod:`.vocabulary` loads); :class:`~.model.Rules` holds them like every other rule, so
an administrator sees and changes them on the rules page, and every change is a version.
"""

from __future__ import annotations

from typing import Any

from pharmacy.compounding.rules import vocabulary
from pharmacy.compounding.rules.defaults import DOMAIN, SPANISH_SOURCE, Seed

_DUPLICATE = vocabulary.duplicate_therapy()

SCREEN_TEXTS: dict[str, str] = {
    "hold": "'{written}' contains {ingredient} ({how}), an opioid ({pharm_class}): naltrexone "
    "blocks opioids and would cause sudden withdrawal. Hold for a pharmacist: {washout}.",
    "warning": "'{written}' {how} ({ingredient}): {note}.",
    "allergy": "'{written}' under allergies names {ingredient} ({how}): an allergy, not a "
    "current medication, so no hold; confirm with the patient that they take no opioid.",
    "duplicate": "'{written}' is naltrexone ({how}): duplicate therapy with LDN. Confirm with "
    "the prescriber which naltrexone the patient should take before verifying.",
    "capsules": "Each {dose} mg dose needs {count} capsules of {strength} mg. A strength of "
    "{suggested} mg makes it {suggested_count} capsule(s) a dose; or prescribe a liquid.",
    "capsules_liquid": "A dose needs up to {count} capsules of {strength} mg; no one capsule "
    "strength makes every dose 1 to {most} capsules: consider a liquid.",
    "shorthand": "shorthand: confirm with the patient or prescriber what it means",
    "caution": "Caution ({title}): '{written}' ({how}). {text}",
}

# Each caution's patient advice (data/cautions.json) in the other languages the leaflet
# prints in (BCP 47 tag -> caution code -> text). Reviewed texts: never machine-translated
# at run time; a caution without a text here prints its English advice.
CAUTION_ADVICE_TRANSLATED: dict[str, dict[str, str]] = {
    "es": {
        "thyroid": "Usted toma hormona tiroidea. La LDN puede reducir la dosis que necesita. "
        "Avise a su médico si se siente tembloroso, nervioso o acalorado, si suda más, si "
        "tiene latidos rápidos o fuertes del corazón o si duerme mal: pueden ser señales de "
        "demasiada hormona tiroidea, y es posible que necesite un análisis de tiroides.",
        "immunosuppressant": "Usted toma un medicamento que actúa sobre su sistema "
        "inmunitario. Su farmacéutico ya revisó la LDN con su médico; avísenos a nosotros y a "
        "su médico si tiene una infección nueva o cualquier cambio en estos medicamentos.",
        "antiretroviral": "Usted toma medicamentos para el VIH. Siga tomándolos exactamente "
        "como se los recetaron; su farmacéutico ya revisó la LDN con su médico. Dígale a su "
        "especialista en VIH que toma LDN.",
        "liver": "La naltrexona se procesa en el hígado. Avise a su médico de inmediato si "
        "nota la piel o los ojos amarillos, orina oscura, heces de color claro o dolor en la "
        "parte superior derecha del abdomen.",
        "pregnancy": "Avise a su médico y a su farmacéutico si está embarazada, si planea "
        "quedar embarazada o si está amamantando: sus especialistas decidirán juntos si debe "
        "tomar LDN.",
    },
}

SCREEN_SEEDS: dict[str, Seed] = {
    "opioid_ingredients": Seed(
        vocabulary.opioid_ingredients(),
        "ingredients (RxNorm RxCUI, class, washout, stop or warning)",
        f"{DOMAIN} §8; RxNav (NLM) for each RxCUI; data/opioids.json",
        "opioid_ingredients",
    ),
    "opioid_lookalikes": Seed(
        vocabulary.opioid_lookalikes(),
        "names that never hold",
        f"{DOMAIN} §8; " + vocabulary.lookalike_source(),
        "str_list",
    ),
    "opioid_two_edit_min_letters": Seed(
        8,
        "letters (of the listed word) from which two spelling slips still match",
        f"project convention for {DOMAIN} §8 (err towards a hold)",
        "int",
    ),
    "duplicate_therapy_terms": Seed(
        tuple(_DUPLICATE["names"]), "names of naltrexone", _DUPLICATE["source"], "str_list"
    ),
    "duplicate_therapy_rxcuis": Seed(
        (_DUPLICATE["rxcui"],), "RxNorm RxCUI", _DUPLICATE["source"], "str_list"
    ),
    "capsules_per_dose_max": Seed(
        4,
        "capsules a dose may need before a strength is suggested",
        f"project convention for {DOMAIN} §3: more than 4 capsules at once is hard to take "
        "and to count",
        "int",
    ),
    "capsules_per_dose_suggested_max": Seed(
        3, "capsules a dose at a suggested strength", f"project convention for {DOMAIN} §3", "int"
    ),
    "screen_texts": Seed(SCREEN_TEXTS, "text", f"{DOMAIN} §8 and §11", "str_map"),
    "caution_rules": Seed(
        vocabulary.caution_rules(),
        "cautions (names, RxCUIs and ICD-10-CM prefixes, texts, acknowledgement)",
        f"{DOMAIN} §11; the source of each caution is in its entry (data/cautions.json)",
        "cautions",
    ),
    "caution_advice_translated": Seed(
        CAUTION_ADVICE_TRANSLATED,
        "text by language (BCP 47) and caution code",
        f"{DOMAIN} §11 (the leaflet's advice) [USP <17>]; {SPANISH_SOURCE}",
        "text_by_language",
    ),
    "caution_lookalikes": Seed(
        vocabulary.caution_lookalikes(),
        "names that never raise a caution",
        f"{DOMAIN} §11; ISMP List of Confused Drug Names (2023); data/cautions.json",
        "str_list",
    ),
    "ldn_indications": Seed(
        vocabulary.ldn_indications(),
        "indication -> ICD-10-CM code (suggestions)",
        str(vocabulary.load("indications.json")["source"]),
        "str_map",
    ),
}


def screen_problems(rules: Any) -> list[tuple[str, bool, str]]:
    """The checks on the screen's rules of a :class:`~.model.Rules` (name, ok, problem)."""
    ingredients = {i.name for i in rules.opioid_ingredients}
    return [
        (
            "opioid_terms",
            all(t.ingredient in ingredients for t in rules.opioid_terms),
            "every name must belong to an ingredient of opioid_ingredients",
        ),
        (
            "opioid_ingredients",
            all(
                i.washout in rules.washout_texts and i.severity in ("stop", "warning")
                for i in rules.opioid_ingredients
            ),
            "every ingredient needs a washout of washout_texts and severity stop or warning",
        ),
        (
            "opioid_two_edit_min_letters",
            rules.opioid_two_edit_min_letters > rules.opioid_misspelling_min_letters,
            "must be more than opioid_misspelling_min_letters",
        ),
        (
            "caution_advice_translated",
            all(
                code in {c.code for c in rules.caution_rules}
                for texts in rules.caution_advice_translated.values()
                for code in texts
            ),
            "every text must name a caution code of caution_rules",
        ),
        (
            "capsules_per_dose_suggested_max",
            1 <= rules.capsules_per_dose_suggested_max <= rules.capsules_per_dose_max,
            "must be from 1 to capsules_per_dose_max",
        ),
    ]
