"""The quote behind POST /api/v1/formulations/quote: shape and known answers."""

import ast
import json
import sys
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from pharmacy.compounding import DEFAULT_RULES, FormulationError, Rules
from pharmacy.compounding.bud import StabilityOverride
from pharmacy.compounding.quote import QuoteRequest, compute_quote
from pharmacy.compounding.salts import ApiSource
from pharmacy.compounding.titration import TITRATION_TEMPLATES

R = DEFAULT_RULES
TODAY = date(2026, 11, 22)
COMMON = {"api", "aliquot", "bud", "warnings", "steps", "rules_version", "rules_used"}
CAPSULE_KEYS = COMMON | {
    "units_to_make",
    "filler",
    "theoretical_unit_weight_mg",
    "weight_check",
    "capsule_size",
}
LIQUID_KEYS = COMMON | {"volume_to_make_ml", "dose_volumes_ml", "vehicle", "solution_aliquot"}


def test_capsule_quote_shape_and_numbers():
    req = QuoteRequest(
        "capsule",
        30,
        strength_mg=D("4.5"),
        api=ApiSource(
            form="hcl_dihydrate",
            assay_percent=D("99.5"),
            assay_basis="anhydrous",
            water_percent=D("8.71"),
        ),
        component_expiries=[date(2027, 1, 31)],
    )
    out = compute_quote(req, R, TODAY).as_dict()
    json.dumps(out)
    assert set(out) == CAPSULE_KEYS
    assert out["units_to_make"] == 33
    assert out["api"] == {
        "mass_needed_mg": 148.5,
        "as_is_fraction": 0.9083,
        "weigh_mg": 163.5,
        "tablets": None,
    }
    assert out["filler"] == {"per_unit_mg": 85.0, "weigh_mg": 2806.5}
    assert out["theoretical_unit_weight_mg"] == 90.0
    assert out["weight_check"] == {"sample": 10, "low_mg": 81.0, "high_mg": 99.0}
    assert out["capsule_size"] == "3"
    assert out["aliquot"] is None
    assert out["bud"] == {
        "date": "2027-01-31",
        "days": 70,
        "storage": "room temperature or refrigerator",
        "limited_by": "component 1 expires 2027-01-31",
    }
    assert out["rules_version"] == "2026.2"
    assert "capsule_overage_percent" in out["rules_used"]
    assert "bud_categories" in out["rules_used"]
    assert out["steps"][-1].startswith("Beyond-use date 2027-01-31")


def test_capsule_quote_with_aliquot_nulls_api_weigh():
    out = compute_quote(QuoteRequest("capsule", 30, strength_mg=D("1.5")), R, TODAY).as_dict()
    assert out["api"]["weigh_mg"] is None
    assert out["aliquot"] == {
        "api_weigh_mg": 148.5,
        "diluent_mg": 211.5,
        "triturate_mg": 360.0,
        "aliquot_mg": 120.0,
    }
    assert out["filler"]["weigh_mg"] == 2850.0
    assert out["bud"]["date"] == "2027-05-21" and out["bud"]["days"] == 180


def test_capsule_quote_from_tablets():
    out = compute_quote(
        QuoteRequest("capsule", 30, strength_mg=D("4.5"), api=ApiSource(source="tablets")), R, TODAY
    ).as_dict()
    assert out["api"]["tablets"] == 3
    assert out["api"]["weigh_mg"] is None
    assert any("lactose" in w for w in out["warnings"])


def test_capsule_quantity_from_titration():
    q = compute_quote(
        QuoteRequest(
            "capsule", None, strength_mg=D("1.5"), titration=TITRATION_TEMPLATES["standard-1.5"]
        ),
        R,
        TODAY,
    )
    assert q.capsule.quantity == 132
    assert q.capsule.units_to_make == 146


