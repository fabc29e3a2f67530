"""Known answers: potency, the aliquot method, capsule batches (DOMAIN §2-4)."""

from decimal import Decimal as D

import pytest

from pharmacy.compounding import DEFAULT_RULES, FormulationError
from pharmacy.compounding.aliquot import plan_aliquot
from pharmacy.compounding.capsules import (
    CapsuleRequest,
    default_pack_stat_mg,
    quote_capsules,
    units_to_make,
)
from pharmacy.compounding.salts import ApiSource, api_requirement
from pharmacy.compounding.units import round_mg

R = DEFAULT_RULES
DIHYDRATE_ANHYDROUS = ApiSource(
    form="hcl_dihydrate", assay_percent=D("99.5"), assay_basis="anhydrous", water_percent=D("8.71")
)
DIHYDRATE_AS_IS = ApiSource(form="hcl_dihydrate", assay_percent=D("99.0"), assay_basis="as_is")


# ---------------------------------------------------------------- DOMAIN §2 examples
def test_domain_example_dihydrate_anhydrous_basis():
    req = api_requirement(D("148.5"), "hcl", DIHYDRATE_ANHYDROUS, R)
    assert req.mass_needed_mg == D("148.5")  # the assay counts anhydrous HCl
    assert req.as_is_fraction.quantize(D("0.0001")) == D("0.9083")
    assert round_mg(req.weigh_mg) == D("163.5")
    assert req.tablets is None and not req.contains_lactose
    assert any("0.9083" in line for line in req.derivation)


def test_domain_example_dihydrate_as_is():
    req = api_requirement(D("148.5"), "hcl", DIHYDRATE_AS_IS, R)
    assert round_mg(req.mass_needed_mg) == D("162.7")  # of dihydrate
    assert req.as_is_fraction == D("0.99")
    assert round_mg(req.weigh_mg) == D("164.3")


@pytest.mark.parametrize(
    ("mg", "basis", "api", "needed", "weigh"),
    [
        ("148.5", "hcl", ApiSource(), "148.5", "148.5"),
        ("100", "hcl", ApiSource(assay_percent=D("98")), "100", "102.0"),
        # base prescription into an HCl lot: × 377.86/341.41
        ("100", "base", ApiSource(), "110.7", "110.7"),
        # HCl prescription from a base lot: × 341.41/377.86
        ("110.68", "hcl", ApiSource(form="base"), "100.0", "100.0"),
        # base prescription, base lot: no conversion at all
        ("100", "base", ApiSource(form="base", assay_percent=D("99")), "100", "101.0"),
        # anhydrous basis on an anhydrous HCl lot with 0.5 % water
        (
            "100",
            "hcl",
            ApiSource(assay_percent=D("100"), assay_basis="anhydrous", water_percent=D("0.5")),
            "100",
            "100.5",
        ),
    ],
)
def test_api_requirement_table(mg, basis, api, needed, weigh):
    req = api_requirement(D(mg), basis, api, R)
    assert round_mg(req.mass_needed_mg) == D(needed)
    assert round_mg(req.weigh_mg) == D(weigh)


@pytest.mark.parametrize(
    ("mg", "tablets", "ppt", "weigh"),
    [
        ("148.5", 3, None, None),
        ("150", 3, None, None),
        ("150.1", 4, None, None),
        ("49.5", 1, D("200"), D("198.0")),
        ("148.5", 3, D("160"), D("475.2")),
    ],
)
def test_tablets(mg, tablets, ppt, weigh):
    req = api_requirement(
        D(mg), "hcl", ApiSource(source="tablets", tablet_powder_mg_per_tablet=ppt), R
    )
    assert req.tablets == tablets
    assert req.contains_lactose
    assert "lactose" in req.tablet_powder_note
    if weigh is None:
        assert req.weigh_mg is None and "weigh" in req.tablet_powder_note.lower()
    else:
        assert round_mg(req.weigh_mg) == weigh


@pytest.mark.parametrize(
    ("api", "field"),
    [
        (ApiSource(source="jar"), "api.source"),
        (ApiSource(form="sulfate"), "api.form"),
        (ApiSource(assay_basis="dried"), "api.assay_basis"),
        (ApiSource(assay_percent=D("0")), "api.assay_percent"),
        (ApiSource(assay_percent=D("150")), "api.assay_percent"),
        (ApiSource(water_percent=D("-1")), "api.water_percent"),
        (
            ApiSource(source="tablets", tablet_powder_mg_per_tablet=D("0")),
            "api.tablet_powder_mg_per_tablet",
        ),
    ],
)
def test_api_source_errors(api, field):
    with pytest.raises(FormulationError) as exc:
        api_requirement(D("100"), "hcl", api, R)
    assert exc.value.field == field


