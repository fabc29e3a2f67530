"""The opioid gate: screen current medications before naltrexone (DOMAIN §8).

The vocabulary is rule data (``rules.opioid_terms``, ``opioid_ingredients``,
``opioid_lookalikes``: the reviewed file ``rules/data/opioids.json``); the reading is
:mod:`.namematch`'s, which errs toward holding. A medication sent with an RxNorm code is
matched by its code first, then by its text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pharmacy.compounding import namematch
from pharmacy.compounding.namematch import (
    CONTAINS,
    EXACT,
    NEAR,
    Lexicon,
    NameIndex,
    listed_words,
    tokens,
)
from pharmacy.compounding.rules import DEFAULT_RULES, OpioidTerm, Rules
from pharmacy.compounding.rules.records import OpioidIngredient

__all__ = [
    "CodedMedication",
    "OpioidMatch",
    "allergy_notes",
    "allergy_notes_of",
    "hold_reasons",
    "is_hard_stop",
    "one_edit_apart",
    "screen_medications",
    "shared_lexicon",
    "tokens",
]

CODE = "code"


@dataclass(frozen=True)
class CodedMedication:
    """A medication as an integration sends it: its text and an RxNorm code."""

    text: str
    code: str
    system: str = "rxnorm"

    def __str__(self) -> str:
        return self.text


Medication = str | CodedMedication


@dataclass(frozen=True)
class OpioidMatch:
    medication: str  # as given
    matched_term: str
    ingredient: str
    severity: str  # stop | warning
    washout_text: str
    drug_class: str = "short_acting"  # the washout that applies
    note: str = ""
    spelt_as: str | None = None  # the written words, when not an exact name
    how: str = EXACT  # exact | near | contains | code
    kind: str = "generic"  # generic | brand | former brand | shorthand
    form: str = ""
    pharm_class: str = ""  # agonist | partial agonist | antidiarrheal | other
    rxcui: str | None = None
    edits: int = 0
    source: str = ""

    def explained(self, texts: dict[str, str] | None = None) -> str:
        """How the name was found, in words: "brand name 'Percocet'", "'oxycodon' is a near
        spelling of 'oxycodone', one letter apart", "RxNorm code 7804"."""
        if self.how == CODE:
            return f"RxNorm code {self.rxcui}"
        if self.how == NEAR:
            apart = "one letter apart" if self.edits == 1 else f"{self.edits} letters apart"
            return f"'{self.spelt_as}' is a near spelling of '{self.matched_term}', {apart}"
        if self.how == CONTAINS:
            return f"'{self.spelt_as}' contains the name '{self.matched_term}'"
        named = {"generic": "the name", "brand": "brand name"}.get(self.kind, self.kind)
        form = f", {self.form}" if self.form else ""
        shorthand = ""
        if self.kind == "shorthand" and texts:
            shorthand = f"; {texts.get('shorthand', '')}"
        return f"{named} '{self.matched_term}'{form}{shorthand}"


@dataclass(frozen=True)
class _Gate:
    names: NameIndex[OpioidTerm]
    by_rxcui: dict[str, OpioidTerm]
    lexicon: Lexicon
    ingredients: dict[str, OpioidIngredient]
    extended_words: frozenset[str]
    vocabulary: tuple[object, ...]


def _vocabulary(rules: Rules) -> tuple[object, ...]:
    """The rules the gate and its lexicon are built from: equal values, the same build."""
    return (
        rules.opioid_ingredients,
        rules.opioid_terms,
        rules.opioid_lookalikes,
        rules.caution_lookalikes,
        rules.duplicate_therapy_terms,
        tuple(name for rule in rules.caution_rules for name in rule.names),
        rules.extended_release_words,
        rules.opioid_misspelling_min_letters,
        rules.opioid_two_edit_min_letters,
    )


# The index of the last rules seen. The service hands the same Rules object to every
# request until a rule changes, so one slot is enough; a new Rules object rebuilds it.
_LAST: list[tuple[Rules, _Gate]] = []


def shared_lexicon(rules: Rules) -> Lexicon:
    """The one lexicon of every table the screen reads with the opioid gate's thresholds
    (the opioid names, naltrexone, the cautions): each written word is read once for all."""
    return _gate(rules).lexicon


def _lexicon(rules: Rules) -> Lexicon:
    names = [t.term for t in rules.opioid_terms]
    names += list(rules.duplicate_therapy_terms)
    names += [name for rule in rules.caution_rules for name in rule.names]
    words, keys = listed_words(names)
    lookalikes, _ = listed_words([*rules.opioid_lookalikes, *rules.caution_lookalikes])
    return Lexicon(
        words,
        keys=keys,
        known=lookalikes,
        one_edit_min=rules.opioid_misspelling_min_letters,
        two_edit_min=rules.opioid_two_edit_min_letters,
    )


