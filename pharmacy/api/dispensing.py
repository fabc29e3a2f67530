"""Dispensing: product verification by scan, ready, hand-over (pick-up or shipping),
return to stock, the queues, print stations, and printing straight to a station. A
technician's answers carry the fill's price and payment, never its cost or breakdown."""

from __future__ import annotations

from datetime import date
from typing import Any

from pharmacy.api.blueprint import Blueprint
from pharmacy.auth import allow, require_actor
from pharmacy.services import dispensing, pricing, printing
from pharmacy.services.batches.reweigh import correct_weight
from schema.batches import BatchOut
from schema.dispensing import (
    BatchPrintIn,
    FillHistoryOut,
    HandoverRowOut,
    PickupIn,
    PrintIn,
    PrintJobOut,
    ProductVerificationIn,
    ReadyIn,
    ReturnIn,
    ShipmentIn,
    StationIn,
    StationOut,
    WeightCorrectionIn,
    WillCallArgs,
)
from schema.fills import FillOut

blp = Blueprint("dispensing", __name__, url_prefix="/api/v1", description="Dispensing")


@blp.route("/fills/<int:fill_id>/product-verification", methods=["POST"])
@allow("pharmacist")
@blp.arguments(ProductVerificationIn)
@blp.response(200, FillOut)
def verify_product(data: dict[str, Any], fill_id: int) -> dict[str, Any]:
    """The pharmacist's scan check: label, lot, count, then the e-signature. A mismatch is
    409 with `errors` naming each field (and is recorded)."""
    return dispensing.verify_product(require_actor(), fill_id, today=date.today(), **data)


@blp.route("/fills/<int:fill_id>/ready", methods=["POST"])
@allow("pharmacist", "technician")
@blp.arguments(ReadyIn)
@blp.response(200, FillOut)
def ready(data: dict[str, Any], fill_id: int) -> dict[str, Any]:
    """A verified fill is ready for pick-up (will-call) or for shipping."""
    actor = require_actor()
    return pricing.without_costs(
        actor, dispensing.mark_ready(actor, fill_id, today=date.today(), **data)
    )


@blp.route("/fills/<int:fill_id>/pickup", methods=["POST"])
@allow("pharmacist", "technician")
@blp.arguments(PickupIn)
@blp.response(200, FillOut)
def pickup(data: dict[str, Any], fill_id: int) -> dict[str, Any]:
    """Who collected it (the patient, or an agent by name) and whether counselling was
    offered: the fill is dispensed. With `payment` {method, amount}: what was paid (the
    amount defaults to the fill's price; less leaves a balance; never more)."""
    actor = require_actor()
    return pricing.without_costs(
        actor,
        dispensing.record_pickup(
            actor,
            fill_id,
            collected_by=data["collected_by"],
            agent_name=data.get("agent_name"),
            counselling_offered=data["counselling_offered"],
            today=date.today(),
            payment=data.get("payment"),
        ),
    )


@blp.route("/fills/<int:fill_id>/shipment", methods=["POST"])
@allow("pharmacist", "technician")
@blp.arguments(ShipmentIn)
@blp.response(200, FillOut)
def shipment(data: dict[str, Any], fill_id: int) -> dict[str, Any]:
    """The carrier and tracking number: the fill is dispensed."""
    actor = require_actor()
    return pricing.without_costs(
        actor, dispensing.record_shipment(actor, fill_id, today=date.today(), **data)
    )


@blp.route("/fills/<int:fill_id>/return-to-stock", methods=["POST"])
@allow("pharmacist", "technician")
@blp.arguments(ReturnIn)
@blp.response(200, FillOut)
def return_to_stock(data: dict[str, Any], fill_id: int) -> dict[str, Any]:
    """A ready fill not collected within the limit (rule `will_call_return_days`)."""
    actor = require_actor()
    return pricing.without_costs(
        actor,
        dispensing.return_to_stock(actor, fill_id, reason=data["reason"], today=date.today()),
    )


@blp.route("/will-call", methods=["GET"])
@allow("pharmacist", "technician")
@blp.arguments(WillCallArgs, location="query")
@blp.response(200, HandoverRowOut(many=True))
def will_call(args: dict[str, Any]) -> list[dict[str, Any]]:
    """Fills ready for pick-up, by the patient's name and date of birth."""
    return _will_call_queue(args)