def test_dose_basis_error():
    with pytest.raises(FormulationError) as exc:
        api_requirement(D("100"), "sulfate", ApiSource(), R)
    assert exc.value.field == "dose_basis"


# ---------------------------------------------------------------- DOMAIN §4 aliquot
def test_domain_aliquot_example():
    plan = plan_aliquot(D("54.5"), D("120"))
    assert (plan.k, plan.api_weigh_mg, plan.triturate_mg, plan.diluent_mg, plan.aliquot_mg) == (
        3,
        D("163.5"),
        D("360"),
        D("196.5"),
        D("120"),
    )
    assert plan.filler_brought_in_mg == D("65.5")
    assert plan.api_weigh_mg * plan.aliquot_mg / plan.triturate_mg == D("54.5")


@pytest.mark.parametrize(("w", "mwq"), [("120", "120"), ("163.5", "120"), ("82", "82")])
def test_no_aliquot_at_or_above_mwq(w, mwq):
    assert plan_aliquot(D(w), D(mwq)) is None


@pytest.mark.parametrize(
    ("w", "mwq", "k", "a", "t", "d", "m"),
    [
        ("49.5", "120", 3, "148.5", "360", "211.5", "120"),
        ("10", "120", 12, "120", "1440", "1320", "120"),
        ("60", "120", 2, "120", "240", "120", "120"),
        # diluent k(M − W) would be 2 mg: the aliquot is raised so the diluent reaches the MWQ
        ("119", "120", 2, "238", "358.0", "120.0", "179.0"),
        ("40", "82", 3, "120", "246", "126", "82"),
    ],
)
def test_aliquot_table(w, mwq, k, a, t, d, m):
    plan = plan_aliquot(D(w), D(mwq))
    assert (plan.k, plan.api_weigh_mg, plan.triturate_mg, plan.diluent_mg, plan.aliquot_mg) == (
        k,
        D(a),
        D(t),
        D(d),
        D(m),
    )
    assert plan.delivered_mg == D(w)


def test_aliquot_carries_whole_batch_when_filler_would_be_too_little():
    # 2 capsules: W 9.0 mg, filler 171.0 mg: M − W = 111 would leave 60 mg of filler
    plan = plan_aliquot(D("9.0"), D("120"), filler_available_mg=D("171.0"))
    assert plan.aliquot_mg == D("180.0")
    assert plan.filler_brought_in_mg == D("171.0")
    assert plan.delivered_mg == D("9.0")
    assert min(plan.api_weigh_mg, plan.diluent_mg, plan.aliquot_mg) >= 120


@pytest.mark.parametrize(
    ("strength", "quantity", "assay", "water", "form", "basis"),
    [
        # each W has many decimals: rounding it before multiplying by k would be off by
        # -1.0 %, -5 % and +8.5 % of the dose
        ("0.5", 3, "99.5", "0.5", "hcl", "anhydrous"),
        ("0.1", 1, "95", "0", "hcl", "as_is"),
        ("0.25", 1, "99", "0", "hcl_dihydrate", "as_is"),
    ],
)
def test_capsule_aliquot_keeps_the_potency_correction(
    strength, quantity, assay, water, form, basis
):
    api = ApiSource(
        form=form, assay_percent=D(assay), water_percent=D(water), assay_basis=basis
    )
    q = quote_capsules(
        CapsuleRequest(
            strength_mg=D(strength), quantity=quantity, api=api, overage_percent=D("0")
        ),
        R,
    )
    exact = q.api.weigh_mg
    assert q.aliquot is not None and q.aliquot.weigh_mg == exact
    assert abs(q.aliquot.delivered_mg - exact) / exact < D("0.0005")
    assert q.aliquot.api_weigh_mg == round_mg(q.aliquot.k * exact)


def test_aliquot_rejects_zero():
    with pytest.raises(FormulationError):
        plan_aliquot(D("0"), D("120"))


