"""What the workbench and the prescription page show besides the prescription itself:
the formulation quote, batches waiting for a final check, lots to release, batches a
prescription can be filled from, and its fills. All of it comes from the services."""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import ValidationError

from pharmacy.audit import Actor
from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.units import plain
from pharmacy.errors import DomainError
from pharmacy.services import batches, fills, formulations, lots
from pharmacy.services.web_support import fillable_batches
from pharmacy.web.printing_support import print_queue
from schema.formulations import QuoteIn


def pharmacist_queues(actor: Actor) -> dict[str, Any]:
    today = date.today()
    return {
        "awaiting_check": batches.list_batches(actor, today=today, status="recorded"),
        "in_progress": batches.list_batches(actor, today=today, status="in_progress"),
        "quarantined_lots": [
            lots.lot_view(lot, today) for lot in lots.list_lots(status="quarantine")
        ],
    }


def bench_extras(actor: Actor) -> dict[str, Any]:
    today = date.today()
    return {
        "in_progress": batches.list_batches(actor, today=today, status="in_progress"),
        "recorded": batches.list_batches(actor, today=today, status="recorded"),
        "released": batches.list_batches(actor, today=today, status="released", limit=30),
        "print_queue": print_queue(actor, today),
    }


def _quote_input(rx: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "dosage_form": rx.dosage_form,
        "quantity": plain(rx.quantity),
        "dose_basis": rx.dose_basis,
    }
    if rx.days_supply:
        data["days_supply"] = rx.days_supply
    if rx.dosage_form == "capsule":
        data["strength_mg"] = plain(rx.strength_mg)
        data["filler"] = rx.filler
    else:
        data["concentration_mg_per_ml"] = plain(rx.concentration_mg_per_ml)
        if rx.syringe_ml:
            data["syringe_ml"] = rx.syringe_ml
    if rx.steps:
        data["titration"] = [{"dose_mg": plain(s.dose_mg), "days": s.days} for s in rx.steps]
    elif rx.dose_mg is not None and rx.dosage_form == "liquid":
        data["dose_mg"] = plain(rx.dose_mg)
    return data


def quote_for(rx: Any) -> dict[str, Any]:
    """The formulation a batch for this prescription would need (before lots are chosen:
    100 % naltrexone HCl as is), or the reason there is none."""
    try:
        loaded = QuoteIn().load(_quote_input(rx))
        result = formulations.quote(loaded, today=date.today())
    except ValidationError as error:
        return {"error": f"No quote: {error.messages}"}
    except (FormulationError, DomainError) as error:
        return {"error": f"No quote: {getattr(error, 'message', str(error))}"}
    return {"result": result.as_dict()}


def prescription_extras(actor: Actor, rx: Any) -> dict[str, Any]:
    if actor.role not in ("pharmacist", "technician"):
        return {}
    today = date.today()
    extra: dict[str, Any] = {}
    if actor.role == "pharmacist" and rx.status in ("submitted", "on_hold", "verified"):
        extra["quote"] = quote_for(rx)
    if rx.status in ("verified", "filled"):
        extra["batches"] = fillable_batches(actor, rx.id, today=today)
        extra["fills"] = fills.list_fills(actor, rx.id, today=today)
    return extra
