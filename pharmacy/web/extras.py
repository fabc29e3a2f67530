"""What the workbench and the prescription page show besides the prescription itself:
the formulation quote, batches waiting for a final check, lots to release, batches a
prescription can be filled from, and its fills. All of it comes from the services."""

from __future__ import annotations

from datetime import date
from typing import Any

from pharmacy.audit import Actor
from pharmacy.compounding.errors import FormulationError
from pharmacy.errors import DomainError
from pharmacy.services import batches, dispensing, fills, formulations, lots, pricing, printing
from pharmacy.services.fill_choices import fillable_batches


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
        "print_queue": printing.print_queue(actor, today=today),
    }


def quote_for(actor: Actor, rx: Any) -> dict[str, Any]:
    """The formulation a batch for this prescription would need, or why there is none."""
    try:
        result = formulations.quote_for_prescription(actor, rx.id, today=date.today())
    except (FormulationError, DomainError) as error:
        return {"error": f"No quote: {getattr(error, 'message', str(error))}"}
    return {"result": result.as_dict()}


def prescription_extras(actor: Actor, rx: Any) -> dict[str, Any]:
    if actor.role == "prescriber":
        # The prescriber sees where each fill of their own prescription is (issue 21).
        return {"dispensing": dispensing.dispensing_history(actor, rx.id)}
    if actor.role not in ("pharmacist", "technician"):
        return {}
    today = date.today()
    extra: dict[str, Any] = {}
    if actor.role == "pharmacist" and rx.status in ("submitted", "on_hold", "verified"):
        extra["quote"] = quote_for(actor, rx)
        # DOMAIN.md §12: the same estimate the prescriber saw, from the standard cost.
        extra["estimate"] = pricing.with_money_text(pricing.prescription_price(actor, rx.id))
    extra["dispensing"] = dispensing.dispensing_history(actor, rx.id)
    if rx.status in ("verified", "filled"):
        extra["fills"] = fills.list_fills(actor, rx.id, today=today)
        extra["fill_open"] = fills.can_fill(actor, rx.id)
        if extra["fill_open"]:
            extra["batches"] = fillable_batches(actor, rx.id, today=today)
    return extra
