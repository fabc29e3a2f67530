"""Known answers: titration (§7), directions (USP <17>) and the opioid gate (§8)."""

from datetime import date
from decimal import Decimal as D

import pytest

from pharmacy.compounding import DEFAULT_RULES, FormulationError
from pharmacy.compounding.directions import (
    directions_text,
    fixed_directions,
    titration_directions,
)
from pharmacy.compounding.opioids import (
    hold_reasons,
    is_hard_stop,
    one_edit_apart,
    screen_medications,
)
from pharmacy.compounding.titration import (
    TITRATION_TEMPLATES,
    ScheduleEntry,
    TitrationStep,
    capsules_for_plan,
    dated_schedule,
    fills_per_strength,
    validate_steps,
    volume_for_plan,
)

R = DEFAULT_RULES
STANDARD = TITRATION_TEMPLATES["standard-1.5"]
S = TitrationStep


def test_templates():
    assert (S(D("1.5"), 14), S(D("3"), 14), S(D("4.5"), 30)) == STANDARD
    sensitive = TITRATION_TEMPLATES["sensitive-0.5"]
    assert [s.dose_mg for s in sensitive] == [D(x) / 2 for x in range(1, 10)]
    assert [s.days for s in sensitive] == [7] * 8 + [30]


def test_dated_schedule():
    assert dated_schedule(STANDARD, date(2026, 11, 22)) == [
        ScheduleEntry(date(2026, 11, 22), date(2026, 12, 5), D("1.5"), 14),
        ScheduleEntry(date(2026, 12, 6), date(2026, 12, 19), D("3"), 14),
        ScheduleEntry(date(2026, 12, 20), date(2027, 1, 18), D("4.5"), 30),
    ]


@pytest.mark.parametrize(("strength", "capsules"), [("1.5", 14 + 28 + 90), ("0.5", 42 + 84 + 270)])
def test_capsules_for_plan(strength, capsules):
    assert capsules_for_plan(STANDARD, D(strength)) == capsules


def test_capsules_for_plan_needs_whole_capsules():
    with pytest.raises(FormulationError) as exc:
        capsules_for_plan(STANDARD, D("4.5"))
    assert exc.value.field == "titration"


def test_fills_per_strength_and_volume():
    assert fills_per_strength(STANDARD) == {D("1.5"): 14, D("3"): 14, D("4.5"): 30}
    assert volume_for_plan(STANDARD, D("1")) == D("198")
    assert volume_for_plan(STANDARD, D("5")) == D("39.6")


@pytest.mark.parametrize("steps", [[], [S(D("1"), 0)], [S(D("0"), 7)], [S(D("12"), 7)]])
def test_validate_steps_rejects(steps):
    with pytest.raises(FormulationError) as exc:
        validate_steps(steps, R)
    assert exc.value.field == "titration"


def test_validate_steps_acknowledgement():
    assert validate_steps(STANDARD, R) == []
    assert len(validate_steps([S(D("0.25"), 7), S(D("4.5"), 30)], R)) == 1


@pytest.mark.parametrize(
    ("form", "dose", "kw", "text"),
    [
        (
            "capsule",
            "4.5",
            {"strength_mg": D("4.5")},
            "Take 1 capsule (4.5 mg) by mouth at bedtime.",
        ),
        (
            "capsule",
            "4.5",
            {"strength_mg": D("1.5")},
            "Take 3 capsules (4.5 mg) by mouth at bedtime.",
        ),
        (
            "liquid",
            "4.5",
            {"concentration_mg_per_ml": D("1")},
            "Take 4.5 mL (4.5 mg) by mouth at bedtime.",
        ),
        (
            "liquid",
            "0.5",
            {"concentration_mg_per_ml": D("1")},
            "Take 0.5 mL (0.5 mg) by mouth at bedtime.",
        ),
        (
            "liquid",
            "0.5",
            {"concentration_mg_per_ml": D("5")},
            "Take 0.1 mL (0.5 mg) by mouth at bedtime.",
        ),
        (
            "liquid",
            "5",
            {"concentration_mg_per_ml": D("1")},
            "Take 5 mL (5 mg) by mouth at bedtime.",
        ),
        (
            "capsule",
            "0.25",
            {"strength_mg": D("0.25")},
            "Take 1 capsule (0.25 mg) by mouth at bedtime.",
        ),
    ],
)
def test_fixed_directions(form, dose, kw, text):
    result = fixed_directions(form, D(dose), **kw)
    assert result == text
    assert " .5" not in result and "5.0 mL" not in result
    for banned in ("HS", "QHS", "as directed", "p.o."):
        assert banned not in result


