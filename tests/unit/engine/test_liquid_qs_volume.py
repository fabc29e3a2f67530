"""The liquid worksheet's volumes (issue 19): made up (q.s.) to the batch's volume, which
is the volume to dispense plus its overage, or more to use whole tablets, said so."""

from decimal import Decimal as D

from pharmacy.compounding import DEFAULT_RULES
from pharmacy.compounding.liquids import LiquidRequest, quote_liquid
from pharmacy.compounding.salts import ApiSource


def test_qs_to_the_volume_with_its_overage() -> None:
    # 100 mL x 1.05 = 105 mL; glycerol 20 % v/v of it = 21 mL.
    q = quote_liquid(LiquidRequest(D(1), quantity_ml=D(100), doses_mg=[D("4.5")]), DEFAULT_RULES)
    assert q.volume_to_make_ml == D(105)
    qs = [v for v in q.vehicle if v.name.endswith("q.s. to")]
    assert [(v.amount, v.unit) for v in qs] == [(D(105), "mL")]
    assert next(v.amount for v in q.vehicle if v.code == "glycerol") == D(21)
    assert q.steps[0] == (
        "Make 105 mL of naltrexone HCl oral liquid 1 mg/mL: 100 mL to dispense + 5 % overage."
    )
    assert "Make up to 105 mL with purified water and mix well." in q.steps


def test_from_tablets_the_rounding_up_is_said() -> None:
    # 105 mL at 1 mg/mL needs 105 mg: three 50 mg tablets (150 mg) make 150 mL.
    req = LiquidRequest(
        D(1),
        quantity_ml=D(100),
        doses_mg=[D("4.5")],
        api=ApiSource(source="tablets", tablet_powder_mg_per_tablet=D(200)),
    )
    q = quote_liquid(req, DEFAULT_RULES)
    assert q.volume_to_make_ml == D(150)
    assert q.steps[0] == (
        "Make 150 mL of naltrexone HCl oral liquid 1 mg/mL: 100 mL to dispense + 5 % overage"
        " = 105 mL, rounded up to use whole tablets."
    )
    assert [v.amount for v in q.vehicle if v.name.endswith("q.s. to")] == [D(150)]
    assert "Make up to 150 mL with purified water and mix well." in q.steps
