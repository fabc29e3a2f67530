"""PDF documents and the print queue. Every print is logged; a reprint needs `reason`."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response

from pharmacy.api.blueprint import Blueprint
from pharmacy.auth import allow, require_actor
from pharmacy.services import printing
from schema.printing import (
    BatchLabelArgs,
    LabelArgs,
    PrintLogArgs,
    PrintLogOut,
    QueueItemOut,
    QueuePrintIn,
    ReprintArgs,
)

blp = Blueprint("printing", __name__, url_prefix="/api/v1", description="Labels and documents")

PDF_RESPONSE = {"200": {"description": "A PDF", "content": {"application/pdf": {}}}}


def pdf(data: bytes, name: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@blp.route("/fills/<int:fill_id>/label.pdf", methods=["GET"])
@allow("pharmacist", "technician")
@blp.arguments(LabelArgs, location="query")
@blp.doc(responses=PDF_RESPONSE)
def fill_label(args: dict[str, Any], fill_id: int) -> Response:
    """The patient label of a fill, whole, on the smallest label stock that holds it
    unless `stock` names one (409 naming the stock that can, if it cannot hold it)."""
    data = printing.patient_label(
        require_actor(),
        fill_id,
        stock_code=args.get("stock"),
        reason=args.get("reason"),
        today=date.today(),
    )
    return pdf(data, f"fill-{fill_id}-label.pdf")


@blp.route("/fills/<int:fill_id>/leaflet.pdf", methods=["GET"])
@allow("pharmacist", "technician")
@blp.arguments(ReprintArgs, location="query")
@blp.doc(responses=PDF_RESPONSE)
def fill_leaflet(args: dict[str, Any], fill_id: int) -> Response:
    """The patient leaflet with the dated dosing calendar."""
    data = printing.leaflet(require_actor(), fill_id, reason=args.get("reason"), today=date.today())
    return pdf(data, f"fill-{fill_id}-leaflet.pdf")


@blp.route("/batches/<int:batch_id>/labels.pdf", methods=["GET"])
@allow("pharmacist", "technician")
@blp.arguments(BatchLabelArgs, location="query")
@blp.doc(responses=PDF_RESPONSE)
def batch_labels(args: dict[str, Any], batch_id: int) -> Response:
    """One stock label per container of a released batch."""
    data = printing.batch_labels(
        require_actor(),
        batch_id,
        stock_code=args.get("stock"),
        containers=args["containers"],
        quantity_per_container=args.get("quantity_per_container"),
        reason=args.get("reason"),
        today=date.today(),
    )
    return pdf(data, f"batch-{batch_id}-labels.pdf")


@blp.route("/batches/<int:batch_id>/worksheet.pdf", methods=["GET"])
@allow("pharmacist", "technician")
@blp.arguments(ReprintArgs, location="query")
@blp.doc(responses=PDF_RESPONSE)
def batch_worksheet(args: dict[str, Any], batch_id: int) -> Response:
    """The compounding worksheet and record of a batch."""
    data = printing.worksheet(
        require_actor(), batch_id, reason=args.get("reason"), today=date.today()
    )
    return pdf(data, f"batch-{batch_id}-worksheet.pdf")


@blp.route("/recalls/<int:recall_id>/report.pdf", methods=["GET"])
@allow("pharmacist")
@blp.arguments(ReprintArgs, location="query")
@blp.doc(responses=PDF_RESPONSE)
def recall_report(args: dict[str, Any], recall_id: int) -> Response:
    """The recall list as a PDF: batches affected, fills, patients and prescribers to call."""
    data = printing.recall_report(
        require_actor(), recall_id, reason=args.get("reason"), today=date.today()
    )
    return pdf(data, f"recall-{recall_id}.pdf")


@blp.route("/print-queue", methods=["GET"])
@allow("pharmacist", "technician")
@blp.response(200, QueueItemOut(many=True))
def print_queue() -> list[dict[str, Any]]:
    """Patient labels waiting to be printed, oldest first."""
    return printing.print_queue(require_actor(), today=date.today())


@blp.route("/print-queue/print", methods=["POST"])
@allow("pharmacist", "technician")
@blp.arguments(QueuePrintIn)
@blp.doc(responses=PDF_RESPONSE)
def print_queued(data: dict[str, Any]) -> Response:
    """Every waiting label (or the chosen `fill_ids`) as one PDF, logged as printed."""
    document = printing.print_queued_labels(
        require_actor(),
        fill_ids=data.get("fill_ids"),
        stock_code=data.get("stock"),
        today=date.today(),
    )
    return pdf(document, "print-queue.pdf")


@blp.route("/print-log", methods=["GET"])
@allow("pharmacist", "technician")
@blp.arguments(PrintLogArgs, location="query")
@blp.response(200, PrintLogOut(many=True))
def print_log(args: dict[str, Any]) -> list[dict[str, Any]]:
    """Who printed a document, when, how many, and why for a reprint."""
    return printing.print_history(args["document"], args["entity_id"])