def test_fixed_directions_errors():
    with pytest.raises(FormulationError):
        fixed_directions("capsule", D("4.5"), strength_mg=D("2"))
    with pytest.raises(FormulationError):
        fixed_directions("capsule", D("4.5"))
    with pytest.raises(FormulationError):
        fixed_directions("patch", D("4.5"), strength_mg=D("4.5"))


def test_titration_directions_by_day():
    assert titration_directions("capsule", STANDARD, D("1.5")) == [
        "Days 1 to 14: Take 1 capsule (1.5 mg) by mouth at bedtime.",
        "Days 15 to 28: Take 2 capsules (3 mg) by mouth at bedtime.",
        "Days 29 to 58: Take 3 capsules (4.5 mg) by mouth at bedtime.",
    ]


def test_titration_directions_dated_liquid():
    assert titration_directions("liquid", STANDARD, D("1"), start=date(2026, 11, 22)) == [
        "Nov 22 to Dec 5, 2026: Take 1.5 mL (1.5 mg) by mouth at bedtime.",
        "Dec 6 to Dec 19, 2026: Take 3 mL (3 mg) by mouth at bedtime.",
        "Dec 20, 2026 to Jan 18, 2027: Take 4.5 mL (4.5 mg) by mouth at bedtime.",
    ]


def test_directions_text():
    assert directions_text("capsule", [S(D("4.5"), 30)], D("4.5")) == (
        "Take 1 capsule (4.5 mg) by mouth at bedtime."
    )
    text = directions_text("capsule", [S(D("1.5"), 1), S(D("3"), 7)], D("1.5"))
    assert text == (
        "Day 1: Take 1 capsule (1.5 mg) by mouth at bedtime. "
        "Days 2 to 8: Take 2 capsules (3 mg) by mouth at bedtime."
    )