def _gate(rules: Rules) -> _Gate:
    if _LAST and _LAST[0][0] is rules:
        return _LAST[0][1]
    vocabulary = _vocabulary(rules)
    if _LAST and _LAST[0][1].vocabulary == vocabulary:
        _LAST[:] = [(rules, _LAST[0][1])]  # new rules, the same vocabulary: nothing to build
        return _LAST[0][1]
    ingredients = {i.name: i for i in rules.opioid_ingredients}
    roots = []
    by_rxcui = {}
    for item in rules.opioid_ingredients:
        term = OpioidTerm(
            item.name, item.name, item.washout, item.severity, item.note, source=item.source
        )
        if item.name.isalpha() and len(item.name) >= rules.opioid_misspelling_min_letters:
            roots.append((item.name, term))
        if item.rxcui:
            by_rxcui[item.rxcui] = term
    lexicon = _lexicon(rules)
    names = NameIndex(
        [(t.term, t) for t in rules.opioid_terms if t.ingredient in ingredients],
        lookalikes=rules.opioid_lookalikes,
        roots=roots,
        one_edit_min=rules.opioid_misspelling_min_letters,
        two_edit_min=rules.opioid_two_edit_min_letters,
        lexicon=lexicon,
    )
    extended = frozenset(rules.extended_release_words)
    built = _Gate(names, by_rxcui, lexicon, ingredients, extended, vocabulary)
    _LAST[:] = [(rules, built)]
    return built


def forget_words(*, words: bool = True) -> None:
    """Forget the texts (and words) the gate has read: a benchmark's cold read."""
    for _, gate in _LAST:
        gate.names.forget(words=words)


def one_edit_apart(a: str, b: str) -> bool:
    """Whether ``b`` is ``a`` with one letter added, dropped or changed, or two neighbours
    swapped (Damerau-Levenshtein distance 1)."""
    return namematch.edit_distance(a, b, 1) == 1


_RANK = {CODE: 0, EXACT: 1, NEAR: 2, CONTAINS: 3}


def _rank(hit: _Found) -> tuple[int, int, int, int]:
    """A code first; then the hit that reads more of what was written ("oxy cotin" is
    OxyContin, not "oxy"), an exact name before a near one, fewer slips."""
    term, how, spelt, edits = hit
    covered = len(namematch.compact(spelt if spelt is not None else term.term))
    return (how != CODE, -covered, _RANK[how], edits)


_Found = tuple[OpioidTerm, str, str | None, int]  # the term, how, the written words, slips


def _best(hits: list[_Found]) -> dict[str, _Found]:
    """One hit per ingredient: by code, then exact, near, contains; the longest name."""
    best: dict[str, _Found] = {}
    for hit in hits:
        term = hit[0]
        held = best.get(term.ingredient)
        if held is None or _rank(hit) < _rank(held):
            best[term.ingredient] = hit
    return best


def _screen_one(medication: Medication, rules: Rules, gate: _Gate) -> list[OpioidMatch]:
    text = str(medication)
    hits: list[_Found] = []
    if isinstance(medication, CodedMedication) and medication.code in gate.by_rxcui:
        hits.append((gate.by_rxcui[medication.code], CODE, None, 0))
    for hit in gate.names.find(text):
        spelt = None if hit.how == EXACT else hit.written
        hits.append((hit.payload, hit.how, spelt, hit.edits))
    if not hits:
        return []
    extended = not gate.extended_words.isdisjoint(tokens(text))
    ingredients = gate.ingredients
    matches = []
    for term, how, spelt, edits in _best(hits).values():
        ingredient = ingredients[term.ingredient]
        drug_class = term.drug_class
        if drug_class == "short_acting" and extended and term.severity == "stop":
            drug_class = "long_acting"
        washout = rules.washout_texts.get(drug_class, rules.washout_texts.get("short_acting", ""))
        matches.append(
            OpioidMatch(
                text,
                term.term,
                term.ingredient,
                term.severity,
                washout,
                drug_class,
                term.note,
                spelt_as=spelt,
                how=how,
                kind=term.kind,
                form=term.form,
                pharm_class=ingredient.drug_class,
                rxcui=ingredient.rxcui,
                edits=edits,
                source=term.source,
            )
        )
    return matches


def screen_medications(
    medications: Sequence[Medication], rules: Rules = DEFAULT_RULES
) -> list[OpioidMatch]:
    """Every opioid (or opioid-like warning) found in a list of current medications."""
    gate = _gate(rules)
    matches: list[OpioidMatch] = []
    for med in medications:
        matches += _screen_one(med, rules, gate)
    return matches


def hold_reasons(matches: Sequence[OpioidMatch], rules: Rules = DEFAULT_RULES) -> list[str]:
    """Messages for the pharmacist: the text entered, the name it matched and how, and the
    washout guidance (a warning: what to review)."""
    texts = dict(rules.screen_texts)
    reasons = []
    for m in matches:
        how = m.explained(texts)
        if m.severity == "stop":
            reasons.append(
                texts["hold"].format(
                    written=m.medication,
                    ingredient=m.ingredient,
                    how=how,
                    pharm_class=m.pharm_class or "opioid",
                    washout=m.washout_text,
                )
            )
        else:
            note = m.note or "review with the patient before starting naltrexone"
            reasons.append(
                texts["warning"].format(
                    written=m.medication, how=f"matched {how}", ingredient=m.ingredient, note=note
                )
            )
    return reasons


def allergy_notes(allergies: Sequence[str], rules: Rules = DEFAULT_RULES) -> list[str]:
    """An opioid named only under allergies never holds; the pharmacist sees a note."""
    return allergy_notes_of(screen_medications(list(allergies), rules), rules)


def allergy_notes_of(matches: Sequence[OpioidMatch], rules: Rules = DEFAULT_RULES) -> list[str]:
    """The notes for opioids already found under allergies (:func:`allergy_notes`)."""
    texts = dict(rules.screen_texts)
    return [
        texts["allergy"].format(written=m.medication, ingredient=m.ingredient, how=m.explained())
        for m in matches
    ]


def is_hard_stop(matches: Sequence[OpioidMatch]) -> bool:
    return any(m.severity == "stop" for m in matches)
