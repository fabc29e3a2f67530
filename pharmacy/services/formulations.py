"""Formulation quotes: the engine run on the rules in force."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from pharmacy.compounding.bud import StabilityOverride
from pharmacy.compounding.quote import QuoteRequest, QuoteResult, compute_quote
from pharmacy.compounding.rules import Rules
from pharmacy.compounding.salts import ApiSource
from pharmacy.compounding.titration import TitrationStep
from pharmacy.services.rules import current_rules
from pharmacy.services.uow import query


def quote_request(data: dict[str, Any], rules: Rules) -> QuoteRequest:
    """Validated request fields (schema.formulations.QuoteIn) as the engine's input."""
    api = data.get("api") or {}
    override = data.get("stability_override")
    filler = data.get("filler") or rules.default_filler_code
    return QuoteRequest(
        dosage_form=data["dosage_form"],
        quantity=data.get("quantity"),
        days_supply=data.get("days_supply"),
        strength_mg=data.get("strength_mg"),
        dose_basis=data.get("dose_basis", "hcl"),
        capsule_size=data.get("capsule_size"),
        filler_pack_stat_mg=data.get("filler_pack_stat_mg"),
        api_pack_stat_mg=data.get("api_pack_stat_mg"),
        filler_code=filler,
        concentration_mg_per_ml=data.get("concentration_mg_per_ml"),
        dose_mg=data.get("dose_mg"),
        titration=tuple(
            TitrationStep(dose_mg=s["dose_mg"], days=s["days"]) for s in data.get("titration") or ()
        ),
        syringe_ml=data.get("syringe_ml"),
        preserved=data.get("preserved", True),
        aqueous=data.get("aqueous", True),
        overage_percent=data.get("overage_percent"),
        balance_mwq_mg=data.get("balance_mwq_mg"),
        api=ApiSource(**api) if api else ApiSource(),
        compounded_on=data.get("compounded_on"),
        component_expiries=tuple(data.get("component_expiries") or ()),
        stability_override=StabilityOverride(**override) if override else None,
    )


@query
def quote(session: Session, data: dict[str, Any], *, today: date) -> QuoteResult:
    """A formulation for the request on the rules in force (no rows are written)."""
    rules = current_rules(session)
    return compute_quote(quote_request(data, rules), rules, today)