# ---------------------------------------------------------------- opioid gate
@pytest.mark.parametrize(
    ("medication", "ingredient", "drug_class"),
    [
        ("OxyContin", "oxycodone", "long_acting"),
        ("oxy contin", "oxycodone", "long_acting"),
        ("TYLENOL #3", "codeine", "short_acting"),
        ("tylenol#3", "codeine", "short_acting"),
        ("Tylenol No. 4", "codeine", "short_acting"),
        ("Tylenol w/ codeine 300/30", "codeine", "short_acting"),
        ("Tylenol with Codeine", "codeine", "short_acting"),
        ("acetaminophen-codeine", "codeine", "short_acting"),
        ("hydrocodone/APAP", "hydrocodone", "short_acting"),
        ("Suboxone 8-2 mg film", "buprenorphine", "buprenorphine"),
        ("buprenorphine-naloxone", "buprenorphine", "buprenorphine"),
        ("Subutex", "buprenorphine", "buprenorphine"),
        ("Zubsolv", "buprenorphine", "buprenorphine"),
        ("Butrans patch", "buprenorphine", "buprenorphine"),
        ("Belbuca", "buprenorphine", "buprenorphine"),
        ("morphine sulfate ER", "morphine", "long_acting"),
        ("morphine", "morphine", "short_acting"),
        ("MS-Contin 30 mg", "morphine", "long_acting"),
        ("Kadian", "morphine", "long_acting"),
        ("Percocet 5/325", "oxycodone", "short_acting"),
        ("Roxicodone", "oxycodone", "short_acting"),
        ("Vicodin", "hydrocodone", "short_acting"),
        ("NORCO", "hydrocodone", "short_acting"),
        ("Lortab", "hydrocodone", "short_acting"),
        ("Dilaudid", "hydromorphone", "short_acting"),
        ("Duragesic 25 mcg/h", "fentanyl", "long_acting"),
        ("fentanyl patch", "fentanyl", "long_acting"),
        ("Actiq", "fentanyl", "short_acting"),
        ("Fentora", "fentanyl", "short_acting"),
        ("Sublimaze", "fentanyl", "short_acting"),
        ("Ultram", "tramadol", "short_acting"),
        ("Ultracet", "tramadol", "short_acting"),
        ("Tramadol 50 mg", "tramadol", "short_acting"),
        ("Nucynta", "tapentadol", "short_acting"),
        ("Demerol", "meperidine", "short_acting"),
        ("Dolophine", "methadone", "methadone"),
        ("Methadose", "methadone", "methadone"),
        ("methadone 10mg", "methadone", "methadone"),
        ("Opana", "oxymorphone", "short_acting"),
        ("Talwin", "pentazocine", "short_acting"),
        ("Lomotil", "diphenoxylate", "short_acting"),
        ("Motofen", "difenoxin", "short_acting"),
        ("Viberzi", "eluxadoline", "short_acting"),
        ("Apadaz", "benzhydrocodone", "short_acting"),
        ("Olinvyk", "oliceridine", "short_acting"),
        ("Tussionex", "hydrocodone", "short_acting"),
        ("Hycodan", "hydrocodone", "short_acting"),
        ("paregoric", "opium", "short_acting"),
        ("butorphanol nasal", "butorphanol", "short_acting"),
        ("nalbuphine", "nalbuphine", "short_acting"),
        ("levorphanol", "levorphanol", "long_acting"),  # long half-life: the longer washout
        ("dihydrocodeine", "dihydrocodeine", "short_acting"),
        ("sufentanil", "sufentanil", "short_acting"),
        ("alfentanil", "alfentanil", "short_acting"),
        ("remifentanil", "remifentanil", "short_acting"),
        # US brands and combinations
        ("Probuphine implant", "buprenorphine", "buprenorphine"),
        ("Hydromet syrup", "hydrocodone", "short_acting"),
        ("Tussigon", "hydrocodone", "short_acting"),
        ("Lonox", "diphenoxylate", "short_acting"),
        ("Prolate 10/300", "oxycodone", "short_acting"),
        ("Nalocet", "oxycodone", "short_acting"),
        ("Tylenol #2", "codeine", "short_acting"),
        ("Oxy IR 5 mg", "oxycodone", "short_acting"),
        ("OxyIR", "oxycodone", "short_acting"),
        ("Darvocet-N 100", "propoxyphene", "short_acting"),
        ("heroin", "diamorphine", "short_acting"),
        ("7-OH tablets", "7-hydroxymitragynine", "short_acting"),
        # UK and international names
        ("co-codamol 30/500", "codeine", "short_acting"),
        ("co-dydramol", "dihydrocodeine", "short_acting"),
        ("Zydol 50 mg", "tramadol", "short_acting"),
        ("OxyNorm", "oxycodone", "short_acting"),
        ("Palexia", "tapentadol", "short_acting"),
        ("Zomorph", "morphine", "long_acting"),
        ("MST Continus", "morphine", "long_acting"),
        ("Temgesic", "buprenorphine", "buprenorphine"),
        ("Durogesic", "fentanyl", "long_acting"),
        ("Oramorph", "morphine", "short_acting"),
        ("Sevredol", "morphine", "short_acting"),
        ("Physeptone", "methadone", "methadone"),
        ("diamorphine", "diamorphine", "short_acting"),
    ],
)
def test_opioid_matches(medication, ingredient, drug_class):
    matches = screen_medications([medication], R)
    assert [(m.ingredient, m.severity, m.drug_class) for m in matches] == [
        (ingredient, "stop", drug_class)
    ]
    assert matches[0].medication == medication
    assert is_hard_stop(matches)
    reason = hold_reasons(matches)[0]
    assert medication in reason and ingredient in reason and "wait" in reason


