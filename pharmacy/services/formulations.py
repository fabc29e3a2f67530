"""Formulation quotes: the engine run on the rules in force."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from pharmacy.audit import Actor
from pharmacy.compounding.bud import StabilityOverride
from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.quote import QuoteRequest, QuoteResult, compute_quote
from pharmacy.compounding.rules import Rules
from pharmacy.compounding.salts import ApiSource
from pharmacy.compounding.titration import TitrationStep
from pharmacy.models import Prescription
from pharmacy.services.prescriptions import get_prescription
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


def prescription_quote_request(rx: Prescription, rules: Rules) -> QuoteRequest:
    """What a batch for this prescription would need, before lots are chosen (100 %
    naltrexone HCl as is)."""
    return QuoteRequest(
        dosage_form=rx.dosage_form,
        quantity=rx.quantity,
        days_supply=rx.days_supply,
        dose_basis=rx.dose_basis,
        strength_mg=rx.strength_mg,
        filler_code=rx.filler or rules.default_filler_code,
        concentration_mg_per_ml=rx.concentration_mg_per_ml,
        dose_mg=rx.dose_mg if rx.dosage_form == "liquid" and not rx.steps else None,
        titration=tuple(TitrationStep(dose_mg=s.dose_mg, days=s.days) for s in rx.steps),
        syringe_ml=rx.syringe_ml,
    )


@query
def quote_for_prescription(
    session: Session, actor: Actor, prescription_id: int, *, today: date
) -> QuoteResult:
    """The formulation quote for a prescription the actor may see."""
    rx = get_prescription.in_session(session, actor, prescription_id)  # type: ignore[attr-defined]
    rules = current_rules(session)
    return compute_quote(prescription_quote_request(rx, rules), rules, today)


# The engine's name for an input, where the request calls it something else.
REQUEST_FIELD = {"filler_code": "filler"}


@query
def quote(session: Session, data: dict[str, Any], *, today: date) -> QuoteResult:
    """A formulation for the request on the rules in force (no rows are written)."""
    rules = current_rules(session)
    try:
        return compute_quote(quote_request(data, rules), rules, today)
    except FormulationError as error:
        if error.field in REQUEST_FIELD:
            raise FormulationError(REQUEST_FIELD[error.field], error.message) from error
        raise
