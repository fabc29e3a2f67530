"""Known answers: oral liquid (DOMAIN §5) and beyond-use dates (DOMAIN §6)."""

from datetime import date
from decimal import Decimal as D

import pytest

from pharmacy.compounding import DEFAULT_RULES, FormulationError
from pharmacy.compounding.bud import StabilityOverride, beyond_use_date, bud_warning
from pharmacy.compounding.liquids import LiquidRequest, quote_liquid
from pharmacy.compounding.salts import ApiSource
from pharmacy.compounding.syringes import propose_concentration
from pharmacy.compounding.titration import TITRATION_TEMPLATES, TitrationStep
from pharmacy.compounding.units import format_ml

R = DEFAULT_RULES
TABLETS = ApiSource(source="tablets")


@pytest.mark.parametrize(
    ("conc", "dose", "syringe", "volume"),
    [
        ("1", "4.5", 5, "4.5"),
        ("5", "0.5", 1, "0.1"),
        ("5", "4.5", 1, "0.9"),
        ("1", "0.5", 1, "0.5"),
        ("1", "1.5", 3, "1.5"),
        ("5", "1.5", 1, "0.3"),
        ("1", "0.1", 1, "0.1"),
        ("2", "0.4", 1, "0.2"),
        ("5", "0.1", 1, "0.02"),
    ],
)
def test_dose_volume(conc, dose, syringe, volume):
    q = quote_liquid(LiquidRequest(D(conc), D("30"), doses_mg=[D(dose)], syringe_ml=syringe), R)
    assert q.dose_volumes[0].volume_ml == D(volume)
    assert format_ml(q.dose_volumes[0].volume_ml) == volume


def test_syringe_chosen_when_not_given():
    assert quote_liquid(LiquidRequest(D("5"), D("30"), doses_mg=[D("4.5")]), R).syringe_ml == 1
    assert quote_liquid(LiquidRequest(D("1"), D("30"), doses_mg=[D("4.5")]), R).syringe_ml == 5


@pytest.mark.parametrize(
    ("conc", "doses", "syringe", "field", "proposal"),
    [
        ("1", ["4.5"], 3, "syringe_ml", "5 mg/mL"),
        ("1", ["4.5"], 1, "syringe_ml", "5 mg/mL with a 1 mL syringe"),
        ("1", ["0.25"], 3, "concentration_mg_per_ml", "0.5 mg/mL"),
        ("5", ["0.25"], 1, "concentration_mg_per_ml", "0.5 mg/mL with a 1 mL syringe"),
        ("3", ["1"], 1, "concentration_mg_per_ml", "1 mg/mL with a 1 mL syringe"),
    ],
)
def test_dose_off_graduation_proposes_a_concentration(conc, doses, syringe, field, proposal):
    with pytest.raises(FormulationError) as exc:
        quote_liquid(
            LiquidRequest(D(conc), D("30"), doses_mg=[D(d) for d in doses], syringe_ml=syringe), R
        )
    assert exc.value.field == field
    assert proposal in exc.value.message


def test_propose_concentration_fits_every_dose():
    assert propose_concentration([D("0.5"), D("4.5")], R, 1) == (D("5"), 1)
    assert propose_concentration([D("0.5"), D("4.5")], R, 5) == (D("1"), 5)


def test_unknown_syringe():
    with pytest.raises(FormulationError) as exc:
        quote_liquid(LiquidRequest(D("1"), D("30"), doses_mg=[D("1")], syringe_ml=10), R)
    assert exc.value.field == "syringe_ml"


@pytest.mark.parametrize(
    ("dispensed", "overage", "conc", "make"),
    [
        ("30", None, "1", "31.5"),
        ("100", None, "5", "105"),
        ("30", "0", "1", "30"),
        ("60", "10", "1", "66"),
    ],
)
def test_volume_to_make_is_not_rounded_from_powder(dispensed, overage, conc, make):
    q = quote_liquid(
        LiquidRequest(
            D(conc),
            D(dispensed),
            doses_mg=[D("1.5")],
            overage_percent=None if overage is None else D(overage),
        ),
        R,
    )
    assert q.volume_to_make_ml == D(make)


@pytest.mark.parametrize(
    ("dispensed", "conc", "make", "tablets"),
    [
        ("30", "1", "50", 1),
        ("47.6", "1", "50", 1),
        ("48", "1", "100", 2),
        ("120", "1", "150", 3),
        ("30", "5", "40", 4),
        ("9", "5", "10", 1),
    ],
)
def test_volume_from_tablets_uses_whole_tablets(dispensed, conc, make, tablets):
    q = quote_liquid(LiquidRequest(D(conc), D(dispensed), doses_mg=[D("0.5")], api=TABLETS), R)
    assert q.volume_to_make_ml == D(make)
    assert q.api.tablets == tablets
    assert any("lactose" in w for w in q.warnings)


def test_titration_volume_is_sum_of_dose_volume_times_days():
    q = quote_liquid(LiquidRequest(D("1"), None, titration=TITRATION_TEMPLATES["standard-1.5"]), R)
    # 1.5 × 14 + 3 × 14 + 4.5 × 30 = 198 mL; +5 % = 207.9 mL
    assert q.dispensed_ml == D("198")
    assert q.volume_to_make_ml == D("207.9")
    assert q.days_supply == 58
    assert [(dv.dose_mg, dv.volume_ml) for dv in q.dose_volumes] == [
        (D("1.5"), D("1.5")),
        (D("3"), D("3")),
        (D("4.5"), D("4.5")),
    ]