# ---------------------------------------------------------------- DOMAIN §3 capsules
@pytest.mark.parametrize(
    ("size", "pack_stat"),
    [
        ("000", "411"),
        ("00", "285"),
        ("0", "204"),
        ("1", "150"),
        ("2", "111"),
        ("3", "90"),
        ("4", "63"),
        ("5", "39"),
    ],
)
def test_default_pack_stat_is_volume_times_density(size, pack_stat):
    assert default_pack_stat_mg(size, R.filler("mcc"), R) == D(pack_stat)


@pytest.mark.parametrize(
    ("quantity", "overage", "units"),
    [
        (30, "10", 33),
        (100, "10", 110),
        (1, "10", 2),
        (7, "10", 8),
        (30, "0", 30),
        (90, "5", 95),
        (10, "12.5", 12),
    ],
)
def test_units_to_make(quantity, overage, units):
    assert units_to_make(quantity, D(overage)) == units


def test_capsule_quote_domain_dihydrate_batch():
    q = quote_capsules(CapsuleRequest(D("4.5"), 30, api=DIHYDRATE_ANHYDROUS), R)
    assert q.units_to_make == 33
    assert q.api_weigh_mg == D("163.5")
    assert q.aliquot is None
    assert q.filler_pack_stat_mg == D("90")
    # filler = P_filler − m_api (no API pack stat): 90 − 163.486/33
    assert round_mg(q.filler_per_unit_mg) == D("85.0")
    assert q.filler_weigh_mg == D("2806.5")
    assert q.theoretical_unit_weight_mg == D("90")
    assert (q.weight_check.sample, q.weight_check.low_mg, q.weight_check.high_mg) == (
        10,
        D("81.0"),
        D("99.0"),
    )
    assert q.steps[1] == (
        "Weigh 163.5 mg naltrexone HCl dihydrate (as is) (= 148.5 mg naltrexone HCl)."
    )
    assert "Weigh 2806.5 mg microcrystalline cellulose." in q.steps
    assert "Mix geometrically until uniform." in q.steps
    assert "Fill 33 size 3 capsules, 90.0 mg each (shell excluded)." in q.steps
    assert q.steps[-1] == "Weight-check 10 capsules one by one: each 81.0–99.0 mg."
    assert "capsule_overage_percent" in q.rules_used
    assert "default_capsule_size" in q.rules_used
    assert q.warnings == []


def test_capsule_quote_with_aliquot():
    q = quote_capsules(CapsuleRequest(D("1.5"), 30), R)
    assert q.api_weigh_mg is None
    plan = q.aliquot
    assert (plan.api_weigh_mg, plan.diluent_mg, plan.triturate_mg, plan.aliquot_mg) == (
        D("148.5"),
        D("211.5"),
        D("360"),
        D("120"),
    )
    # 33 × 88.5 = 2920.5 of filler; the aliquot brings 120 − 49.5 = 70.5 of it
    assert q.filler_batch_mg == D("2920.5")
    assert q.filler_weigh_mg == D("2850.0")
    assert any(s.startswith("Triturate geometrically to 360.0 mg") for s in q.steps)
    assert all(w.mass_mg >= 120 for w in q.weighings)


@pytest.mark.parametrize(
    ("p_filler", "p_api", "m_api_batch", "per_unit"),
    # 10 capsules (0 % overage) of 10 mg from a 100 % HCl lot: m_api 10 mg
    [
        ("120", "200", "100.0", "114.0"),
        ("120", None, "100.0", "110.0"),
        ("150", "150", "100.0", "140.0"),
    ],
)
def test_pack_stat_method(p_filler, p_api, m_api_batch, per_unit):
    q = quote_capsules(
        CapsuleRequest(
            D("10"),
            10,
            capsule_size="1",
            overage_percent=D("0"),
            filler_pack_stat_mg=D(p_filler),
            api_pack_stat_mg=None if p_api is None else D(p_api),
            balance_mwq_mg=D("82"),
        ),
        R,
    )
    assert q.api_weigh_mg == D(m_api_batch)
    assert q.filler_per_unit_mg == D(per_unit)


def test_capsule_too_small_names_a_size_that_fits():
    with pytest.raises(FormulationError) as exc:
        quote_capsules(CapsuleRequest(D("10"), 30, capsule_size="5", api_pack_stat_mg=D("9")), R)
    assert exc.value.field == "capsule_size"
    assert "cannot hold the dose" in exc.value.message
    assert "size 4" in exc.value.message


