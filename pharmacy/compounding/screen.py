"""The clinical screen around the prescription (DOMAIN.md §8 and §11), in one pure step.

- the opioid gate: a current opioid holds (a warning for loperamide, kratom, tianeptine);
  an opioid named only under allergies is a note, never a hold;
- naltrexone already taken is duplicate therapy: a pharmacist acknowledges it;
- cautions (thyroid hormone, immunosuppressants, antiretrovirals, liver, pregnancy) from the
  medications, the conditions and the indication's code: never a hold; an acknowledgement
  only where the rule data says so.

Every sentence is a rule text (``rules.screen_texts``, the caution entries), and the
result keeps the structured matches beside the strings (:meth:`Screen.as_dict`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pharmacy.compounding import opioids
from pharmacy.compounding.namematch import NameIndex
from pharmacy.compounding.opioids import CodedMedication, Medication, OpioidMatch
from pharmacy.compounding.rules import Rules
from pharmacy.compounding.rules.records import CautionRule
from pharmacy.compounding.units import plain

NO_ATTESTATION = "The prescriber has not attested that the patient takes no opioid medicines."


@dataclass(frozen=True)
class Caution:
    """A caution raised: its rule, and the text or code that raised it and how."""

    rule: CautionRule
    written: str
    how: str  # exact | near | contains | code

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.rule.code,
            "title": self.rule.title,
            "written": self.written,
            "how": self.how,
            "acknowledge": self.rule.acknowledge,
            "advice": self.rule.patient_advice,
        }


@dataclass(frozen=True)
class Screen:
    hold_reasons: tuple[str, ...]
    warnings: tuple[str, ...]
    acknowledgements: tuple[str, ...]
    opioid_matches: tuple[OpioidMatch, ...]
    allergy_matches: tuple[OpioidMatch, ...]
    duplicates: tuple[str, ...]
    cautions: tuple[Caution, ...]

    @property
    def patient_advice(self) -> tuple[str, ...]:
        """The leaflet's advice for the cautions raised, each once."""
        return tuple(dict.fromkeys(c.rule.patient_advice for c in self.cautions))

    def as_dict(self) -> dict[str, Any]:
        return {
            "opioids": [_match_dict(m) for m in self.opioid_matches],
            "allergy_opioids": [_match_dict(m) for m in self.allergy_matches],
            "duplicate_therapy": list(self.duplicates),
            "cautions": [c.as_dict() for c in self.cautions],
        }


def _match_dict(m: OpioidMatch) -> dict[str, Any]:
    return {
        "written": m.medication,
        "term": m.matched_term,
        "ingredient": m.ingredient,
        "rxcui": m.rxcui,
        "class": m.pharm_class,
        "kind": m.kind,
        "how": m.how,
        "spelt_as": m.spelt_as,
        "severity": m.severity,
        "washout": m.drug_class,
    }


def run_screen(
    medications: Sequence[Medication],
    allergies: Sequence[str],
    rules: Rules,
    *,
    attested: bool,
    conditions: Sequence[str] = (),
    indication_icd10: str | None = None,
) -> Screen:
    matches = tuple(opioids.screen_medications(medications, rules))
    stops = [m for m in matches if m.severity == "stop"]
    watch = [m for m in matches if m.severity != "stop"]
    hold_reasons = opioids.hold_reasons(stops, rules)
    if not attested:
        hold_reasons.append(NO_ATTESTATION)
    allergy = tuple(opioids.screen_medications(list(allergies), rules))
    warnings = opioids.hold_reasons(watch, rules) + opioids.allergy_notes_of(allergy, rules)
    duplicates = _duplicates(medications, rules)
    cautions = find_cautions(medications, conditions, indication_icd10, rules)
    texts = rules.screen_texts
    caution_texts = [
        texts["caution"].format(
            title=c.rule.title, written=c.written, how=c.how, text=c.rule.pharmacist_text
        )
        for c in cautions
    ]
    acknowledgements = duplicates + [
        text for c, text in zip(cautions, caution_texts, strict=True) if c.rule.acknowledge
    ]
    warnings += [t for c, t in zip(cautions, caution_texts, strict=True) if not c.rule.acknowledge]
    return Screen(
        tuple(hold_reasons),
        tuple(warnings),
        tuple(acknowledgements),
        matches,
        allergy,
        tuple(duplicates),
        cautions,
    )


def forget_words(*, words: bool = True) -> None:
    """Forget the texts (and words) every index has read: a benchmark's cold read."""
    for slot in (_NALTREXONE, _CAUTIONS):
        for _, index in slot:
            index.forget(words=words)
    opioids.forget_words(words=words)