def test_preserved_vehicle_is_fawcett_scaled():
    q = quote_liquid(
        LiquidRequest(
            D("1"), D("100"), doses_mg=[D("4.5")], overage_percent=D("0"), preserved=True
        ),
        R,
    )
    assert [(v.code, v.amount, v.unit) for v in q.vehicle] == [
        ("ascorbic_acid", D("500.0"), "mg"),
        ("sodium_benzoate", D("100.0"), "mg"),
        ("glycerol", D("20.00"), "mL"),
        ("purified_water", D("100.00"), "mL"),
    ]
    assert q.bud_category == "aqueous_preserved"
    assert "Shake well before each use." in q.auxiliary
    assert "Protect from light." in q.auxiliary
    assert q.storage == "refrigerator"  # Fawcett: only 30 days at 25 °C < 35-day BUD
    assert any("below the balance minimum" in w and "sodium benzoate" in w for w in q.warnings)


def test_unpreserved_vehicle():
    q = quote_liquid(LiquidRequest(D("1"), D("100"), doses_mg=[D("4.5")], preserved=False), R)
    assert [v.code for v in q.vehicle] == ["purified_water"]
    assert q.bud_category == "aqueous_unpreserved"
    assert q.storage == "refrigerator"
    assert any("only days" in w for w in q.warnings)


def test_nonaqueous_liquid():
    q = quote_liquid(LiquidRequest(D("1"), D("150"), doses_mg=[D("4.5")], aqueous=False), R)
    assert q.bud_category == "nonaqueous_liquid"
    assert q.vehicle[0].code == "nonaqueous_vehicle"


def test_liquid_requires_quantity_or_plan_and_dose():
    with pytest.raises(FormulationError) as exc:
        quote_liquid(LiquidRequest(D("1"), None, doses_mg=[D("4.5")]), R)
    assert exc.value.field == "quantity"
    with pytest.raises(FormulationError) as exc:
        quote_liquid(LiquidRequest(D("1"), D("30")), R)
    assert exc.value.field == "dose_mg"
    with pytest.raises(FormulationError) as exc:
        quote_liquid(LiquidRequest(D("1"), D("30"), doses_mg=[D("50")]), R)
    assert exc.value.field == "dose_mg"
    with pytest.raises(FormulationError) as exc:
        quote_liquid(LiquidRequest(D("1"), None, titration=[TitrationStep(D("4.5"), 0)]), R)
    assert exc.value.field == "titration"


# ---------------------------------------------------------------- BUD
NOV22 = date(2026, 11, 22)


@pytest.mark.parametrize(
    ("category", "expiries", "bud", "days", "limited"),
    [
        ("capsule", [], date(2027, 5, 21), 180, "USP <795>"),
        ("aqueous_preserved", [], date(2026, 12, 27), 35, "USP <795>"),
        ("aqueous_unpreserved", [], date(2026, 12, 6), 14, "USP <795>"),
        ("nonaqueous_liquid", [], date(2027, 2, 20), 90, "USP <795>"),
        # a month/year expiry (2027-01) means 2027-01-31 and caps the 180 days
        (
            "capsule",
            [("API lot A", date(2027, 1, 31)), ("MCC lot B", date(2028, 6, 30))],
            date(2027, 1, 31),
            70,
            "API lot A",
        ),
        # a later component does not extend anything
        ("aqueous_unpreserved", [("water", date(2030, 1, 1))], date(2026, 12, 6), 14, "USP <795>"),
        # an expiry on the compounding day: BUD is day 0
        ("capsule", [("shells", NOV22)], NOV22, 0, "shells"),
        # the earliest of several
        (
            "capsule",
            [("a", date(2027, 3, 31)), ("b", date(2027, 2, 28))],
            date(2027, 2, 28),
            98,
            "b",
        ),
    ],
)
def test_beyond_use_date(category, expiries, bud, days, limited):
    result = beyond_use_date(NOV22, category, expiries, R)
    assert (result.date, result.days) == (bud, days)
    assert limited in result.limited_by


def test_bud_day_zero_is_compounding_day():
    # 14 days from Nov 22 (day 0) is Dec 6, not Dec 5
    assert beyond_use_date(NOV22, "aqueous_unpreserved", [], R).date == date(2026, 12, 6)


def test_expired_component_is_refused():
    with pytest.raises(FormulationError) as exc:
        beyond_use_date(NOV22, "capsule", [("API lot A", date(2026, 11, 21))], R)
    assert exc.value.field == "component_expiries"
    assert "expired" in exc.value.message


def test_stability_override():
    ov = StabilityOverride(60, "refrigerator", "Fawcett 1997")
    result = beyond_use_date(NOV22, "aqueous_preserved", [], R, ov)
    assert (result.date, result.days, result.storage, result.rule) == (
        date(2027, 1, 21),
        60,
        "refrigerator",
        "override",
    )
    assert "Fawcett 1997" in result.limited_by
    capped = beyond_use_date(NOV22, "aqueous_preserved", [("API", date(2027, 1, 1))], R, ov)
    assert capped.date == date(2027, 1, 1) and capped.limited_by.startswith("API")


def test_unknown_category():
    with pytest.raises(FormulationError):
        beyond_use_date(NOV22, "ointment", [], R)


@pytest.mark.parametrize(
    ("bud", "supply", "warn"),
    [
        (date(2026, 12, 6), 14, False),
        (date(2026, 12, 6), 15, True),
        (date(2026, 12, 6), 30, True),
        (date(2027, 5, 21), 90, False),
    ],
)
def test_bud_warning(bud, supply, warn):
    message = bud_warning(bud, NOV22, supply)
    assert (message is not None) == warn
    if warn:
        assert bud.isoformat() in message
