"""Compounding batches: create, record, final check; fills of prescriptions."""

from __future__ import annotations

from datetime import date
from typing import Any

from pharmacy.api.blueprint import Blueprint
from pharmacy.auth import allow, require_actor
from pharmacy.services import batches, fills, pricing, recall, trace
from schema.stock import (
    BatchIn,
    BatchOut,
    BatchPreviewOut,
    BatchQuery,
    BatchReleaseIn,
    BatchTraceOut,
    ClearQuarantineIn,
    FillIn,
    FillOut,
    RecallOut,
    RecordIn,
    StockReasonIn,
    SuggestOut,
    SuggestQuery,
)

blp = Blueprint("batches", __name__, url_prefix="/api/v1/batches", description="Batches")
fills_blp = Blueprint("fills", __name__, url_prefix="/api/v1/prescriptions", description="Fills")


@blp.route("", methods=["POST"])
@allow("technician", "pharmacist")
@blp.arguments(BatchIn)
@blp.response(201, BatchOut)
def create(data: dict[str, Any]) -> dict[str, Any]:
    """Create a batch: amounts computed from the chosen lots (FEFO when `lot_ids` is absent),
    lot number assigned, stock taken."""
    return batches.create_batch(require_actor(), data, today=date.today())


@blp.route("/preview", methods=["POST"])
@allow("technician", "pharmacist")
@blp.arguments(BatchIn)
@blp.response(200, BatchPreviewOut)
def preview(data: dict[str, Any]) -> dict[str, Any]:
    """The same computation as creating a batch; nothing is saved."""
    return batches.preview_batch(require_actor(), data, today=date.today())


@blp.route("/suggest-lots", methods=["GET"])
@allow("technician", "pharmacist")
@blp.arguments(SuggestQuery, location="query")
@blp.response(200, SuggestOut)
def suggest(args: dict[str, Any]) -> dict[str, Any]:
    """Usable lots for each component of a formula, first-expiring first."""
    return {
        "lots": batches.suggest_lots(
            args["formula_code"], today=date.today(), capsule_size=args.get("capsule_size")
        )
    }


@blp.route("", methods=["GET"])
@allow("technician", "pharmacist", "admin")
@blp.arguments(BatchQuery, location="query")
@blp.response(200, BatchOut(many=True))
def index(args: dict[str, Any]) -> list[dict[str, Any]]:
    return batches.list_batches(require_actor(), today=date.today(), **args)


@blp.route("/<string:batch_ref>", methods=["GET"])
@allow("technician", "pharmacist", "admin")
@blp.response(200, BatchOut)
def show(batch_ref: str) -> dict[str, Any]:
    """A batch by id or by lot number, with its full compounding record."""
    return batches.get_batch(require_actor(), batch_ref, today=date.today())


@blp.route("/<string:batch_ref>/record", methods=["POST"])
@allow("technician", "pharmacist")
@blp.arguments(RecordIn)
@blp.response(200, BatchOut)
def record(data: dict[str, Any], batch_ref: str) -> dict[str, Any]:
    """Actual amounts per component and the capsule weight check."""
    return batches.record_batch(
        require_actor(),
        batch_ref,
        actuals=data["actuals"],
        capsule_weights_mg=data["capsule_weights_mg"],
        yield_units=data.get("yield_units"),
        today=date.today(),
    )


@blp.route("/<string:batch_ref>/release", methods=["POST"])
@allow("pharmacist")
@blp.arguments(BatchReleaseIn)
@blp.response(200, BatchOut)
def release(data: dict[str, Any], batch_ref: str) -> dict[str, Any]:
    """The pharmacist's final check, signed with the password."""
    return batches.release_batch(
        require_actor(),
        batch_ref,
        password=data["password"],
        acknowledge_deviations=data["acknowledge_deviations"],
        today=date.today(),
    )


@blp.route("/<string:batch_ref>/reject", methods=["POST"])
@allow("pharmacist")
@blp.arguments(StockReasonIn)
@blp.response(200, BatchOut)
def reject(data: dict[str, Any], batch_ref: str) -> dict[str, Any]:
    return batches.reject_batch(
        require_actor(), batch_ref, reason=data["reason"], today=date.today()
    )


@blp.route("/<string:batch_ref>/clear-quarantine", methods=["POST"])
@allow("pharmacist")
@blp.arguments(ClearQuarantineIn)
@blp.response(200, BatchOut)
def clear_quarantine(data: dict[str, Any], batch_ref: str) -> dict[str, Any]:
    """End a recall's quarantine after investigation, signed with the password; the batch
    returns to the state it had before."""
    return batches.clear_quarantine(
        require_actor(),
        batch_ref,
        password=data["password"],
        reason=data["reason"],
        acknowledge_recalled_sources=data["acknowledge_recalled_sources"],
        today=date.today(),
    )


@blp.route("/<string:batch_ref>/recall", methods=["POST"])
@allow("pharmacist")
@blp.arguments(StockReasonIn)
@blp.response(201, RecallOut)
def recall_batch(data: dict[str, Any], batch_ref: str) -> dict[str, Any]:
    return recall.recall_batch(
        require_actor(), batch_ref, reason=data["reason"], today=date.today()
    )


@blp.route("/<string:batch_ref>/trace", methods=["GET"])
@allow("pharmacist", "technician")
@blp.response(200, BatchTraceOut)
def trace_batch(batch_ref: str) -> dict[str, Any]:
    """Backwards to every component lot, forwards to every fill."""
    return trace.trace_batch(require_actor(), batch_ref, today=date.today())


@fills_blp.route("/<int:prescription_id>/fills", methods=["POST"])
@allow("technician", "pharmacist")
@fills_blp.arguments(FillIn)
@fills_blp.response(201, FillOut)
def create_fill(data: dict[str, Any], prescription_id: int) -> dict[str, Any]:
    """Fill from a released batch; the quantity leaves the batch atomically. The price is
    fixed now, from the batch used (a technician's answer carries no cost)."""
    actor = require_actor()
    return pricing.without_costs(
        actor,
        fills.create_fill(
            actor,
            prescription_id,
            batch_id=data["batch_id"],
            quantity=data["quantity"],
            acknowledge_bud_warning=data["acknowledge_bud_warning"],
            acknowledge_opioid_update=data["acknowledge_opioid_update"],
            steps=data.get("steps"),
            large_print=data["large_print"],
            today=date.today(),
        ),
    )


@fills_blp.route("/<int:prescription_id>/fills", methods=["GET"])
@allow("technician", "pharmacist")
@fills_blp.response(200, FillOut(many=True))
def list_fills(prescription_id: int) -> list[dict[str, Any]]:
    actor = require_actor()
    return [
        pricing.without_costs(actor, f)
        for f in fills.list_fills(actor, prescription_id, today=date.today())
    ]
