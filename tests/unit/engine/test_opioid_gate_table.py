"""The opioid gate as a pharmacist tests it (DOMAIN.md §8, issue 20): a table of medication
strings, each with the outcome a pharmacist expects and why; the look-alikes swept; a random
slip in a listed ingredient still holds."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pharmacy.compounding import DEFAULT_RULES as R
from pharmacy.compounding.opioids import (
    CodedMedication,
    allergy_notes,
    hold_reasons,
    screen_medications,
)
from pharmacy.compounding.screen import run_screen

HOLD, WARN, NONE = "hold", "warning", "none"

# (what was written, expected outcome, the ingredient (or ""), why)
TABLE = [
    # generics
    ("morphine 15 mg", HOLD, "morphine", "generic"),
    ("oxycodone 5mg q6h prn", HOLD, "oxycodone", "generic"),
    ("HYDROCODONE", HOLD, "hydrocodone", "generic, upper case"),
    ("codeine phosphate 30 mg", HOLD, "codeine", "generic with salt"),
    ("fentanyl 25 mcg/h", HOLD, "fentanyl", "generic"),
    ("methadone 40 mg daily", HOLD, "methadone", "generic"),
    ("buprenorphine 8 mg SL", HOLD, "buprenorphine", "generic"),
    ("tramadol 50", HOLD, "tramadol", "generic"),
    ("tapentadol ER 100", HOLD, "tapentadol", "generic"),
    ("hydromorphone 2 mg", HOLD, "hydromorphone", "generic"),
    ("oxymorphone", HOLD, "oxymorphone", "generic"),
    ("meperidine", HOLD, "meperidine", "generic"),
    ("pethidine", HOLD, "meperidine", "INN name"),
    ("levorphanol 2 mg", HOLD, "levorphanol", "generic"),
    ("dihydrocodeine", HOLD, "dihydrocodeine", "generic"),
    ("butorphanol nasal spray", HOLD, "butorphanol", "mixed agonist-antagonist, nasal"),
    ("nalbuphine", HOLD, "nalbuphine", "mixed agonist-antagonist"),
    ("pentazocine/naloxone", HOLD, "pentazocine", "mixed agonist-antagonist"),
    ("diphenoxylate/atropine", HOLD, "diphenoxylate", "opioid antidiarrheal"),
    ("difenoxin", HOLD, "difenoxin", "opioid antidiarrheal"),
    ("eluxadoline 100 mg", HOLD, "eluxadoline", "mu agonist for IBS-D"),
    ("opium tincture", HOLD, "opium", "generic"),
    ("paregoric", HOLD, "opium", "camphorated opium tincture"),
    ("oliceridine", HOLD, "oliceridine", "generic"),
    ("benzhydrocodone", HOLD, "benzhydrocodone", "generic"),
    ("propoxyphene", HOLD, "propoxyphene", "withdrawn generic"),
    ("heroin", HOLD, "diamorphine", "illicit"),
    ("carfentanil", HOLD, "carfentanil", "illicit analogue"),
    ("sufentanil", HOLD, "sufentanil", "generic"),
    ("alfentanil", HOLD, "alfentanil", "generic"),
    ("remifentanil", HOLD, "remifentanil", "generic"),
    # brands
    ("Percocet 10/325", HOLD, "oxycodone", "brand"),
    ("OxyContin 20 mg ER", HOLD, "oxycodone", "brand, extended release"),
    ("Roxicodone", HOLD, "oxycodone", "brand"),
    ("Xtampza ER", HOLD, "oxycodone", "brand"),
    ("Norco 5/325", HOLD, "hydrocodone", "brand"),
    ("Lortab", HOLD, "hydrocodone", "former/current brand"),
    ("Hysingla ER", HOLD, "hydrocodone", "brand"),
    ("Zohydro", HOLD, "hydrocodone", "brand"),
    ("Suboxone film 8/2", HOLD, "buprenorphine", "brand"),
    ("Subutex", HOLD, "buprenorphine", "brand"),
    ("Zubsolv", HOLD, "buprenorphine", "brand"),
    ("Belbuca", HOLD, "buprenorphine", "brand"),
    ("Dolophine", HOLD, "methadone", "brand"),
    ("Methadose", HOLD, "methadone", "brand"),
    ("Ultram", HOLD, "tramadol", "brand"),
    ("Ultracet", HOLD, "tramadol", "brand"),
    ("ConZip", HOLD, "tramadol", "brand"),
    ("Nucynta ER", HOLD, "tapentadol", "brand"),
    ("Opana", HOLD, "oxymorphone", "brand"),
    ("Exalgo", HOLD, "hydromorphone", "brand"),
    ("Kadian", HOLD, "morphine", "brand"),
    ("Embeda", HOLD, "morphine", "brand"),
    ("Lomotil", HOLD, "diphenoxylate", "brand"),
    ("Viberzi", HOLD, "eluxadoline", "brand"),
    ("Apadaz", HOLD, "benzhydrocodone", "brand"),
    ("Olinvyk", HOLD, "oliceridine", "brand"),
    ("Motofen", HOLD, "difenoxin", "brand"),
    ("Meperitab", HOLD, "meperidine", "brand"),
    # combinations: oral, cough and cold, transdermal, depot, nasal
    ("acetaminophen/codeine 300/30", HOLD, "codeine", "oral combination"),
    ("APAP/codeine", HOLD, "codeine", "oral combination, abbreviation"),
    ("Tylenol #3", HOLD, "codeine", "oral combination brand"),
    ("Tylenol with Codeine No. 4", HOLD, "codeine", "oral combination brand"),
    ("Fioricet with codeine", HOLD, "codeine", "butalbital combination"),
    ("hydrocodone/ibuprofen", HOLD, "hydrocodone", "oral combination"),
    ("Vicoprofen", HOLD, "hydrocodone", "oral combination brand"),
    ("oxycodone/APAP 5/325", HOLD, "oxycodone", "oral combination"),
    ("Tussionex suspension", HOLD, "hydrocodone", "cough and cold"),
    ("Hycodan syrup", HOLD, "hydrocodone", "cough and cold"),
    ("Tuzistra XR", HOLD, "codeine", "cough and cold"),
    ("Robitussin AC", HOLD, "codeine", "cough and cold"),
    ("Cheratussin AC 10 mL", HOLD, "codeine", "cough and cold"),
    ("promethazine with codeine", HOLD, "codeine", "cough and cold"),
    ("Phenergan with codeine", HOLD, "codeine", "cough and cold brand"),
    ("promethazine-codeine syrup", HOLD, "codeine", "contains codeine"),
    ("Tuxarin ER", HOLD, "codeine", "cough and cold"),
    ("TussiCaps", HOLD, "hydrocodone", "cough and cold"),
    ("Duragesic 50 mcg/hr patch", HOLD, "fentanyl", "transdermal"),
    ("Butrans 10 mcg/h", HOLD, "buprenorphine", "transdermal"),
    ("fentanyl patch", HOLD, "fentanyl", "transdermal"),
    ("Sublocade 300 mg monthly injection", HOLD, "buprenorphine", "injectable depot"),
    ("Brixadi weekly", HOLD, "buprenorphine", "injectable depot"),
    ("Probuphine implant", HOLD, "buprenorphine", "implant"),
    ("Lazanda nasal spray", HOLD, "fentanyl", "nasal"),
    ("Stadol NS", HOLD, "butorphanol", "nasal"),
    ("Actiq lozenge", HOLD, "fentanyl", "transmucosal"),
    # former brands
    ("Vicodin", HOLD, "hydrocodone", "former brand"),
    ("Vicodin ES", HOLD, "hydrocodone", "former brand"),
    ("Lorcet", HOLD, "hydrocodone", "brand"),
    ("Dilaudid", HOLD, "hydromorphone", "former brand name still written"),
    ("Demerol", HOLD, "meperidine", "former brand"),
    ("Darvocet-N 100", HOLD, "propoxyphene", "former brand"),
    ("Darvon", HOLD, "propoxyphene", "former brand"),
    ("Tylox", HOLD, "oxycodone", "former brand"),
    ("Talwin NX", HOLD, "pentazocine", "former brand"),
    ("Nubain", HOLD, "nalbuphine", "former brand"),
    ("Avinza", HOLD, "morphine", "former brand"),
    ("Levo-Dromoran", HOLD, "levorphanol", "former brand"),
    ("Numorphan", HOLD, "oxymorphone", "former brand"),
    # shorthand
    ("oxy 10", HOLD, "oxycodone", "shorthand"),
    ("percs", HOLD, "oxycodone", "shorthand"),
    ("roxys", HOLD, "oxycodone", "shorthand"),
    ("hydros", HOLD, "hydrocodone", "shorthand"),
    ("norco", HOLD, "hydrocodone", "brand as shorthand, lower case"),
    ("T3", HOLD, "codeine", "shorthand for Tylenol #3"),
    ("T#3 prn", HOLD, "codeine", "shorthand"),
    ("MS Contin 30", HOLD, "morphine", "brand with a space"),
    ("mscontin", HOLD, "morphine", "brand without a space"),
    ("MSIR", HOLD, "morphine", "clinic abbreviation"),
    ("bupe", HOLD, "buprenorphine", "shorthand"),
    ("subs", HOLD, "buprenorphine", "shorthand"),
    ("dillies", HOLD, "hydromorphone", "shorthand"),
    ("fent patch", HOLD, "fentanyl", "shorthand"),
    ("vikes", HOLD, "hydrocodone", "shorthand"),
    ("lean (codeine syrup)", HOLD, "codeine", "street name, codeine named"),
    ("purple drank", HOLD, "codeine", "street name"),
    # misspellings: one slip from 5 letters, two from 8
    ("Norko", HOLD, "hydrocodone", "one slip, 5-letter brand"),
    ("Percoset", HOLD, "oxycodone", "one slip"),
    ("oxycodon", HOLD, "oxycodone", "one slip"),
    ("oxicodone", HOLD, "oxycodone", "one slip"),
    ("oxycodine", HOLD, "oxycodone", "one slip"),
    ("morfine", HOLD, "morphine", "two slips in an 8-letter name"),
    ("morphene", HOLD, "morphine", "one slip"),
    ("hydrocodeine", HOLD, "codeine", "a slip that contains another opioid's name"),
    ("hydromorphine", HOLD, "morphine", "a slip that contains morphine"),
    ("metadone", HOLD, "methadone", "one slip"),
    ("methodone", HOLD, "methadone", "one slip"),
    ("buprenorfine", HOLD, "buprenorphine", "two slips"),
    ("suboxen", HOLD, "buprenorphine", "two slips in an 8-letter brand"),
    ("tramadal", HOLD, "tramadol", "one slip"),
    ("trammadol", HOLD, "tramadol", "one slip"),
    ("fentanil", HOLD, "fentanyl", "one slip"),
    ("fentynal", HOLD, "fentanyl", "two slips"),
    ("dilaudad", HOLD, "hydromorphone", "one slip"),
    ("vicoden", HOLD, "hydrocodone", "one slip"),
    ("tylenol w codine", HOLD, "codeine", "one slip in a combination"),
    ("codiene", HOLD, "codeine", "two letters swapped"),
    ("tussionx", HOLD, "hydrocodone", "one slip"),
    ("hycodan", HOLD, "hydrocodone", "exact, lower case"),
    ("oxy cotin", HOLD, "oxycodone", "a slip across a space"),
    ("Oxy-Contin", HOLD, "oxycodone", "punctuation ignored"),
    ("oxycodoneapap", HOLD, "oxycodone", "contains oxycodone"),
    # warnings, not holds
    ("loperamide 2 mg", WARN, "loperamide", "antidiarrheal: a warning"),
    ("Imodium A-D", WARN, "loperamide", "a warning"),
    ("kratom capsules", WARN, "kratom", "a warning"),
    ("tianeptine", WARN, "tianeptine", "a warning"),
    ("Tianaa", WARN, "tianeptine", "a warning"),
    ("7-OH tablets", HOLD, "7-hydroxymitragynine", "concentrated agonist: a hold"),
    # look-alikes and other medicines: never a hold
    ("oxybutynin 5 mg", NONE, "", "look-alike"),
    ("Ditropan (oxybutynin)", NONE, "", "look-alike"),
    ("hydroxyzine 25", NONE, "", "look-alike"),
    ("hydroxychloroquine 200 mg", NONE, "", "look-alike"),
    ("methylphenidate", NONE, "", "look-alike"),
    ("methocarbamol", NONE, "", "look-alike"),
    ("levothyroxine 100 mcg", NONE, "", "look-alike (a thyroid caution, never a hold)"),
    ("Synthroid", NONE, "", "thyroid, not an opioid"),
    ("oxcarbazepine", NONE, "", "look-alike"),
    ("naloxone", NONE, "", "antagonist"),
    ("Narcan nasal spray", NONE, "", "antagonist"),
    ("naloxegol (Movantik)", NONE, "", "peripheral antagonist"),
    ("methylnaltrexone", NONE, "", "peripheral antagonist"),
    ("lofexidine", NONE, "", "alpha-2 agonist for withdrawal"),
    ("dextromethorphan", NONE, "", "not an opioid agonist"),
    ("Robitussin DM", NONE, "", "dextromethorphan cough syrup"),
    ("Tylenol Extra Strength", NONE, "", "acetaminophen"),
    ("Ultra Omega-3", NONE, "", "the word ultra"),
    ("Pentasa", NONE, "", "mesalamine, 7 letters"),
    ("trazodone", NONE, "", "antidepressant"),
    ("hydrocortisone cream", NONE, "", "steroid"),
    ("hydrochlorothiazide", NONE, "", "diuretic"),
    ("gabapentin", NONE, "", "not an opioid"),
    ("sertraline", NONE, "", "not an opioid"),
    ("metformin", NONE, "", "not an opioid"),
    ("lorazepam", NONE, "", "not an opioid"),
    ("bupropion", NONE, "", "not an opioid"),
    ("Vicks VapoRub", NONE, "", "not Vicodin"),
    ("Tussin DM", NONE, "", "dextromethorphan"),
    ("ondansetron", NONE, "", "not an opioid"),
    ("morphology", NONE, "", "a word, not morphine"),
]


def _outcome(medication: str | CodedMedication) -> tuple[str, set[str]]:
    matches = screen_medications([medication], R)
    stops = {m.ingredient for m in matches if m.severity == "stop"}
    if stops:
        return HOLD, stops
    warns = {m.ingredient for m in matches}
    return (WARN, warns) if warns else (NONE, set())


def test_the_table_is_long_enough():
    assert len(TABLE) >= 150


@pytest.mark.parametrize(("medication", "outcome", "ingredient", "why"), TABLE)
def test_table(medication, outcome, ingredient, why):
    got, ingredients = _outcome(medication)
    assert got == outcome, why
    if ingredient:
        assert ingredient in ingredients, why


@pytest.mark.parametrize(
    ("coded", "outcome", "ingredient"),
    [
        (CodedMedication("Tab 5 mg", "7804"), HOLD, "oxycodone"),
        (CodedMedication("pain pill", "7052"), HOLD, "morphine"),
        (CodedMedication("patch", "4337"), HOLD, "fentanyl"),
        (CodedMedication("film", "1819"), HOLD, "buprenorphine"),
        (CodedMedication("", "6813"), HOLD, "methadone"),
        (CodedMedication("tablet", "787390"), HOLD, "tapentadol"),
        (CodedMedication("anti-diarrhea", "6468"), WARN, "loperamide"),
        # an unknown code falls back to the text
        (CodedMedication("Percocet 5/325", "999999999"), HOLD, "oxycodone"),
        (CodedMedication("sertraline 50 mg", "36437"), NONE, ""),
    ],
)
def test_coded_medications_match_by_code_first(coded, outcome, ingredient):
    got, ingredients = _outcome(coded)
    assert got == outcome
    if ingredient:
        assert ingredient in ingredients
        match = screen_medications([coded], R)[0]
        if coded.code != "999999999":
            assert match.how == "code" and "RxNorm code" in hold_reasons([match], R)[0]


@pytest.mark.parametrize("lookalike", R.opioid_lookalikes)
def test_no_lookalike_ever_holds(lookalike):
    assert _outcome(lookalike)[0] == NONE
    assert _outcome(lookalike.upper() + " 10 mg")[0] == NONE


@pytest.mark.parametrize(
    "allergy", ["codeine", "morphine (hives)", "Percocet", "oxycodon", "Tylenol #3", "tramadol"]
)
def test_an_opioid_only_in_allergies_is_a_note_not_a_hold(allergy):
    screen = run_screen(["sertraline"], [allergy], R, attested=True)
    assert screen.hold_reasons == ()
    assert screen.allergy_matches
    notes = allergy_notes([allergy], R)
    assert len(notes) == 1 and allergy in notes[0] and "no hold" in notes[0]
    assert notes[0] in screen.warnings


def test_every_hit_is_explained():
    cases = {
        "oxycodone 5 mg": "the name 'oxycodone'",
        "Percocet": "brand name 'Percocet'",
        "Vicodin": "former brand 'Vicodin'",
        "percs": "shorthand 'percs'",
        "Tussionex": "cough and cold",
        "oxycodon": "'oxycodon' is a near spelling of 'oxycodone', one letter apart",
        "morfine": "2 letters apart",
        "oxycodonehcl": "contains the name 'oxycodone'",
    }
    for written, explanation in cases.items():
        reason = hold_reasons(screen_medications([written], R), R)[0]
        assert f"'{written}'" in reason
        assert explanation in reason, reason
        assert "wait" in reason  # the washout guidance


@pytest.mark.parametrize(
    ("written", "washout"),
    [("methadone", "10-14 days"), ("Suboxone", "about 14 days"), ("Percocet", "7-10 days"),
     ("Duragesic", "extended-release")],
)
def test_the_washout_of_the_class(written, washout):
    assert washout in hold_reasons(screen_medications([written], R), R)[0]


LONG_INGREDIENTS = sorted(
    {i.name for i in R.opioid_ingredients if i.name.isalpha() and len(i.name) >= 5}
)


def _one_edit(word: str, data: st.DataObject) -> str:
    position = data.draw(st.integers(0, len(word) - 1))
    letter = data.draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz"))
    edit = data.draw(st.sampled_from(["change", "drop", "add", "swap"]))
    if edit == "change":
        return word[:position] + letter + word[position + 1 :]
    if edit == "drop":
        return word[:position] + word[position + 1 :]
    if edit == "add":
        return word[:position] + letter + word[position:]
    position = min(position, len(word) - 2)
    return word[:position] + word[position + 1] + word[position] + word[position + 2 :]


@settings(max_examples=300, deadline=None)
@given(ingredient=st.sampled_from(LONG_INGREDIENTS), data=st.data(), upper=st.booleans())
def test_a_random_slip_in_a_listed_ingredient_still_holds(ingredient, data, upper):
    written = _one_edit(ingredient, data)
    written = written.upper() if upper else written
    matches = screen_medications([written + " 10 mg"], R)
    assert matches, written
    expected = next(i for i in R.opioid_ingredients if i.name == ingredient).severity
    if expected == "stop":
        assert any(m.severity == "stop" for m in matches), written
