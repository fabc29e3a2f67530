"""Recalls and their recall lists (pharmacists only: they carry patient contact details)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response

from pharmacy.api.blueprint import Blueprint
from pharmacy.auth import allow, require_actor
from pharmacy.services import recall
from schema.stock import RecallOut, RecallSummary

blp = Blueprint("recalls", __name__, url_prefix="/api/v1/recalls", description="Recalls")


@blp.route("", methods=["GET"])
@allow("pharmacist")
@blp.response(200, RecallSummary(many=True))
def index() -> list[dict[str, Any]]:
    return recall.list_recalls(require_actor())


@blp.route("/<int:recall_id>", methods=["GET"])
@allow("pharmacist")
@blp.response(200, RecallOut)
def show(recall_id: int) -> dict[str, Any]:
    return recall.get_recall(require_actor(), recall_id, today=date.today())


@blp.route("/<int:recall_id>/list.csv", methods=["GET"])
@allow("pharmacist")
@blp.response(200, content_type="text/csv")
def recall_csv(recall_id: int) -> Response:
    """The recall list: one row per fill with patient and prescriber contact details."""
    body = recall.recall_list_csv(require_actor(), recall_id, today=date.today())
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="recall-{recall_id}.csv"'},
    )
