"""Known answers: units, rules as records, the dose range."""

import dataclasses
from datetime import date
from decimal import Decimal as D

import pytest

from pharmacy.compounding import DEFAULT_RULES, FormulationError, Rule, Rules
from pharmacy.compounding.dose import check_dose
from pharmacy.compounding.units import (
    format_mg,
    format_ml,
    parse_expiry,
    round_mg,
    round_ml,
    to_decimal,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, D(1)),
        ("4.5", D("4.5")),
        (" 0.25 ", D("0.25")),
        (D("1.10"), D("1.10")),
        (0.1, D("0.1")),
        (1.5, D("1.5")),
    ],
)
def test_to_decimal(value, expected):
    assert to_decimal(value, "dose_mg") == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "  ",
        "NaN",
        "Infinity",
        "-inf",
        "abc",
        True,
        False,
        None,
        float("nan"),
        float("inf"),
        [1],
    ],
)
def test_to_decimal_rejects(value):
    with pytest.raises(FormulationError) as exc:
        to_decimal(value, "dose_mg")
    assert exc.value.field == "dose_mg"
    assert isinstance(exc.value, ValueError)


@pytest.mark.parametrize(
    ("value", "mg", "ml"),
    [
        ("163.45", "163.5", "163.45"),
        ("0.05", "0.1", "0.05"),
        ("0.04", "0.0", "0.04"),
        ("162.6638", "162.7", "162.66"),
        ("0.005", "0.0", "0.01"),
    ],
)
def test_rounding_half_up(value, mg, ml):
    assert round_mg(D(value)) == D(mg)
    assert round_ml(D(value)) == D(ml)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("0.5", "0.5"),
        ("4.5", "4.5"),
        ("10", "10"),
        ("10.00", "10"),
        ("0.02", "0.02"),
        ("5.0", "5"),
        ("0.50", "0.5"),
        ("100", "100"),
        ("1E+1", "10"),
        ("0.125", "0.13"),
        (".5", "0.5"),
    ],
)
def test_format_ml(value, text):
    assert format_ml(D(value)) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [("4.50", "4.5"), ("50", "50"), ("163.46", "163.5"), ("0.25", "0.3"), ("120.0", "120")],
)
def test_format_mg(value, text):
    assert format_mg(D(value)) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-03-15", date(2027, 3, 15)),
        ("2027-02", date(2027, 2, 28)),
        ("2028-02", date(2028, 2, 29)),
        ("2026-12", date(2026, 12, 31)),
        ("2027-04", date(2027, 4, 30)),
    ],
)
def test_parse_expiry(text, expected):
    assert parse_expiry(text) == expected


@pytest.mark.parametrize(
    "text", ["03/2027", "2027-13", "2027-02-30", "2027", "", "next year", "2027-3"]
)
def test_parse_expiry_rejects(text):
    with pytest.raises(FormulationError):
        parse_expiry(text)


def test_rule_defaults_are_domain_numbers():
    r = DEFAULT_RULES
    assert (r.mw_naltrexone_hcl, r.mw_naltrexone_base, r.mw_naltrexone_hcl_dihydrate) == (
        D("377.86"),
        D("341.41"),
        D("413.90"),
    )
    assert r.tablet_label_claim_mg == 50
    assert r.capsule_volumes_ml == {
        "000": D("1.37"),
        "00": D("0.95"),
        "0": D("0.68"),
        "1": D("0.50"),
        "2": D("0.37"),
        "3": D("0.30"),
        "4": D("0.21"),
        "5": D("0.13"),
    }
    assert r.default_capsule_size == "3"
    assert r.filler("mcc").bulk_density_g_per_ml == D("0.30")
    assert (r.capsule_overage_percent, r.liquid_overage_percent) == (10, 5)
    assert r.balance_mwq_mg == 120
    assert (r.weight_check_tolerance_percent, r.weight_check_sample_max) == (10, 10)
    assert r.syringe_graduations_ml == {1: D("0.02"), 3: D("0.1"), 5: D("0.1")}
    assert {(c.code, c.days, c.storage) for c in r.bud_categories} == {
        ("aqueous_unpreserved", 14, "refrigerator"),
        ("aqueous_preserved", 35, "room temperature or refrigerator"),
        ("nonaqueous_liquid", 90, "room temperature or refrigerator"),
        ("capsule", 180, "room temperature or refrigerator"),
    }
    assert [(c.code, c.percent, c.basis) for c in r.fawcett_vehicle] == [
        ("ascorbic_acid", D("0.5"), "w/v"),
        ("sodium_benzoate", D("0.1"), "w/v"),
        ("glycerol", D("20"), "v/v"),
        ("purified_water", D("0"), "qs"),
    ]
    assert "Fawcett" in r.fawcett_reference and "31:1291" in r.fawcett_reference
    assert r.version == "2026.2"
    # the MW ratios of DOMAIN §1
    assert round(r.mw_naltrexone_hcl / r.mw_naltrexone_base, 4) == D("1.1068")
    assert round(r.mw_naltrexone_hcl_dihydrate / r.mw_naltrexone_hcl, 4) == D("1.0954")