def test_unknown_capsule_size_lists_sizes():
    with pytest.raises(FormulationError) as exc:
        quote_capsules(CapsuleRequest(D("4.5"), 30, capsule_size="6"), R)
    assert exc.value.field == "capsule_size"
    assert "000, 00, 0, 1, 2, 3, 4, 5" in exc.value.message


@pytest.mark.parametrize(
    ("req", "field"),
    [
        (CapsuleRequest(D("50"), 30), "strength_mg"),
        (CapsuleRequest(D("0"), 30), "strength_mg"),
        (CapsuleRequest(D("4.5"), 0), "quantity"),
        (CapsuleRequest(D("4.5"), 30, overage_percent=D("-1")), "overage_percent"),
        (CapsuleRequest(D("4.5"), 30, filler_code="hypromellose"), "filler_code"),
        (CapsuleRequest(D("4.5"), 30, filler_code="sawdust"), "filler_code"),
        (CapsuleRequest(D("4.5"), 30, filler_code="sodium_bicarbonate"), "filler_pack_stat_mg"),
        (CapsuleRequest(D("4.5"), 30, filler_pack_stat_mg=D("0")), "filler_pack_stat_mg"),
        (CapsuleRequest(D("4.5"), 30, api=ApiSource(assay_percent=D("-3"))), "api.assay_percent"),
    ],
)
def test_capsule_errors(req, field):
    with pytest.raises(FormulationError) as exc:
        quote_capsules(req, R)
    assert exc.value.field == field


def test_capsule_warnings_and_acknowledgement():
    q = quote_capsules(
        CapsuleRequest(
            D("0.25"), 30, filler_code="calcium_carbonate", filler_pack_stat_mg=D("120")
        ),
        R,
    )
    assert any("acknowledge" in a for a in q.acknowledgements)
    assert any("calcium carbonate" in w for w in q.warnings)


def test_capsules_from_tablets_of_unknown_powder_mass():
    q = quote_capsules(CapsuleRequest(D("4.5"), 30, api=ApiSource(source="tablets")), R)
    assert q.api.tablets == 3
    assert q.api_weigh_mg is None and q.filler_per_unit_mg is None
    assert q.theoretical_unit_weight_mg == D("90")
    assert any("lactose" in w for w in q.warnings)
    assert "Crush 3 naltrexone HCl 50 mg tablets to a fine powder." in q.steps
    assert any("P × 0.9900" in s for s in q.steps)


def test_capsules_from_tablets_with_known_powder_mass():
    api = ApiSource(source="tablets", tablet_powder_mg_per_tablet=D("160"))
    q = quote_capsules(CapsuleRequest(D("4.5"), 30, api=api), R)
    # 148.5 mg HCl = 475.2 mg of powder; it takes volume like filler: 33 × 90 − 475.2
    assert q.api_weigh_mg == D("475.2")
    assert q.filler_weigh_mg == D("2494.8")
    assert q.theoretical_unit_weight_mg == D("90")


def test_small_batch_warns_when_whole_fill_is_below_mwq():
    q = quote_capsules(CapsuleRequest(D("4.5"), 1, capsule_size="5"), R)
    assert any("below the balance minimum" in w for w in q.warnings)


@pytest.mark.parametrize(
    ("code", "problem", "caution"),
    [
        ("mcc", None, None),
        ("MCC", None, None),
        ("lactose", None, None),
        ("sodium-bicarbonate", None, None),
        ("Avicel PH-102", None, None),
        ("calcium-carbonate", None, "avoid calcium carbonate"),
        ("calcium_carbonate", None, "avoid calcium carbonate"),
        ("hpmc", "immediate release", None),
        ("HPMC", "immediate release", None),
        ("hypromellose", "immediate release", None),
        ("sawdust", "unknown filler", None),
    ],
)
def test_filler_problem_and_caution(code, problem, caution):
    from pharmacy.compounding.fillers import filler_caution, filler_problem

    result = filler_problem(code, R)
    if problem is None:
        assert result is None
    else:
        assert problem in result
    note = filler_caution(code, R)
    assert (note is None) == (caution is None)
    if caution:
        assert caution in note


def test_capsule_quote_accepts_filler_spellings():
    q = quote_capsules(
        CapsuleRequest(
            D("4.5"), 30, filler_code="sodium-bicarbonate", filler_pack_stat_mg=D("150")
        ),
        R,
    )
    assert q.filler_code == "sodium_bicarbonate"
    assert (
        quote_capsules(CapsuleRequest(D("4.5"), 30, filler_code="Avicel"), R).filler_code == "mcc"
    )