# One slot each, as the opioid gate's: the same Rules object until a rule changes.
_NALTREXONE: list[tuple[Rules, NameIndex[str]]] = []
_CAUTIONS: list[tuple[Rules, NameIndex[CautionRule]]] = []


def _naltrexone_index(rules: Rules) -> NameIndex[str]:
    if not (_NALTREXONE and _NALTREXONE[0][0] is rules):
        index = NameIndex(
            [(name, name) for name in rules.duplicate_therapy_terms],
            lookalikes=rules.opioid_lookalikes,
            one_edit_min=rules.opioid_misspelling_min_letters,
            two_edit_min=rules.opioid_two_edit_min_letters,
            lexicon=opioids.shared_lexicon(rules),
        )
        _NALTREXONE[:] = [(rules, index)]
    return _NALTREXONE[0][1]


def _duplicates(medications: Sequence[Medication], rules: Rules) -> list[str]:
    """Naltrexone among the current medications: one acknowledgement each."""
    index = _naltrexone_index(rules)
    found = []
    for med in medications:
        text = str(med)
        if isinstance(med, CodedMedication) and med.code in rules.duplicate_therapy_rxcuis:
            how = f"RxNorm code {med.code}"
        else:
            hits = index.find(text)
            if not hits:
                continue
            hit = hits[0]
            how = f"'{hit.written}' reads as '{hit.name}'" if hit.how != "exact" else hit.name
        found.append(rules.screen_texts["duplicate"].format(written=text, how=how))
    return found


def _caution_index(rules: Rules) -> NameIndex[CautionRule]:
    if not (_CAUTIONS and _CAUTIONS[0][0] is rules):
        index = NameIndex(
            [(name, rule) for rule in rules.caution_rules for name in rule.names],
            lookalikes=rules.caution_lookalikes,
            one_edit_min=rules.opioid_misspelling_min_letters,
            two_edit_min=rules.opioid_two_edit_min_letters,
            lexicon=opioids.shared_lexicon(rules),
        )
        _CAUTIONS[:] = [(rules, index)]
    return _CAUTIONS[0][1]


def _code_caution(code: str, rules: Rules) -> CautionRule | None:
    """The caution an RxNorm code (exactly) or an ICD-10-CM code (by its prefix) raises."""
    wanted = code.strip().upper()
    for rule in rules.caution_rules:
        for listed in rule.codes:
            if wanted == listed or (listed[:1].isalpha() and wanted.startswith(listed)):
                return rule
    return None


def find_cautions(
    medications: Sequence[Medication],
    conditions: Sequence[str],
    indication_icd10: str | None,
    rules: Rules,
) -> tuple[Caution, ...]:
    """Each caution once, with the first text or code that raised it."""
    index = _caution_index(rules)
    raised: dict[str, Caution] = {}
    for item in [*medications, *conditions]:
        if isinstance(item, CodedMedication):
            rule = _code_caution(item.code, rules)
            if rule is not None:
                raised.setdefault(rule.code, Caution(rule, item.text, f"code {item.code}"))
        for hit in index.find(str(item)):
            how = "the name" if hit.how == "exact" else f"{hit.how} '{hit.name}'"
            raised.setdefault(hit.payload.code, Caution(hit.payload, str(item), how))
    if indication_icd10:
        rule = _code_caution(indication_icd10, rules)
        if rule is not None:
            raised.setdefault(
                rule.code, Caution(rule, indication_icd10, f"ICD-10-CM {indication_icd10}")
            )
    order = [r.code for r in rules.caution_rules]
    return tuple(sorted(raised.values(), key=lambda c: order.index(c.rule.code)))


def capsule_suggestion(doses: Sequence[Decimal], strength: Decimal, rules: Rules) -> str | None:
    """A dose that needs more than ``capsules_per_dose_max`` capsules at once: the strongest
    capsule that makes every dose 1 to ``capsules_per_dose_suggested_max`` whole capsules,
    or a liquid when no one strength does."""
    counts = [dose / strength for dose in doses]
    most = max(counts)
    if most <= rules.capsules_per_dose_max:
        return None
    fewest = rules.capsules_per_dose_suggested_max
    worst = doses[counts.index(most)]
    candidates = sorted({dose / k for dose in doses for k in range(1, fewest + 1)}, reverse=True)
    texts = rules.screen_texts
    for candidate in candidates:
        made = [dose / candidate for dose in doses]
        if all(n == n.to_integral_value() and 1 <= n <= fewest for n in made):
            return texts["capsules"].format(
                dose=plain(worst),
                count=plain(most),
                strength=plain(strength),
                suggested=plain(candidate.quantize(Decimal("0.001")).normalize()),
                suggested_count=plain(worst / candidate),
            )
    return texts["capsules_liquid"].format(count=plain(most), strength=plain(strength), most=fewest)