def test_liquid_quote_shape_and_numbers():
    req = QuoteRequest(
        "liquid",
        D("30"),
        concentration_mg_per_ml=D("1"),
        dose_mg=D("4.5"),
        syringe_ml=5,
        preserved=True,
        api=ApiSource(source="tablets"),
        compounded_on=date(2026, 11, 20),
    )
    out = compute_quote(req, R, TODAY).as_dict()
    json.dumps(out)
    assert set(out) == LIQUID_KEYS
    assert out["volume_to_make_ml"] == 50.0
    assert out["api"] == {
        "mass_needed_mg": 50.0,
        "as_is_fraction": None,
        "weigh_mg": None,
        "tablets": 1,
    }
    assert out["dose_volumes_ml"] == [{"dose_mg": 4.5, "volume_ml": 4.5}]
    assert out["vehicle"] == [
        {"code": "ascorbic_acid", "name": "ascorbic acid", "amount": 250.0, "unit": "mg"},
        {"code": "sodium_benzoate", "name": "sodium benzoate", "amount": 50.0, "unit": "mg"},
        {"code": "glycerol", "name": "glycerol", "amount": 10.0, "unit": "mL"},
        {"code": "purified_water", "name": "purified water, q.s. to", "amount": 50.0, "unit": "mL"},
    ]
    assert out["aliquot"] is None and out["solution_aliquot"] is None  # whole tablets
    # compounded_on given: 35 days from Nov 20; stored cold (Fawcett: 30 days at 25 °C)
    assert out["bud"]["date"] == "2026-12-25"
    assert out["bud"]["storage"] == "refrigerator"


def test_liquid_unpreserved_titration_warns_when_bud_is_short():
    req = QuoteRequest(
        "liquid",
        None,
        concentration_mg_per_ml=D("5"),
        preserved=False,
        titration=TITRATION_TEMPLATES["standard-1.5"],
    )
    q = compute_quote(req, R, TODAY)
    out = q.as_dict()
    assert out["volume_to_make_ml"] == 41.58
    assert out["dose_volumes_ml"] == [
        {"dose_mg": 1.5, "volume_ml": 0.3},
        {"dose_mg": 3.0, "volume_ml": 0.6},
        {"dose_mg": 4.5, "volume_ml": 0.9},
    ]
    assert q.liquid.syringe_ml == 1
    assert out["bud"]["days"] == 14
    assert any("58-day supply" in w for w in out["warnings"])


def test_stability_override_in_quote():
    req = QuoteRequest(
        "liquid",
        D("60"),
        concentration_mg_per_ml=D("1"),
        dose_mg=D("1.5"),
        stability_override=StabilityOverride(60, "refrigerator", "Fawcett 1997"),
    )
    out = compute_quote(req, R, TODAY).as_dict()
    assert out["bud"]["days"] == 60
    assert "Fawcett 1997" in out["bud"]["limited_by"]


def test_admin_changed_rules_flow_through():
    rules = Rules.from_records(
        [
            r if r.name != "capsule_overage_percent" else type(r)(r.name, "0", r.unit, r.source)
            for r in R.as_records()
        ]
        + []
    )
    q = compute_quote(QuoteRequest("capsule", 30, strength_mg=D("4.5")), rules, TODAY)
    assert q.capsule.units_to_make == 30


@pytest.mark.parametrize(
    ("req", "field"),
    [
        (QuoteRequest("tincture", 30), "dosage_form"),
        (QuoteRequest("capsule", 30), "strength_mg"),
        (QuoteRequest("capsule", None, strength_mg=D("4.5")), "quantity"),
        (QuoteRequest("capsule", D("30.5"), strength_mg=D("4.5")), "quantity"),
        (QuoteRequest("capsule", 30, strength_mg=D("12")), "strength_mg"),
        (QuoteRequest("liquid", D("30"), dose_mg=D("4.5")), "concentration_mg_per_ml"),
        (
            QuoteRequest(
                "liquid", D("30"), concentration_mg_per_ml=D("1"), dose_mg=D("4.5"), syringe_ml=3
            ),
            "syringe_ml",
        ),
        (
            QuoteRequest(
                "capsule", 30, strength_mg=D("4.5"), component_expiries=[date(2026, 11, 1)]
            ),
            "component_expiries",
        ),
        (
            QuoteRequest(
                "capsule", None, strength_mg=D("4.5"), titration=TITRATION_TEMPLATES["standard-1.5"]
            ),
            "titration",
        ),
    ],
)
def test_quote_errors(req, field):
    with pytest.raises(FormulationError) as exc:
        compute_quote(req, R, TODAY)
    assert exc.value.field == field
    assert exc.value.message


