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
    spelt_as: str | None = None  # the word that is one slip from the term, if not exact


def tokens(text: str) -> list[str]:
    """Lower-case words and numbers: ``"Tylenol#3"`` → ``["tylenol", "3"]``."""
    lowered = _LETTER_DIGIT.sub(" ", text.lower())
    return [t for t in _NON_ALNUM.split(lowered) if t]


def _compact(text: str) -> str:
    return "".join(tokens(text))


@dataclass(frozen=True)
class _Index:
    """The opioid terms by the letters they spell, built once per rules object."""

    terms: dict[str, list[OpioidTerm]]
    longest: int  # most words a term's run may span
    # Each term long enough to be read through a misspelling, under itself and under every
    # one-letter deletion of it: a word one edit from a term shares one of these keys with
    # it (symmetric deletion), so a look-up costs a few dict probes, not a scan of every term.
    near: dict[str, set[str]]


# The index of the last rules seen. The service hands the same Rules object to every
# request until a rule changes, so one slot is enough; a new Rules object rebuilds it.
_LAST_INDEX: list[tuple[Rules, _Index]] = []


def _index(rules: Rules) -> _Index:
    if _LAST_INDEX and _LAST_INDEX[0][0] is rules:
        return _LAST_INDEX[0][1]
    built = _build_index(rules)
    _LAST_INDEX[:] = [(rules, built)]
    return built


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _build_index(rules: Rules) -> _Index:
    terms: dict[str, list[OpioidTerm]] = {}
    near: dict[str, set[str]] = {}
    longest = 1
    for term in rules.opioid_terms:
        key = _compact(term.term)
        if not key:
            continue
        terms.setdefault(key, []).append(term)
        longest = max(longest, len(tokens(term.term)) + 2)
        if len(key) >= rules.opioid_misspelling_min_letters and key.isalpha():
            for variant in {key} | _deletions(key):
                near.setdefault(variant, set()).add(key)
    return _Index(terms, longest, near)


def one_edit_apart(a: str, b: str) -> bool:
    """Whether ``b`` is ``a`` with one letter added, dropped or changed, or two neighbours
    swapped (Damerau-Levenshtein distance 1)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        i = diff[0]
        return len(diff) == 2 and diff[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _misspelt(
    words: list[str], index: _Index, min_letters: int
) -> dict[str, tuple[OpioidTerm, str]]:
    """Terms a word (or two joined: "oxy cotin") spells with one slip, by ingredient,
    with the text that matched. Only letters, and only as long as ``min_letters``:
    "Tylenol 8" must not read as "Tylenol 3"."""
    found: dict[str, tuple[OpioidTerm, str]] = {}
    runs = words + [a + b for a, b in zip(words, words[1:], strict=False)]
    for run in runs:
        if len(run) < min_letters or not run.isalpha() or run in index.terms:
            continue
        candidates: set[str] = set()
        for variant in {run} | _deletions(run):
            candidates |= index.near.get(variant, set())
        for key in sorted(candidates):
            if one_edit_apart(run, key):
                for term in index.terms[key]:
                    found.setdefault(term.ingredient, (term, run))
    return found


def _screen_one(medication: str, rules: Rules, index: _Index) -> list[OpioidMatch]:
    words = tokens(medication)
    # A term matches a run of whole words that spells it, spaces and punctuation ignored:
    # "oxy contin" and "OxyContin" both spell "oxycontin"; "trazodone" spells no term.
    found: dict[str, OpioidTerm] = {}
    for i in range(len(words)):
        run = ""
        for j in range(i, min(len(words), i + index.longest)):
            run += words[j]
            for term in index.terms.get(run, []):
                best = found.get(term.ingredient)
                if best is None or len(_compact(best.term)) < len(run):
                    found[term.ingredient] = term
    misspelt = {
        ingredient: hit
        for ingredient, hit in _misspelt(words, index, rules.opioid_misspelling_min_letters).items()
        if ingredient not in found
    }
    extended = bool(set(words) & set(rules.extended_release_words))
    matches = []
    for term, spelt in [(t, None) for t in found.values()] + list(misspelt.values()):
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
                spelt_as=spelt,
            )
        )
    return matches


def screen_medications(
    medications: Sequence[str], rules: Rules = DEFAULT_RULES
) -> list[OpioidMatch]:
    """Every opioid (or opioid-like warning) found in a list of current medications."""
    index = _index(rules)
    matches: list[OpioidMatch] = []
    for med in medications:
        matches += _screen_one(med, rules, index)
    return matches


def hold_reasons(matches: Sequence[OpioidMatch]) -> list[str]:
    """Messages for the pharmacist: the drug matched and the washout guidance."""
    reasons = []
    for m in matches:
        matched = (
            f"matched '{m.matched_term}'"
            if m.spelt_as is None
            else f"'{m.spelt_as}' reads as '{m.matched_term}', one letter apart"
        )
        if m.severity == "stop":
            reasons.append(
                f"'{m.medication}' contains {m.ingredient} ({matched}), an "
                "opioid: naltrexone blocks opioids and would cause sudden withdrawal. Hold for "
                f"a pharmacist: {m.washout_text}."
            )
        else:
            reasons.append(
                f"'{m.medication}' {matched} ({m.ingredient}): "
                f"{m.note or 'review with the patient before starting naltrexone'}."
            )
    return reasons


def is_hard_stop(matches: Sequence[OpioidMatch]) -> bool:
    return any(m.severity == "stop" for m in matches)
