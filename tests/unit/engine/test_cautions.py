"""Cautions beyond the opioid gate (DOMAIN.md §11, issue 25): never a hold; an
acknowledgement only where the rule data says so; matching as the opioid screen's."""

from __future__ import annotations

import pytest

from pharmacy.compounding import DEFAULT_RULES as R
from pharmacy.compounding.opioids import CodedMedication
from pharmacy.compounding.screen import find_cautions, run_screen

# (medications, conditions, indication code, expected caution codes, why)
TABLE = [
    (["levothyroxine 88 mcg"], [], None, {"thyroid"}, "generic"),
    (["Synthroid 100 mcg"], [], None, {"thyroid"}, "brand"),
    (["Levoxyl"], [], None, {"thyroid"}, "brand"),
    (["Unithroid"], [], None, {"thyroid"}, "brand"),
    (["Tirosint 50 mcg"], [], None, {"thyroid"}, "brand"),
    (["Euthyrox"], [], None, {"thyroid"}, "brand"),
    (["Armour Thyroid 60 mg"], [], None, {"thyroid"}, "desiccated thyroid"),
    (["NP Thyroid 30"], [], None, {"thyroid"}, "desiccated thyroid"),
    (["liothyronine 5 mcg"], [], None, {"thyroid"}, "T3"),
    (["Cytomel"], [], None, {"thyroid"}, "brand of liothyronine"),
    (["levothyroxin"], [], None, {"thyroid"}, "a slip"),
    (["synthroyd"], [], None, {"thyroid"}, "a slip"),
    ([CodedMedication("tablet", "10582")], [], None, {"thyroid"}, "RxNorm code"),
    (["tacrolimus 1 mg"], [], None, {"immunosuppressant"}, "generic"),
    (["Prograf"], [], None, {"immunosuppressant"}, "brand"),
    (["CellCept 500"], [], None, {"immunosuppressant"}, "brand"),
    (["azathioprine"], [], None, {"immunosuppressant"}, "generic"),
    (["cyclosporin"], [], None, {"immunosuppressant"}, "a slip"),
    (["Biktarvy"], [], None, {"antiretroviral"}, "brand"),
    (["dolutegravir"], [], None, {"antiretroviral"}, "generic"),
    (["Truvada (PrEP)"], [], None, {"antiretroviral"}, "brand"),
    ([], ["HIV"], None, {"antiretroviral"}, "condition"),
    ([], ["liver disease"], None, {"liver"}, "condition"),
    ([], ["Hepatitis C, active"], None, {"liver"}, "condition"),
    ([], ["cirrhosis"], None, {"liver"}, "condition"),
    ([], ["cirrhossis"], None, {"liver"}, "a slip"),
    ([], ["NASH"], None, {"liver"}, "abbreviation"),
    ([], ["pregnancy"], None, {"pregnancy"}, "condition"),
    ([], ["Pregnant, 12 weeks"], None, {"pregnancy"}, "condition"),
    ([], [], "K74.60", {"liver"}, "ICD-10-CM cirrhosis code"),
    ([], [], "O09.90", {"pregnancy"}, "ICD-10-CM pregnancy chapter"),
    ([], [], "Z33.1", {"pregnancy"}, "ICD-10-CM pregnant state"),
    (["levothyroxine", "Prograf"], ["pregnant"], None,
     {"thyroid", "immunosuppressant", "pregnancy"}, "several"),
    # look-alikes and others: no caution
    (["levetiracetam 500 mg"], [], None, set(), "look-alike of levothyroxine"),
    (["levofloxacin"], [], None, set(), "look-alike"),
    (["Cytotec"], [], None, set(), "look-alike of Cytomel"),
    (["Imdur"], [], None, set(), "look-alike of Imuran"),
    (["Norvasc"], [], None, set(), "look-alike of Norvir"),
    (["metformin", "sertraline"], [], None, set(), "everyday medicines"),
    ([], ["hepatitis B vaccine"], None, set(), "a vaccine, not hepatitis"),
    ([], ["not pregnant"], None, set(), "negated"),
    ([], ["arthritis"], None, set(), "not ART"),
    ([], ["fibromyalgia"], "M79.7", set(), "a common LDN indication"),
    ([], ["Hashimoto's thyroiditis"], "E06.3", set(), "no thyroid hormone named"),
]


@pytest.mark.parametrize(("meds", "conditions", "icd10", "expected", "why"), TABLE)
def test_caution_table(meds, conditions, icd10, expected, why):
    found = find_cautions(meds, conditions, icd10, R)
    assert {c.rule.code for c in found} == expected, why


def test_levothyroxine_is_a_thyroid_caution_never_an_opioid_hold():
    screen = run_screen(["levothyroxine 100 mcg", "Synthroid"], [], R, attested=True)
    assert screen.hold_reasons == () and screen.opioid_matches == ()
    assert [c.rule.code for c in screen.cautions] == ["thyroid"]
    assert any("thyroid" in w for w in screen.warnings)
    assert screen.acknowledgements == ()  # informs without another click


@pytest.mark.parametrize(("conditions", "code"), [(["liver disease"], "liver"),
                                                  (["pregnant"], "pregnancy")])
def test_liver_and_pregnancy_need_an_acknowledgement_and_never_hold(conditions, code):
    screen = run_screen([], [], R, attested=True, conditions=conditions)
    assert screen.hold_reasons == ()
    assert len(screen.acknowledgements) == 1 and conditions[0] in screen.acknowledgements[0]
    assert [c.rule.code for c in screen.cautions] == [code]
    assert screen.patient_advice == (screen.cautions[0].rule.patient_advice,)


def test_every_caution_has_a_source_and_advice():
    for rule in R.caution_rules:
        assert rule.source and rule.patient_advice and rule.pharmacist_text
    assert {r.code for r in R.caution_rules if r.acknowledge} == {"liver", "pregnancy"}


def test_naltrexone_already_taken_is_duplicate_therapy_to_acknowledge():
    for med in ["naltrexone 50 mg tablet", "Revia", "Vivitrol 380 mg", "Contrave",
                CodedMedication("tab", "7243"), "naltrexon 50"]:
        screen = run_screen([med], [], R, attested=True)
        assert screen.hold_reasons == ()
        assert len(screen.acknowledgements) == 1 and "duplicate therapy" in screen.acknowledgements[0]
    assert run_screen(["naloxone"], [], R, attested=True).acknowledgements == ()


@pytest.mark.parametrize(
    ("doses", "strength", "expected"),
    [
        (["4.5"], "0.5", "A strength of 4.5 mg makes it 1 capsule(s)"),
        (["3"], "0.5", "A strength of 3 mg makes it 1 capsule(s)"),
        (["4.5"], "1.5", None),  # 3 capsules: fine
        (["2"], "0.5", None),  # 4 capsules: the most allowed
        (["1.5", "3", "4.5"], "0.5", "A strength of 1.5 mg"),  # 1, 2 and 3 capsules
        (["0.5", "1", "1.5", "2", "2.5", "3", "3.5", "4", "4.5"], "0.5", "consider a liquid"),
    ],
)
def test_more_than_four_capsules_a_dose_suggests_a_strength_or_a_liquid(doses, strength, expected):
    from decimal import Decimal

    from pharmacy.compounding.screen import capsule_suggestion

    text = capsule_suggestion([Decimal(d) for d in doses], Decimal(strength), R)
    if expected is None:
        assert text is None
    else:
        assert text is not None and expected in text
