"""Ingredient lots: receive (typed or scanned), the pharmacist's release with a signature,
reject, and the catalog the lots belong to."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, g, redirect, request, url_for
from werkzeug.wrappers import Response

from pharmacy.auth import allow
from pharmacy.models.stock import BASE_UNITS, ITEM_KINDS
from pharmacy.services import catalog, lots, pricing
from pharmacy.web.blueprint import bp
from pharmacy.web.forms import (
    FormErrors,
    attempt,
    checkbox,
    compact,
    lines,
    load,
    render_form,
    text,
)
from schema.formulations import CAPSULE_SIZES
from schema.stock import (
    LOT_STATUSES,
    FormulaRevisionIn,
    ItemActiveIn,
    ItemIn,
    LotIn,
    LotPasswordIn,
    LotQuery,
    StockReasonIn,
)

PACK_STAT_SIZES = ("000", "00", "0", "1", "2", "3", "4", "5")


def _lot_data() -> dict[str, Any]:
    item_code = text("item_code")
    data: dict[str, Any] = {
        "item_code": item_code,
        "supplier": text("supplier"),
        "manufacturer": text("manufacturer"),
        "manufacturer_lot": text("manufacturer_lot"),
        "expiry": text("expiry"),
        "quantity": text("quantity"),
        "unit": text("unit"),
        "tablet_powder_mg": text("tablet_powder_mg"),
        "purchase_cost": text("purchase_cost"),
        "invoice_reference": text("invoice_reference"),
    }
    coa = compact({
        "assay_percent": text("coa.assay_percent"),
        "assay_basis": text("coa.assay_basis"),
        "water_percent": text("coa.water_percent"),
        "form": text("coa.form"),
    })
    if coa.get("assay_percent") is not None:
        data["coa"] = coa
    stats = compact({size: text(f"pack_stats_mg.{size}") for size in PACK_STAT_SIZES})
    if stats:
        data["pack_stats_mg"] = stats
    return compact(data)


def _lots_page(errors: FormErrors | None = None) -> tuple[str, int]:
    args = {k: v for k, v in request.args.items() if v}
    try:
        query = load(LotQuery(), args)
    except FormErrors:
        query = {}
    today = date.today()
    rows = [lots.lot_view(lot, today) for lot in lots.list_lots(**query)]
    return render_form(
        "web/lots.html", errors,
        lots=rows, items=catalog.list_items(), query=query, statuses=LOT_STATUSES,
        pack_sizes=PACK_STAT_SIZES, currency=pricing.currency(),
    )


@bp.route("/lots", methods=["GET", "POST"], endpoint="lots")
@allow("pharmacist", "technician")
def lots_page() -> Response | tuple[str, int]:
    if request.method == "GET":
        return _lots_page()
    try:
        data = load(LotIn(), _lot_data())
        lot = attempt(lambda: lots.receive_lot(g.actor, data, today=date.today()))
    except FormErrors as errors:
        return _lots_page(errors)
    flash(f"Lot {lot.manufacturer_lot} received; it stays in quarantine until a pharmacist "
          "releases it.", "success")
    return redirect(url_for("web.lot", lot_id=lot.id))


def _lot_page(lot_id: int, errors: FormErrors | None = None, action: str = "") -> tuple[str, int]:
    lot = lots.lot_view(lots.get_lot(lot_id), date.today())
    return render_form(
        "web/lot.html", errors, lot=lot, failed_action=action, release_meaning=lots.RELEASE_MEANING,
    )


@bp.route("/lots/<int:lot_id>")
@allow("pharmacist", "technician")
def lot(lot_id: int) -> tuple[str, int]:
    return _lot_page(lot_id)


@bp.route("/lots/<int:lot_id>/release", methods=["POST"])
@allow("pharmacist")
def release_lot(lot_id: int) -> Response | tuple[str, int]:
    try:
        data = load(LotPasswordIn(), {"password": request.form.get("password", "")})
        released = attempt(lambda: lots.release_lot(
            g.actor, lot_id, password=data["password"], today=date.today()))
    except FormErrors as errors:
        return _lot_page(lot_id, errors, "release")
    flash(f"Lot {released.manufacturer_lot} released for compounding.", "success")
    return redirect(url_for("web.lot", lot_id=lot_id))


@bp.route("/lots/<int:lot_id>/reject", methods=["POST"])
@allow("pharmacist")
def reject_lot(lot_id: int) -> Response | tuple[str, int]:
    try:
        data = load(StockReasonIn(), {"reason": request.form.get("reason", "")})
        rejected = attempt(lambda: lots.reject_lot(g.actor, lot_id, reason=data["reason"]))
    except FormErrors as errors:
        return _lot_page(lot_id, errors, "reject")
    flash(f"Lot {rejected.manufacturer_lot} rejected.", "success")
    return redirect(url_for("web.lot", lot_id=lot_id))


def _catalog_page(errors: FormErrors | None = None) -> tuple[str, int]:
    return render_form(
        "web/catalog.html", errors,
        items=catalog.list_items(include_withdrawn=True), formulas=catalog.list_formulas(),
        item_kind_options=[(kind, kind.replace("_", " ")) for kind in ITEM_KINDS],
        unit_options=[(unit, unit) for unit in BASE_UNITS],
        size_options=[("", "—")] + [(size, size) for size in CAPSULE_SIZES],
    )


@bp.route("/admin/catalog")
@allow("admin", "pharmacist")
def admin_catalog() -> tuple[str, int]:
    return _catalog_page()


@bp.route("/admin/catalog", methods=["POST"])
@allow("admin")
def admin_catalog_add() -> Response | tuple[str, int]:
    try:
        data = load(ItemIn(), compact({
            "code": text("code"), "name": text("name"), "kind": text("kind"),
            "base_unit": text("base_unit"), "engine_code": text("engine_code"),
            "capsule_size": text("capsule_size"),
            "contains_lactose": checkbox("contains_lactose"),
        }))
        item = attempt(lambda: catalog.add_item(g.actor, data))
    except FormErrors as errors:
        return _catalog_page(errors)
    flash(f"{item.name} added to the catalog as {item.code}.", "success")
    return redirect(url_for("web.admin_catalog"))


@bp.route("/admin/catalog/<code>/active", methods=["POST"])
@allow("admin")
def admin_catalog_active(code: str) -> Response | tuple[str, int]:
    try:
        data = load(ItemActiveIn(), {
            "active": request.form.get("active", ""), "reason": request.form.get("reason", ""),
        })
        item = attempt(lambda: catalog.set_item_active(
            g.actor, code, active=data["active"], reason=data["reason"]))
    except FormErrors as errors:
        return _catalog_page(errors)
    flash(f"{item.name} {'brought back' if item.active else 'withdrawn'}.", "success")
    return redirect(url_for("web.admin_catalog"))


# --------------------------------------------------------------------------- formulas


def _formula_values(formula: Any) -> dict[str, str]:
    """The revision form filled with a version's values (one list entry per line)."""
    return {
        "name": formula.name,
        "steps": "\n".join(formula.steps),
        "container": formula.container,
        "labeling": "\n".join(formula.labeling),
        "quality_checks": "\n".join(formula.quality_checks),
        "reference": formula.reference,
        "weighing_tolerance_percent": f"{formula.weighing_tolerance_percent.normalize():f}",
        "stability_days": "" if formula.stability_days is None else str(formula.stability_days),
        "stability_storage": formula.stability_storage or "",
        "stability_reference": formula.stability_reference or "",
    }


