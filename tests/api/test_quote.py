"""`POST /api/v1/formulations/quote`: the engine's answers through the API contract."""

from __future__ import annotations

from typing import Any

import pytest

QUOTE = "/api/v1/formulations/quote"


def quote(client: Any, as_: str = "pharm", **body: Any) -> Any:
    return client.post(QUOTE, as_=as_, json=body)


def test_capsules_from_a_dihydrate_lot_on_the_anhydrous_basis(api: Any) -> None:
    # DOMAIN.md §2: 148.5 mg naltrexone HCl (33 capsules of 4.5 mg), f = 0.9083, weigh 163.5 mg
    response = quote(
        api,
        dosage_form="capsule",
        quantity=30,
        strength_mg="4.5",
        compounded_on="2026-11-21",
        api={
            "form": "hcl_dihydrate",
            "assay_percent": 99.5,
            "assay_basis": "anhydrous",
            "water_percent": 8.71,
        },
    )
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert result["units_to_make"] == 33
    assert result["api"] == {
        "mass_needed_mg": 148.5,
        "as_is_fraction": 0.9083,
        "weigh_mg": 163.5,
        "tablets": None,
    }
    assert result["aliquot"] is None
    assert result["filler"]["per_unit_mg"] == pytest.approx(85.0)
    assert result["theoretical_unit_weight_mg"] == 90.0
    assert result["weight_check"] == {"sample": 10, "low_mg": 81.0, "high_mg": 99.0}
    assert result["bud"]["date"] == "2027-05-20" and result["bud"]["days"] == 180
    assert "795" in result["bud"]["limited_by"]
    assert any("163.5 mg" in step for step in result["steps"])


def test_as_is_dihydrate_lot(api: Any) -> None:
    result = quote(
        api,
        dosage_form="capsule",
        quantity=30,
        strength_mg=4.5,
        api={"form": "hcl_dihydrate", "assay_percent": 99.0, "assay_basis": "as_is"},
    ).get_json()
    assert result["api"]["mass_needed_mg"] == 162.7
    assert result["api"]["weigh_mg"] == 164.3


def test_small_weighing_gets_an_aliquot(api: Any) -> None:
    result = quote(api, dosage_form="capsule", quantity=30, strength_mg=0.5).get_json()
    assert result["api"]["weigh_mg"] is None
    aliquot = result["aliquot"]
    assert aliquot["aliquot_mg"] >= 120 and aliquot["api_weigh_mg"] >= 120
    # the aliquot carries exactly the API the batch needs: A·M/T = W
    needed = 0.5 * 33
    assert aliquot["api_weigh_mg"] * aliquot["aliquot_mg"] / aliquot[
        "triturate_mg"
    ] == pytest.approx(needed)


def test_component_expiry_caps_the_bud(api: Any) -> None:
    result = quote(
        api,
        dosage_form="capsule",
        quantity=30,
        strength_mg=4.5,
        compounded_on="2026-11-21",
        component_expiries=["2027-01"],
    ).get_json()
    assert result["bud"]["date"] == "2027-01-31"
    assert (
        "2027-01-31" in result["bud"]["limited_by"]
        or "expir" in result["bud"]["limited_by"].lower()
    )


def test_preserved_liquid(api: Any) -> None:
    response = quote(
        api,
        dosage_form="liquid",
        quantity=150,
        concentration_mg_per_ml=1,
        dose_mg=4.5,
        syringe_ml=5,
        preserved=True,
        compounded_on="2026-11-21",
    )
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert result["volume_to_make_ml"] == 157.5
    assert result["dose_volumes_ml"]
    assert result["bud"]["days"] == 35
    assert {item["code"] for item in result["vehicle"]} >= {"purified-water"} or result["vehicle"]