def test_every_rule_has_unit_and_source_and_json_values():
    import json

    records = DEFAULT_RULES.as_records()
    assert {r.name for r in records} >= {
        "balance_mwq_mg",
        "capsule_volumes_ml",
        "opioid_terms",
        "bud_categories",
        "titration_templates",
        "version",
    }
    for rec in records:
        assert isinstance(rec, Rule)
        assert rec.source, rec.name
        json.dumps(rec.value)  # JSON-serialisable: no Decimal, no tuple of dataclasses
        assert "Decimal" not in repr(rec.value)


def test_records_round_trip_and_admin_change():
    records = DEFAULT_RULES.as_records()
    assert Rules.from_records(records) == DEFAULT_RULES
    changed = [
        Rule(r.name, "82" if r.name == "balance_mwq_mg" else r.value, r.unit, r.source)
        for r in records
        if r.name != "capsule_overage_percent"
    ]
    changed.append(Rule("no_such_rule", 1, "", ""))
    rules = Rules.from_records(changed)
    assert rules.balance_mwq_mg == D("82")
    assert rules.capsule_overage_percent == D("10")  # missing → default


def test_records_reject_garbage():
    with pytest.raises(FormulationError) as exc:
        Rules.from_records([Rule("balance_mwq_mg", "lots", "mg", "")])
    assert exc.value.field == "rules.balance_mwq_mg"


@pytest.mark.parametrize(
    ("dose", "ack"),
    [
        ("4.5", None),
        ("0.5", None),
        ("1.5", None),
        ("0.25", "below"),
        ("0.1", "below"),
        ("6", "above"),
        ("10", "above"),
        ("4.6", "above"),
    ],
)
def test_check_dose(dose, ack):
    result = check_dose(D(dose), DEFAULT_RULES)
    if ack is None:
        assert result.acknowledgement is None
    else:
        assert ack in result.acknowledgement
        assert "acknowledge" in result.acknowledgement


@pytest.mark.parametrize(
    ("dose", "words"),
    [("0", "more than 0"), ("-1", "more than 0"), ("50", "addiction"), ("10.1", "not low-dose")],
)
def test_check_dose_hard_stop(dose, words):
    with pytest.raises(FormulationError) as exc:
        check_dose(D(dose), DEFAULT_RULES, field="strength_mg")
    assert exc.value.field == "strength_mg"
    assert words in exc.value.message


@pytest.mark.parametrize(
    ("changes", "broken"),
    [
        ({"capsule_overage_percent": D("-5")}, "capsule_overage_percent"),
        ({"liquid_overage_percent": D("101")}, "liquid_overage_percent"),
        ({"balance_mwq_mg": D("0")}, "balance_mwq_mg"),
        ({"dose_ack_high_mg": D("12")}, "dose_ack_high_mg"),
        ({"dose_ack_low_mg": D("5")}, "dose_ack_low_mg"),
        ({"weight_check_sample_max": 0}, "weight_check_sample_max"),
        ({"syringe_graduations_ml": {1: D("2")}}, "syringe_graduations_ml"),
    ],
)
def test_a_rule_table_that_makes_no_sense_is_refused(changes, broken):
    with pytest.raises(FormulationError) as exc:
        dataclasses.replace(DEFAULT_RULES, **changes)
    assert exc.value.field == f"rules.{broken}"


def test_a_rule_that_needs_a_number_says_so():
    record = next(r for r in DEFAULT_RULES.as_records() if r.name == "balance_mwq_mg")
    others = [r for r in DEFAULT_RULES.as_records() if r.name != "balance_mwq_mg"]
    with pytest.raises(FormulationError) as exc:
        Rules.from_records([*others, dataclasses.replace(record, value="lots")])
    assert "'lots' is not one" in exc.value.message


def test_a_dose_as_base_is_checked_as_the_hcl_it_equals():
    # 9.5 mg base = 10.51 mg HCl: over the 10 mg stop; 4.5 mg base = 4.98 mg HCl: above 4.5
    with pytest.raises(FormulationError) as exc:
        check_dose(D("9.5"), DEFAULT_RULES, basis="base")
    assert "10.514" in exc.value.message and "base" in exc.value.message
    assert check_dose(D("9.5"), DEFAULT_RULES).acknowledgement  # as HCl: acknowledge only
    assert check_dose(D("4.5"), DEFAULT_RULES, basis="base").acknowledgement
    assert check_dose(D("4.5"), DEFAULT_RULES).acknowledgement is None
