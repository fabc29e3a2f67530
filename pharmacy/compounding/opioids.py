"""The opioid gate: screen current medications before naltrexone (DOMAIN §8)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pharmacy.compounding.rules import DEFAULT_RULES, OpioidTerm, Rules

_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class OpioidMatch:
    medication: str  # as given
    matched_term: str
    ingredient: str
    severity: str  # stop | warning
    washout_text: str
    drug_class: str = "short_acting"
    note: str = ""


def tokens(text: str) -> list[str]:
    """Lower-case words and numbers: ``"Tylenol#3"`` → ``["tylenol", "3"]``."""
    lowered = _LETTER_DIGIT.sub(" ", text.lower())
    return [t for t in _NON_ALNUM.split(lowered) if t]


def _compact(text: str) -> str:
    return "".join(tokens(text))


# The index of the last rules seen. The service hands the same Rules object to every
# request until a rule changes, so one slot is enough; a new Rules object rebuilds it.
_LAST_INDEX: list[tuple[Rules, tuple[dict[str, list[OpioidTerm]], int]]] = []


def _index(rules: Rules) -> tuple[dict[str, list[OpioidTerm]], int]:
    if _LAST_INDEX and _LAST_INDEX[0][0] is rules:
        return _LAST_INDEX[0][1]
    built = _build_index(rules)
    _LAST_INDEX[:] = [(rules, built)]
    return built


def _build_index(rules: Rules) -> tuple[dict[str, list[OpioidTerm]], int]:
    index: dict[str, list[OpioidTerm]] = {}
    longest = 1
    for term in rules.opioid_terms:
        key = _compact(term.term)
        if key:
            index.setdefault(key, []).append(term)
            longest = max(longest, len(tokens(term.term)) + 2)
    return index, longest


def _screen_one(
    medication: str, rules: Rules, index: dict[str, list[OpioidTerm]], longest: int
) -> list[OpioidMatch]:
    words = tokens(medication)
    # A term matches a run of whole words that spells it, spaces and punctuation ignored:
    # "oxy contin" and "OxyContin" both spell "oxycontin"; "trazodone" spells no term.
    found: dict[str, OpioidTerm] = {}
    for i in range(len(words)):
        run = ""
        for j in range(i, min(len(words), i + longest)):
            run += words[j]
            for term in index.get(run, []):
                best = found.get(term.ingredient)
                if best is None or len(_compact(best.term)) < len(run):
                    found[term.ingredient] = term
    extended = bool(set(words) & set(rules.extended_release_words))
    matches = []
    for term in found.values():
        drug_class = term.drug_class
        if drug_class == "short_acting" and extended and term.severity == "stop":
            drug_class = "long_acting"
        washout = rules.washout_texts.get(drug_class, rules.washout_texts.get("short_acting", ""))
        matches.append(
            OpioidMatch(
                medication,
                term.term,
                term.ingredient,
                term.severity,
                washout,
                drug_class,
                term.note,
            )
        )
    return matches


def screen_medications(
    medications: Sequence[str], rules: Rules = DEFAULT_RULES
) -> list[OpioidMatch]:
    """Every opioid (or opioid-like warning) found in a list of current medications."""
    index, longest = _index(rules)
    matches: list[OpioidMatch] = []
    for med in medications:
        matches += _screen_one(med, rules, index, longest)
    return matches


def hold_reasons(matches: Sequence[OpioidMatch]) -> list[str]:
    """Messages for the pharmacist: the drug matched and the washout guidance."""
    reasons = []
    for m in matches:
        if m.severity == "stop":
            reasons.append(
                f"'{m.medication}' contains {m.ingredient} (matched '{m.matched_term}'), an "
                "opioid: naltrexone blocks opioids and would cause sudden withdrawal. Hold for "
                f"a pharmacist: {m.washout_text}."
            )
        else:
            reasons.append(
                f"'{m.medication}' matched '{m.matched_term}' ({m.ingredient}): "
                f"{m.note or 'review with the patient before starting naltrexone'}."
            )
    return reasons


def is_hard_stop(matches: Sequence[OpioidMatch]) -> bool:
    return any(m.severity == "stop" for m in matches)