def test_liquid_from_tablets_uses_whole_tablets(api: Any) -> None:
    result = quote(
        api,
        dosage_form="liquid",
        quantity=60,
        concentration_mg_per_ml=1,
        dose_mg=1.5,
        syringe_ml=3,
        api={"source": "tablets"},
    ).get_json()
    assert result["volume_to_make_ml"] % 50 == 0
    assert result["api"]["tablets"] == result["volume_to_make_ml"] / 50


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"dosage_form": "capsule", "quantity": 30, "strength_mg": 4.5, "capsule_size": "7"},
            "capsule_size",
        ),
        (
            {
                "dosage_form": "capsule",
                "quantity": 30,
                "strength_mg": 9,
                "capsule_size": "5",
                "filler_pack_stat_mg": 5,
            },
            "capsule_size",
        ),
        (
            {
                "dosage_form": "liquid",
                "quantity": 50,
                "concentration_mg_per_ml": 1,
                "dose_mg": 1.55,
                "syringe_ml": 3,
            },
            "concentration_mg_per_ml",
        ),
        ({"dosage_form": "capsule", "quantity": 30}, "strength_mg"),
        ({"dosage_form": "capsule", "quantity": "NaN", "strength_mg": 1}, "quantity"),
        (
            {
                "dosage_form": "capsule",
                "quantity": 30,
                "strength_mg": 1,
                "component_expiries": ["soon"],
            },
            "component_expiries",
        ),
        (
            {
                "dosage_form": "capsule",
                "quantity": 30,
                "strength_mg": 1,
                "api": {"form": "sulfate"},
            },
            "api.form",
        ),
    ],
)
def test_impossible_or_invalid_quotes_are_422(api: Any, body: dict[str, Any], field: str) -> None:
    response = api.post(QUOTE, as_="pharm", json=body)
    assert response.status_code == 422, response.get_json()
    payload = response.get_json()
    assert any(key.startswith(field) for key in payload["errors"]), payload
    assert payload["message"]


@pytest.mark.parametrize(
    ("role", "status"), [("tech", 200), ("pharm", 200), ("drA", 403), ("admin", 403)]
)
def test_who_may_quote(api: Any, role: str, status: int) -> None:
    assert (
        quote(api, as_=role, dosage_form="capsule", quantity=30, strength_mg=4.5).status_code
        == status
    )


def test_a_changed_rule_is_used_at_once(api: Any) -> None:
    from pharmacy.audit import SYSTEM
    from pharmacy.services.rules import change_rule
    from pharmacy.services.uow import current_db

    before = quote(api, dosage_form="capsule", quantity=30, strength_mg=4.5).get_json()
    assert before["units_to_make"] == 33
    with current_db().transaction() as session:
        change_rule(session, SYSTEM, "capsule_overage_percent", "20", "pharmacy SOP 12, 2026")
    after = quote(api, dosage_form="capsule", quantity=30, strength_mg=4.5).get_json()
    assert after["units_to_make"] == 36
    assert "SOP 12" in after["rules_used"]["capsule_overage_percent"]


def test_a_capsule_quote_checks_the_daily_dose(api: Any) -> None:
    # 4.5 mg capsules, 50 mg a day: the dose is not LDN even if the strength is.
    response = api.post(
        QUOTE,
        as_="pharm",
        json={"dosage_form": "capsule", "strength_mg": 4.5, "dose_mg": 50, "quantity": 30},
    )
    assert response.status_code == 422
    assert "dose_mg" in response.get_json()["errors"]
    uneven = api.post(
        QUOTE,
        as_="pharm",
        json={"dosage_form": "capsule", "strength_mg": 2, "dose_mg": 4.5, "quantity": 30},
    )
    assert uneven.status_code == 422 and "dose_mg" in uneven.get_json()["errors"]


def test_an_unknown_filler_is_an_error_on_the_field_sent(api: Any) -> None:
    response = api.post(
        QUOTE,
        as_="pharm",
        json={"dosage_form": "capsule", "strength_mg": 4.5, "quantity": 30, "filler": "chalk"},
    )
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["filler"]