def _formula_page(code: str, errors: FormErrors | None = None) -> tuple[str, int]:
    versions = catalog.formula_versions(code)
    context: dict[str, Any] = {"formula": versions[0], "versions": versions,
                               "approvals": catalog.formula_approvals(code),
                               "meaning": catalog.REVISION_MEANING}
    if errors is None:
        context["values"] = _formula_values(versions[0])
    return render_form("web/formula.html", errors, **context)


@bp.route("/formulas/<code>")
@allow("admin", "pharmacist", "technician")
def formula(code: str) -> tuple[str, int]:
    return _formula_page(code)


@bp.route("/formulas/<code>/versions", methods=["POST"])
@allow("pharmacist")
def revise_formula(code: str) -> Response | tuple[str, int]:
    try:
        data = load(FormulaRevisionIn(), {
            **compact({
                "name": text("name"), "container": text("container"),
                "reference": text("reference"),
                "weighing_tolerance_percent": text("weighing_tolerance_percent"),
                "password": request.form.get("password", ""),
                "reason": request.form.get("reason", ""),
                "based_on_version": text("based_on_version"),
            }),
            "steps": lines("steps"),
            "labeling": lines("labeling"),
            "quality_checks": lines("quality_checks"),
            # An empty box clears the stability override (all three go together).
            "stability_days": text("stability_days"),
            "stability_storage": text("stability_storage"),
            "stability_reference": text("stability_reference"),
        })
        password, reason = data.pop("password"), data.pop("reason")
        based_on = data.pop("based_on_version", None)
        revised = attempt(lambda: catalog.revise_formula(
            g.actor, code, data, password=password, reason=reason, based_on_version=based_on))
    except FormErrors as errors:
        return _formula_page(code, errors)
    flash(f"{revised.name}: version {revised.version} approved.", "success")
    return redirect(url_for("web.formula", code=code))
