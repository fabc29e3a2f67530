"""Property tests: the invariants every formulation must keep."""

from datetime import date, timedelta
from decimal import Decimal as D

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pharmacy.compounding import DEFAULT_RULES, FormulationError
from pharmacy.compounding.aliquot import plan_aliquot
from pharmacy.compounding.bud import beyond_use_date
from pharmacy.compounding.capsules import CapsuleRequest, default_pack_stat_mg, quote_capsules
from pharmacy.compounding.liquids import LiquidRequest, quote_liquid
from pharmacy.compounding.opioids import screen_medications
from pharmacy.compounding.salts import ApiSource
from pharmacy.compounding.syringes import fits_syringe
from pharmacy.compounding.units import format_ml, round_mg, round_ml

R = DEFAULT_RULES
SETTINGS = settings(max_examples=300, deadline=None)
EPS = D("1e-18")

masses = st.decimals(min_value=D("0.1"), max_value=D("500"), places=1)
mwqs = st.sampled_from([D("120"), D("82"), D("50"), D("200")])


@SETTINGS
@given(w=masses, mwq=mwqs)
def test_aliquot_holds_exactly_the_needed_api(w, mwq):
    plan = plan_aliquot(w, mwq)
    if w >= mwq:
        assert plan is None
        return
    assert plan.api_weigh_mg * plan.aliquot_mg / plan.triturate_mg == w
    assert plan.api_weigh_mg == plan.k * w
    assert plan.triturate_mg == plan.k * plan.aliquot_mg
    assert plan.diluent_mg == plan.triturate_mg - plan.api_weigh_mg
    assert min(plan.api_weigh_mg, plan.diluent_mg, plan.aliquot_mg) >= mwq


@SETTINGS
@given(w=st.decimals(min_value=D("0.01"), max_value=D("119.99"), places=6), mwq=mwqs)
def test_aliquot_of_an_exact_amount_rounds_only_the_weighings(w, mwq):
    # W comes from the potency correction with many decimals; only A, D, T and M are
    # weighed, so only they sit on the 0.1 mg steps, and the dose is off by at most the
    # rounding of A spread over k.
    plan = plan_aliquot(w, mwq)
    if w >= mwq:
        assert plan is None
        return
    for weighing in (plan.api_weigh_mg, plan.diluent_mg, plan.aliquot_mg, plan.triturate_mg):
        assert weighing == round_mg(weighing)
        assert weighing >= mwq
    assert abs(plan.delivered_mg - w) <= D("0.05") / plan.k
    assert abs(plan.delivered_mg - w) / w <= D("0.05") / mwq


@SETTINGS
@given(
    w=st.decimals(min_value=D("0.1"), max_value=D("119.9"), places=1),
    f=st.decimals(min_value=D("120"), max_value=D("50000"), places=1),
)
def test_aliquot_within_a_batch_leaves_weighable_filler(w, f):
    plan = plan_aliquot(w, D("120"), filler_available_mg=f)
    assert plan.delivered_mg == w
    assert plan.filler_brought_in_mg <= f
    rest = f - plan.filler_brought_in_mg
    assert rest == 0 or rest >= 120
    assert min(plan.api_weigh_mg, plan.diluent_mg, plan.aliquot_mg) >= 120


apis = st.builds(
    ApiSource,
    form=st.sampled_from(["hcl", "hcl_dihydrate", "base"]),
    assay_percent=st.decimals(min_value=D("95"), max_value=D("102"), places=1),
    assay_basis=st.sampled_from(["as_is", "anhydrous"]),
    water_percent=st.decimals(min_value=D("0"), max_value=D("9"), places=2),
)
sizes = st.sampled_from(sorted(R.capsule_volumes_ml))