def _will_call_queue(args: dict[str, Any]) -> list[dict[str, Any]]:
    return dispensing.will_call_queue(
        require_actor(),
        name=args.get("name"),
        date_of_birth=args.get("date_of_birth"),
        today=date.today(),
    )


@blp.route("/will-call/search", methods=["POST"])
@allow("pharmacist", "technician")
@blp.arguments(WillCallArgs)
@blp.response(200, HandoverRowOut(many=True))
def will_call_search(args: dict[str, Any]) -> list[dict[str, Any]]:
    """The will-call queue searched with the name and date of birth in the JSON body, so
    they stay out of URLs (an address is kept by proxies, histories and logs); the same
    answer as `GET /will-call`."""
    return _will_call_queue(args)


@blp.route("/shipping-queue", methods=["GET"])
@allow("pharmacist", "technician")
@blp.response(200, HandoverRowOut(many=True))
def shipping() -> list[dict[str, Any]]:
    return dispensing.shipping_queue(require_actor(), today=date.today())


@blp.route("/prescriptions/<int:prescription_id>/dispensing", methods=["GET"])
@allow("pharmacist", "technician", "prescriber")
@blp.response(200, FillHistoryOut(many=True))
def history(prescription_id: int) -> list[dict[str, Any]]:
    """Each fill's steps with who and when, and its hand-over; a prescriber sees their
    own prescriptions only."""
    return dispensing.dispensing_history(require_actor(), prescription_id)


@blp.route("/fills/<int:fill_id>/label/print", methods=["POST"])
@allow("pharmacist", "technician")
@blp.arguments(PrintIn)
@blp.response(200, PrintJobOut)
def print_label(data: dict[str, Any], fill_id: int) -> dict[str, Any]:
    """The patient label straight to a print station (IPP or ZPL)."""
    return printing.print_fill_label(
        require_actor(),
        fill_id,
        printer=data["printer"],
        reason=data.get("reason"),
        today=date.today(),
    )


@blp.route("/fills/<int:fill_id>/leaflet/print", methods=["POST"])
@allow("pharmacist", "technician")
@blp.arguments(PrintIn)
@blp.response(200, PrintJobOut)
def print_leaflet(data: dict[str, Any], fill_id: int) -> dict[str, Any]:
    return printing.print_leaflet(
        require_actor(),
        fill_id,
        printer=data["printer"],
        reason=data.get("reason"),
        today=date.today(),
    )


@blp.route("/batches/<int:batch_id>/labels/print", methods=["POST"])
@allow("pharmacist", "technician")
@blp.arguments(BatchPrintIn)
@blp.response(200, PrintJobOut)
def print_batch_labels(data: dict[str, Any], batch_id: int) -> dict[str, Any]:
    return printing.print_batch_labels(
        require_actor(),
        batch_id,
        printer=data["printer"],
        containers=data["containers"],
        quantity_per_container=data.get("quantity_per_container"),
        reason=data.get("reason"),
        today=date.today(),
    )


@blp.route("/printers", methods=["GET"])
@allow("admin", "pharmacist", "technician")
@blp.response(200, StationOut(many=True))
def printers() -> list[dict[str, Any]]:
    return printing.list_stations(require_actor())


@blp.route("/printers", methods=["POST"])
@allow("admin")
@blp.arguments(StationIn)
@blp.response(201, StationOut)
def add_printer(data: dict[str, Any]) -> dict[str, Any]:
    return printing.add_station(require_actor(), **data)


@blp.route("/batches/<string:batch_ref>/weight-corrections", methods=["POST"])
@allow("technician", "pharmacist")
@blp.arguments(WeightCorrectionIn)
@blp.response(200, BatchOut)
def weight_correction(data: dict[str, Any], batch_ref: str) -> dict[str, Any]:
    """Correct a mistyped weight before the final check; both values stay on the record
    and only the corrected one counts toward a deviation."""
    return correct_weight(
        require_actor(),
        batch_ref,
        component=data.get("component"),
        capsule=data.get("capsule"),
        corrected_mg=data["corrected_mg"],
        reason=data["reason"],
        today=date.today(),
    )