def test_engine_imports_only_the_standard_library():
    root = Path(__file__).resolve().parents[3] / "pharmacy" / "compounding"
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in stdlib or name.startswith("pharmacy.compounding"), (path, name)


def test_engine_never_reads_the_clock():
    root = Path(__file__).resolve().parents[3] / "pharmacy" / "compounding"
    for path in root.glob("*.py"):
        text = path.read_text()
        for banned in ("date.today(", "datetime.now(", "time.time(", "float("):
            if banned == "float(" and path.name == "quote.py":
                continue  # the only place floats appear: the JSON output
            assert banned not in text, (path.name, banned)


def test_quote_request_from_json():
    from pharmacy.compounding.quote import quote_request_from_json

    req = quote_request_from_json(
        {
            "dosage_form": "liquid",
            "quantity": "30",
            "concentration_mg_per_ml": 1,
            "titration": [{"dose_mg": "1.5", "days": 14}, {"dose_mg": 3, "days": "14"}],
            "syringe_ml": 5,
            "preserved": False,
            "api": {
                "source": "powder",
                "form": "hcl_dihydrate",
                "assay_percent": "99.0",
                "assay_basis": "as_is",
            },
            "compounded_on": "2026-11-22",
            "component_expiries": ["2027-01", "2027-03-15"],
            "stability_override": {"days": 60, "storage": "refrigerator", "reference": "Fawcett"},
        }
    )
    assert req.quantity == D("30") and req.concentration_mg_per_ml == D("1")
    assert [(s.dose_mg, s.days) for s in req.titration] == [(D("1.5"), 14), (D("3"), 14)]
    assert req.api.assay_percent == D("99.0") and req.api.form == "hcl_dihydrate"
    assert req.component_expiries == (date(2027, 1, 31), date(2027, 3, 15))
    assert req.compounded_on == TODAY
    assert req.stability_override.days == 60
    assert compute_quote(req, R, TODAY).as_dict()["bud"]["date"] == "2027-01-21"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"dosage_form": "capsule", "strength_mg": "abc"}, "strength_mg"),
        ({"dosage_form": "capsule", "preserved": "yes"}, "preserved"),
        ({"dosage_form": "capsule", "api": {"assay_percent": "NaN"}}, "api.assay_percent"),
        ({"dosage_form": "liquid", "titration": [{"dose_mg": 1}]}, "titration"),
        ({"dosage_form": "liquid", "component_expiries": ["05/2027"]}, "component_expiries"),
        ({"dosage_form": "liquid", "syringe_ml": "1.5"}, "syringe_ml"),
    ],
)
def test_quote_request_from_json_errors(data, field):
    from pharmacy.compounding.quote import quote_request_from_json

    with pytest.raises(FormulationError) as exc:
        quote_request_from_json(data)
    assert exc.value.field == field


def test_a_small_liquid_batch_from_powder_weighs_through_a_stock_solution():
    # 30 mL at 1 mg/mL from powder: 31.5 mg with the overage, below a 120 mg MWQ. Weigh
    # 4 × as much, dissolve to 40 mL, measure 10 mL: every weighing reaches the MWQ.
    req = QuoteRequest(
        "liquid",
        D("30"),
        concentration_mg_per_ml=D("1"),
        dose_mg=D("4.5"),
        api=ApiSource(assay_percent=D("100")),
        compounded_on=date(2026, 11, 20),
    )
    out = compute_quote(req, R, TODAY).as_dict()
    assert out["solution_aliquot"] == {"api_weigh_mg": 126.0, "stock_ml": 40.0, "aliquot_ml": 10.0}
    assert out["api"]["weigh_mg"] is None
    assert not any("naltrexone" in w and "below the balance" in w for w in out["warnings"])
    assert any("Measure 10 mL of the stock solution" in step for step in out["steps"])


def test_a_non_aqueous_liquid_keeps_the_warning():
    req = QuoteRequest(
        "liquid",
        D("30"),
        concentration_mg_per_ml=D("1"),
        dose_mg=D("4.5"),
        aqueous=False,
        api=ApiSource(assay_percent=D("100")),
    )
    out = compute_quote(req, R, TODAY).as_dict()
    assert out["solution_aliquot"] is None
    assert any("naltrexone" in w and "below the balance" in w for w in out["warnings"])