@SETTINGS
@given(
    strength=st.decimals(min_value=D("0.1"), max_value=D("10"), places=2),
    quantity=st.integers(min_value=30, max_value=1000),
    size=sizes,
    api=apis,
    basis=st.sampled_from(["hcl", "base"]),
    api_ratio=st.one_of(st.none(), st.decimals(min_value=D("0.5"), max_value=D("2"), places=2)),
    mwq=mwqs,
)
def test_capsule_quote_invariants(strength, quantity, size, api, basis, api_ratio, mwq):
    # The dose range is in mg of HCl: a strength as base stays within it as its HCl.
    assume(basis == "hcl" or strength * R.mw_naltrexone_hcl / R.mw_naltrexone_base <= 10)
    p_filler = default_pack_stat_mg(size, R.filler("mcc"), R)
    p_api = None if api_ratio is None else p_filler * api_ratio
    try:
        q = quote_capsules(
            CapsuleRequest(
                strength,
                quantity,
                dose_basis=basis,
                capsule_size=size,
                api_pack_stat_mg=p_api,
                api=api,
                balance_mwq_mg=mwq,
            ),
            R,
        )
    except FormulationError as exc:
        assert exc.field == "capsule_size"
        assert "cannot hold" in exc.message
        return
    assume(q.filler_batch_mg >= mwq)  # a batch with almost no filler warns instead
    # every weighing reaches the balance's minimum weighable quantity
    assert q.weighings
    assert all(w.mass_mg >= mwq for w in q.weighings), q.weighings
    assert not any("below the balance minimum" in w for w in q.warnings)
    # API + filler fill the capsule
    m, f = q.api_per_unit_mg, q.filler_per_unit_mg
    assert f >= 0
    if p_api is None:
        assert abs(m + f - p_filler) < EPS
        assert q.theoretical_unit_weight_mg == m + f
    else:
        assert abs(m / p_api + f / p_filler - 1) < EPS  # pack-stat volume balance
    # the batch's API and filler are accounted for exactly once
    if q.aliquot is not None:
        assert q.api_weigh_mg is None
        # the dose is off only by weighing A = k·W on the balance's 0.1 mg steps
        assert abs(q.aliquot.delivered_mg - q.aliquot.weigh_mg) <= D("0.05") / q.aliquot.k
        assert q.filler_weigh_mg == round_mg(q.filler_batch_mg - q.aliquot.filler_brought_in_mg)
    else:
        assert q.api_weigh_mg >= mwq
        assert q.filler_weigh_mg == q.filler_batch_mg
    assert q.weight_check.low_mg <= q.theoretical_unit_weight_mg <= q.weight_check.high_mg
    assert q.weight_check.sample == min(10, q.units_to_make)
    assert q.units_to_make >= quantity


NOV22 = date(2026, 11, 22)


@SETTINGS
@given(
    category=st.sampled_from([c.code for c in R.bud_categories]),
    offsets=st.lists(st.integers(min_value=0, max_value=800), max_size=5),
    start=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)),
)
def test_bud_never_passes_any_component_expiry(category, offsets, start):
    expiries = [(f"lot {i}", start + timedelta(days=o)) for i, o in enumerate(offsets)]
    bud = beyond_use_date(start, category, expiries, R)
    assert all(bud.date <= e for _, e in expiries)
    assert bud.date <= start + timedelta(days=R.bud_category(category).days)
    assert bud.days == (bud.date - start).days >= 0
    if expiries and min(e for _, e in expiries) < start + timedelta(
        days=R.bud_category(category).days
    ):
        assert bud.rule == "component"


doses = st.decimals(min_value=D("0.1"), max_value=D("10"), places=2)


@SETTINGS
@given(
    conc=st.sampled_from(R.liquid_concentrations_mg_per_ml + (D("3"), D("2.5"))),
    dose_list=st.lists(doses, min_size=1, max_size=4),
    syringe=st.one_of(st.none(), st.sampled_from(sorted(R.syringe_graduations_ml))),
)
def test_every_dose_volume_sits_on_a_graduation(conc, dose_list, syringe):
    try:
        q = quote_liquid(LiquidRequest(conc, D("100"), doses_mg=dose_list, syringe_ml=syringe), R)
    except FormulationError as exc:
        assert exc.field in ("syringe_ml", "concentration_mg_per_ml")
        return
    grad = R.syringe_graduations_ml[q.syringe_ml]
    for dv in q.dose_volumes:
        assert dv.volume_ml * conc == dv.dose_mg
        assert (dv.volume_ml / grad) % 1 == 0
        assert dv.volume_ml <= q.syringe_ml
        assert fits_syringe(dv.volume_ml, q.syringe_ml, R)
        assert D(format_ml(dv.volume_ml)) == dv.volume_ml


@SETTINGS
@given(x=st.decimals(min_value=D("0"), max_value=D("1000"), places=4))
def test_format_ml_leading_zero_no_trailing_zero(x):
    text = format_ml(x)
    assert D(text) == round_ml(x)
    assert not text.startswith(".")
    assert not ("." in text and text.endswith("0"))


@SETTINGS
@given(
    term=st.sampled_from([t for t in R.opioid_terms]),
    sep=st.sampled_from([" ", "-", "/", "", "  "]),
    upper=st.booleans(),
    suffix=st.sampled_from(["", " 5 mg", " tablet", " (PRN)"]),
)
def test_every_listed_name_matches_whatever_the_case_or_spacing(term, sep, upper, suffix):
    name = sep.join(term.term.split())
    name = name.upper() if upper else name.lower()
    matches = screen_medications([name + suffix], R)
    assert term.ingredient in {m.ingredient for m in matches}