@pytest.mark.parametrize(
    ("medication", "ingredient"),
    [("Imodium A-D", "loperamide"), ("loperamide 2 mg", "loperamide"), ("Kratom powder", "kratom")],
)
def test_opioid_warnings(medication, ingredient):
    matches = screen_medications([medication], R)
    assert [(m.ingredient, m.severity) for m in matches] == [(ingredient, "warning")]
    assert not is_hard_stop(matches)


@pytest.mark.parametrize(
    "medication",
    [
        "sertraline",
        "trazodone 50 mg",
        "naltrexone",
        "naloxone",
        "Narcan (naloxone)",
        "Tylenol",
        "Tylenol 500 mg",
        "acetaminophen",
        "noscapine",
        "gabapentin",
        "Codral? no: ibuprofen",
        "oxybutynin",
        "hydroxyzine",
        "dextromethorphan",
        "morphology",
        "Contin",
        "Tramazoline",
    ],
)
def test_opioid_negatives(medication):
    assert screen_medications([medication], R) == []


@pytest.mark.parametrize(
    ("medication", "ingredient", "spelt"),
    [
        ("Percoset 5/325", "oxycodone", "percoset"),
        ("oxycodon 5 mg", "oxycodone", "oxycodon"),
        ("Oxycotin 20 mg", "oxycodone", "oxycotin"),
        ("oxy cotin", "oxycodone", "oxycotin"),
        ("Suboxon film", "buprenorphine", "suboxon"),
        ("methadon", "methadone", "methadon"),
        ("fentanil patch", "fentanyl", "fentanil patch"),
        ("bupenorphine", "buprenorphine", "bupenorphine"),
        ("hydrocodnoe", "hydrocodone", "hydrocodnoe"),  # two letters swapped
        ("Norko", "hydrocodone", "norko"),  # Norco: five letters allow one slip
    ],
)
def test_a_misspelt_opioid_is_held(medication, ingredient, spelt):
    matches = screen_medications([medication], R)
    assert [(m.ingredient, m.severity, m.spelt_as) for m in matches] == [
        (ingredient, "stop", spelt)
    ]
    assert "one letter apart" in hold_reasons(matches)[0]


@pytest.mark.parametrize(
    "medication",
    # a listed word shorter than the rule's minimum, a number, or a look-alike never reads as a misspelling
    ["Ultra Omega-3", "Tylenol 8 HR", "loratadine", "metformin", "Aviane", "Codral"],
)
def test_near_names_that_are_not_opioids(medication):
    assert screen_medications([medication], R) == []


def test_one_edit_apart():
    assert one_edit_apart("percocet", "percoset")
    assert one_edit_apart("oxycontin", "oxycotin")
    assert one_edit_apart("oxycodone", "oxycodoen")
    assert not one_edit_apart("oxycodone", "oxycodone")
    assert not one_edit_apart("codeine", "cocaine")
    assert not one_edit_apart("tramadol", "trandolapril")


@pytest.mark.parametrize(
    ("drug_class", "words"),
    [("short_acting", "7-10 days"), ("methadone", "10-14 days"), ("buprenorphine", "14 days")],
)
def test_washout_texts(drug_class, words):
    assert words in R.washout_texts[drug_class]
    assert "72 hours" in R.washout_texts["surgery"]


def test_screen_several_medications():
    matches = screen_medications(["sertraline", "Percocet", "Suboxone", "Imodium"], R)
    assert [m.medication for m in matches] == ["Percocet", "Suboxone", "Imodium"]
    reasons = hold_reasons(matches)
    assert "7-10 days" in reasons[0] and "14 days" in reasons[1]
