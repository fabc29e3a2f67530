"""Catalog items, master formulas and ingredient lots."""

from __future__ import annotations

from datetime import date
from typing import Any

from pharmacy.api.blueprint import Blueprint
from pharmacy.auth import allow, require_actor
from pharmacy.models import Formula, Item
from pharmacy.services import catalog, lots, pricing, recall, trace
from schema.stock import (
    FormulaOut,
    FormulaRevisionIn,
    ItemActiveIn,
    ItemIn,
    ItemOut,
    ItemQuery,
    LotIn,
    LotOut,
    LotPasswordIn,
    LotQuery,
    LotTraceOut,
    RecallOut,
    StockReasonIn,
)

items_blp = Blueprint("items", __name__, url_prefix="/api/v1/items", description="Catalog")
formulas_blp = Blueprint(
    "formulas", __name__, url_prefix="/api/v1/formulas", description="Master formulation records"
)
lots_blp = Blueprint(
    "ingredient_lots",
    __name__,
    url_prefix="/api/v1/ingredient-lots",
    description="Received ingredient lots",
)

STAFF = ("pharmacist", "technician", "admin")


@items_blp.route("", methods=["GET"])
@allow(*STAFF)
@items_blp.arguments(ItemQuery, location="query")
@items_blp.response(200, ItemOut(many=True))
def list_items(args: dict[str, Any]) -> list[Item]:
    """Catalog items, each with a stable `code` (withdrawn ones only when asked)."""
    return catalog.list_items(kind=args.get("kind"), include_withdrawn=args["include_withdrawn"])


@items_blp.route("", methods=["POST"])
@allow("admin")
@items_blp.arguments(ItemIn)
@items_blp.response(201, ItemOut)
def add_item(data: dict[str, Any]) -> Item:
    """Add a catalog item (admin)."""
    return catalog.add_item(require_actor(), data)


@items_blp.route("/<code>/active", methods=["POST"])
@allow("admin")
@items_blp.arguments(ItemActiveIn)
@items_blp.response(200, ItemOut)
def set_item_active(data: dict[str, Any], code: str) -> Item:
    """Withdraw an item from use, or bring it back, with a reason (admin)."""
    return catalog.set_item_active(
        require_actor(), code, active=data["active"], reason=data["reason"]
    )


@formulas_blp.route("", methods=["GET"])
@allow(*STAFF)
@formulas_blp.response(200, FormulaOut(many=True))
def list_formulas() -> list[Formula]:
    """Master formulation records (the newest version of each `formula_code`)."""
    return catalog.list_formulas()


@formulas_blp.route("/<string:code>", methods=["GET"])
@allow(*STAFF)
@formulas_blp.response(200, FormulaOut)
def show_formula(code: str) -> Formula:
    return catalog.get_formula(code)


@formulas_blp.route("/<string:code>/versions", methods=["GET"])
@allow(*STAFF)
@formulas_blp.response(200, FormulaOut(many=True))
def formula_versions(code: str) -> list[Formula]:
    """Every version of a master formula, newest first."""
    return catalog.formula_versions(code)


@formulas_blp.route("/<string:code>/versions", methods=["POST"])
@allow("pharmacist")
@formulas_blp.arguments(FormulaRevisionIn)
@formulas_blp.response(201, FormulaOut)
def revise_formula(data: dict[str, Any], code: str) -> Formula:
    """A new version of a master formula (instructions, checks, container, labeling,
    weighing tolerance, stability override), approved with the pharmacist's signature.
    Batches started afterwards follow it; earlier batches keep their version."""
    password, reason = data.pop("password"), data.pop("reason")
    based_on = data.pop("based_on_version", None)
    return catalog.revise_formula(
        require_actor(), code, data, password=password, reason=reason, based_on_version=based_on
    )


@lots_blp.route("", methods=["POST"])
@allow("pharmacist", "technician")
@lots_blp.arguments(LotIn)
@lots_blp.response(201, LotOut)
def receive(data: dict[str, Any]) -> dict[str, Any]:
    """Receive a lot: it starts in quarantine."""
    today, actor = date.today(), require_actor()
    return pricing.without_costs(
        actor, lots.lot_view(lots.receive_lot(actor, data, today=today), today)
    )


@lots_blp.route("", methods=["GET"])
@allow(*STAFF)
@lots_blp.arguments(LotQuery, location="query")
@lots_blp.response(200, LotOut(many=True))
def index(args: dict[str, Any]) -> list[dict[str, Any]]:
    """Lots, first-expiring first; `manufacturer_lot` finds a typed or scanned lot."""
    today, actor = date.today(), require_actor()
    return [
        pricing.without_costs(actor, lots.lot_view(lot, today)) for lot in lots.list_lots(**args)
    ]


@lots_blp.route("/<int:lot_id>", methods=["GET"])
@allow(*STAFF)
@lots_blp.response(200, LotOut)
def show(lot_id: int) -> dict[str, Any]:
    return pricing.without_costs(require_actor(), lots.lot_view(lots.get_lot(lot_id), date.today()))


@lots_blp.route("/<int:lot_id>/release", methods=["POST"])
@allow("pharmacist")
@lots_blp.arguments(LotPasswordIn)
@lots_blp.response(200, LotOut)
def release(data: dict[str, Any], lot_id: int) -> dict[str, Any]:
    """Release from quarantine with the pharmacist's electronic signature."""
    today = date.today()
    lot = lots.release_lot(require_actor(), lot_id, password=data["password"], today=today)
    return lots.lot_view(lot, today)


@lots_blp.route("/<int:lot_id>/reject", methods=["POST"])
@allow("pharmacist")
@lots_blp.arguments(StockReasonIn)
@lots_blp.response(200, LotOut)
def reject(data: dict[str, Any], lot_id: int) -> dict[str, Any]:
    lot = lots.reject_lot(require_actor(), lot_id, reason=data["reason"])
    return lots.lot_view(lot, date.today())


@lots_blp.route("/<int:lot_id>/recall", methods=["POST"])
@allow("pharmacist")
@lots_blp.arguments(StockReasonIn)
@lots_blp.response(201, RecallOut)
def recall_lot(data: dict[str, Any], lot_id: int) -> dict[str, Any]:
    """Recall the lot and quarantine every batch made from it."""
    return recall.recall_ingredient_lot(
        require_actor(), lot_id, reason=data["reason"], today=date.today()
    )


@lots_blp.route("/<int:lot_id>/trace", methods=["GET"])
@allow("pharmacist", "technician")
@lots_blp.response(200, LotTraceOut)
def trace_lot(lot_id: int) -> dict[str, Any]:
    """Every batch that used the lot (also through intermediate batches), every fill, and
    (for pharmacists) the patients and prescribers with contact details."""
    return trace.trace_ingredient_lot(require_actor(), lot_id, today=date.today())
