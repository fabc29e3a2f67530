"""Costs and prices (DOMAIN.md §12), hand-calculated with the seeded rules: batch packaging
0.60, labour 60 min (capsule) or 30 min (liquid) at 30.00 an hour, overhead 10 %, fill
packaging 0.60 (capsule) or 1.45 (liquid), markup 150 %, fee 10.00 once a course, minimum
25.00, rounded up to the next 0.50. No app, no database."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.pricing import (
    CostedComponent,
    batch_cost,
    estimate,
    fill_cost,
    lot_unit_cost,
    quote_price,
    round_up,
)
from pharmacy.compounding.rules import DEFAULT_RULES, PriceListEntry, Rules

D = Decimal
V = "test"


def component(desc: str, amount: str, unit: str, paid: str, received: str) -> CostedComponent:
    return CostedComponent(desc, D(amount), unit, lot_unit_cost(D(paid), D(received)), "lot")


def price_of(cost: Decimal, *, form: str = "capsule", strength: str = "4.5",
             quantity: str = "30", first: bool = True, rules: Rules = DEFAULT_RULES) -> Decimal:
    return quote_price(cost, rules, dosage_form=form, strength=D(strength), quantity=D(quantity),
                       first_of_course=first, rules_version=V).amount


def test_capsule_batch_with_an_aliquot() -> None:
    # 55 capsules of 1 mg: 55 mg of API is under the 120 mg minimum weighable quantity, so
    # 120 mg is weighed for the aliquot and what is left of it is discarded: the batch pays
    # for all 120 mg. API: 250.00 for 50 g; MCC: 20.00 for 500 g; shells: 15.00 per 1000.
    cost = batch_cost(
        [
            component("naltrexone HCl (aliquot)", "120", "mg", "250.00", "50000"),
            component("MCC", "2900", "mg", "20.00", "500000"),
            component("capsule shells", "55", "each", "15.00", "1000"),
        ],
        dosage_form="capsule", units=D(55), rules=DEFAULT_RULES, rules_version=V,
    )
    amounts = [line.amount for line in cost.lines]
    # 0.60, 0.116→0.12, 0.825→0.83, packaging 0.60, labour 30.00, overhead 10 % of 32.15
    assert amounts == [D("0.60"), D("0.12"), D("0.83"), D("0.60"), D("30.00"), D("3.22")]
    assert cost.total == D("35.37")
    assert cost.unit_cost == D("0.643091")  # 35.37 / 55
    assert cost.complete
    # A fill of 30: 30 × 0.643091 = 19.29 + container and label 0.60 = 19.89;
    # markup 150 % 29.835→29.84; fee 10.00: 59.73, up to 60.00.
    fcost, _ = fill_cost(cost.unit_cost, D(30), dosage_form="capsule", rules=DEFAULT_RULES)
    assert fcost == D("19.89")
    price = quote_price(fcost, DEFAULT_RULES, dosage_form="capsule", strength=D("1"),
                        quantity=D(30), first_of_course=True, rules_version=V)
    assert price.amount == D("60.00")
    assert [line.kind for line in price.lines] == ["cost", "markup", "fee", "rounding"]
    assert sum(line.amount for line in price.lines) == price.amount


def test_liquid_from_tablets() -> None:
    # 50 mL of 1 mg/mL from one 50 mg tablet (100 tablets for 45.00), in Fawcett's vehicle.
    cost = batch_cost(
        [
            component("naltrexone 50 mg tablet", "1", "each", "45.00", "100"),
            component("glycerol", "6", "mL", "12.00", "500"),  # 0.144 → 0.14
            component("ascorbic acid", "150", "mg", "30.00", "100000"),  # 0.045 → 0.05
            component("sodium benzoate", "30", "mg", "10.00", "100000"),  # 0.003 → 0.00
            component("purified water", "24", "mL", "2.00", "4000"),  # 0.012 → 0.01
        ],
        dosage_form="liquid", units=D(50), rules=DEFAULT_RULES, rules_version=V,
    )
    # 0.45 + 0.14 + 0.05 + 0.00 + 0.01 + packaging 0.60 + labour 15.00 = 16.25;
    # overhead 1.625 → 1.63; total 17.88; per mL 0.3576.
    assert cost.total == D("17.88")
    assert cost.unit_cost == D("0.357600")
    fcost, _ = fill_cost(cost.unit_cost, D(30), dosage_form="liquid", rules=DEFAULT_RULES)
    assert fcost == D("12.18")  # 10.728 → 10.73 + 1.45
    # markup 18.27 + fee 10.00 = 40.45, up to 40.50
    assert price_of(fcost, form="liquid", strength="1") == D("40.50")


def test_titration_fill_of_three_strengths() -> None:
    # standard-1.5: 14 × 1.5 mg, 14 × 3 mg, 30 × 4.5 mg, one course in three fills: the
    # fee and the minimum once, on the first.
    fills = [("1.5", 14, D("0.40"), True), ("3", 14, D("0.42"), False),
             ("4.5", 30, D("0.45"), False)]
    prices = []
    for strength, quantity, unit_cost, first in fills:
        fcost, _ = fill_cost(unit_cost, D(quantity), dosage_form="capsule", rules=DEFAULT_RULES)
        prices.append(price_of(fcost, strength=strength, quantity=str(quantity), first=first))
    # 6.20 + 9.30 + 10.00 = 25.50 · 6.48 + 9.72 = 16.20 → 16.50 · 14.10 + 21.15 = 35.25 → 35.50
    assert prices == [D("25.50"), D("16.50"), D("35.50")]
    assert sum(prices) == D("77.50")


def test_minimum_price_and_unknown_costs() -> None:
    assert price_of(D("2.00")) == D("25.00")  # 2.00 + 3.00 + 10.00 = 15.00 → minimum
    assert price_of(D("2.00"), first=False) == D("5.00")  # no fee, no minimum
    cost = batch_cost([CostedComponent("API", D(100), "mg", None, "cost unknown")],
                      dosage_form="capsule", units=D(10), rules=DEFAULT_RULES, rules_version=V)
    assert not cost.complete and cost.missing == ("API",)
    with pytest.raises(FormulationError):
        price_of(None)  # type: ignore[arg-type]
    with pytest.raises(FormulationError):
        batch_cost([], dosage_form="capsule", units=D(0), rules=DEFAULT_RULES, rules_version=V)


@pytest.mark.parametrize(
    ("amount", "increment", "expected"),
    [
        ("25.00", "0.50", "25.00"),  # on a step: stays
        ("25.01", "0.50", "25.50"),
        ("25.49", "0.50", "25.50"),
        ("25.50", "0.50", "25.50"),
        ("25.51", "0.50", "26.00"),
        ("0", "0.50", "0.00"),
        ("19.991", "0", "20.00"),  # 0: up to the cent
        ("19.99", "0", "19.99"),
        ("12.01", "1.00", "13.00"),
        ("12.01", "0.05", "12.05"),
        ("12.26", "0.25", "12.50"),
        ("99.999", "5.00", "100.00"),
    ],
)
def test_rounding_is_up_to_the_next_step(amount: str, increment: str, expected: str) -> None:
    assert round_up(D(amount), D(increment)) == D(expected)


def test_estimate_per_month_and_total() -> None:
    # 30 capsules for 30 days, twice (one refill), at 0.643091 a capsule: 60.00 a course.
    found = estimate(D("0.643091"), DEFAULT_RULES, dosage_form="capsule", strength=D(1),
                     quantity=D(30), days=30, courses=2, rules_version=V)
    assert found.per_course.amount == D("60.00")
    assert found.total == D("120.00")
    assert found.per_month == D("60.00")
    # 90 days a course: a month is a third of it.
    found = estimate(D("0.643091"), DEFAULT_RULES, dosage_form="capsule", strength=D(1),
                     quantity=D(90), days=90, courses=1, rules_version=V)
    # 90 × 0.643091 = 57.88 + 0.60 = 58.48; + 87.72 + 10.00 = 156.20 → 156.50; / 3 = 52.17
    assert (found.per_course.amount, found.per_month) == (D("156.50"), D("52.17"))
    assert found.as_dict()["estimate"] is True


def test_price_list_overrides_the_formula_and_is_flagged_below_cost() -> None:
    rules = dataclasses.replace(DEFAULT_RULES, price_list=(
        PriceListEntry("capsule", D("4.5"), D("30"), D("39.00")),
        PriceListEntry("capsule", D("1.5"), D("30"), D("12.00")),
    ))
    listed = quote_price(D("19.89"), rules, dosage_form="capsule", strength=D("4.5"),
                         quantity=D(30), first_of_course=True, rules_version=V)
    assert (listed.amount, listed.from_price_list, listed.below_cost_plus_fee) == (
        D("39.00"), True, False)
    cheap = quote_price(D("19.89"), rules, dosage_form="capsule", strength=D("1.5"),
                        quantity=D(30), first_of_course=True, rules_version=V)
    assert cheap.amount == D("12.00") and cheap.below_cost_plus_fee
    # Another quantity of the same strength: the formula.
    assert price_of(D("19.89"), quantity="60", rules=rules) == D("60.00")


def test_money_rules_are_checked() -> None:
    with pytest.raises(FormulationError, match="price_minimum"):
        dataclasses.replace(DEFAULT_RULES, price_minimum=D("-1"))
    with pytest.raises(FormulationError, match="price_rounding_increment"):
        dataclasses.replace(DEFAULT_RULES, price_rounding_increment=D("0.005"))
    with pytest.raises(FormulationError, match="labour_minutes"):
        dataclasses.replace(DEFAULT_RULES, labour_minutes={"capsule": D(60)})
    entry = PriceListEntry("capsule", D("4.5"), D("30"), D("39.00"))
    with pytest.raises(FormulationError, match="price_list"):
        dataclasses.replace(DEFAULT_RULES, price_list=(entry, entry))
    again = Rules.from_records(
        dataclasses.replace(DEFAULT_RULES, price_list=(entry,)).as_records())
    assert again.price_list == (entry,)


money = st.decimals(min_value=0, max_value=5000, places=2, allow_nan=False, allow_infinity=False)


@given(
    cost=money,
    fee=money,
    minimum=money,
    markup=st.decimals(min_value=0, max_value=500, places=1),
    increment=st.sampled_from([D("0"), D("0.05"), D("0.25"), D("0.50"), D("1.00"), D("5.00")]),
    first=st.booleans(),
    listed=st.one_of(st.none(), st.decimals(min_value="0.01", max_value=5000, places=2)),
)
def test_price_at_least_cost_plus_fee_unless_the_price_list_says_so(
    cost: Decimal, fee: Decimal, minimum: Decimal, markup: Decimal, increment: Decimal,
    first: bool, listed: Decimal | None,
) -> None:
    rules = dataclasses.replace(
        DEFAULT_RULES, price_dispensing_fee=fee, price_minimum=minimum,
        price_markup_percent=markup, price_rounding_increment=increment,
        price_list=() if listed is None else (PriceListEntry("capsule", D(3), D(30), listed),),
    )
    price = quote_price(cost, rules, dosage_form="capsule", strength=D(3), quantity=D(30),
                        first_of_course=first, rules_version=V)
    charged_fee = fee if first else D(0)
    assert price.amount == price.amount.quantize(D("0.01"))
    if price.from_price_list:
        assert price.amount == listed
        assert price.below_cost_plus_fee == (price.amount < cost + charged_fee)
    else:
        assert price.amount >= cost + charged_fee
        assert not price.below_cost_plus_fee
        if first:
            assert price.amount >= minimum
        assert sum(line.amount for line in price.lines) == price.amount
