"""Compounding at the bench: start a batch (lots typed, scanned or FEFO-suggested), the
worksheet with computed amounts, actual weights and the weight check, the pharmacist's
final check, and filling a prescription from a released batch."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, g, redirect, request, url_for
from werkzeug.wrappers import Response

from pharmacy.auth import allow
from pharmacy.db import parse_id
from pharmacy.services import batches, catalog, fills, label_stocks, prescriptions, pricing
from pharmacy.services.printing import print_history
from pharmacy.services.rules import rules_in_force
from pharmacy.web.blueprint import bp
from pharmacy.web.forms import FormErrors, attempt, checkbox, compact, load, render_form, text
from schema.stock import (
    BatchIn,
    BatchReleaseIn,
    ClearQuarantineIn,
    FillIn,
    RecordIn,
    StockReasonIn,
)

STAFF = ("pharmacist", "technician")


# --------------------------------------------------------------------------- start a batch


def _prescription(prescription_id: str | None) -> Any:
    rx_id = parse_id(prescription_id) if prescription_id else None
    if rx_id is None:
        return None
    return prescriptions.get_prescription(g.actor, rx_id)


def _defaults(rx: Any, formulas: list[Any]) -> dict[str, str]:
    """What the form starts with: the prescription's preparation and quantity."""
    if rx is None:
        return {"formula_code": formulas[0].code if formulas else ""}
    formula = next((f for f in formulas if f.dosage_form == rx.dosage_form), None)
    values = {
        "prescription_id": str(rx.id),
        "formula_code": formula.code if formula else "",
        "quantity": _plain(rx.quantity),
        "dose_basis": rx.dose_basis,
    }
    if rx.dosage_form == "capsule":
        values["strength_mg"] = _plain(rx.strength_mg)
    else:
        values["concentration_mg_per_ml"] = _plain(rx.concentration_mg_per_ml)
    return values


def _plain(value: Any) -> str:
    from pharmacy.compounding.units import plain

    return "" if value is None else plain(value)


def _batch_data(roles: list[str]) -> dict[str, Any]:
    manufacturer_lots = [
        value for value in (text(f"lot.{role}") for role in roles) if value is not None
    ]
    data: dict[str, Any] = compact({
        "formula_code": text("formula_code"),
        "strength_mg": text("strength_mg"),
        "concentration_mg_per_ml": text("concentration_mg_per_ml"),
        "quantity": text("quantity"),
        "capsule_size": text("capsule_size"),
        "dose_basis": text("dose_basis"),
        "prescription_id": text("prescription_id"),
    })
    if manufacturer_lots:
        data["manufacturer_lots"] = manufacturer_lots
    return data


@bp.route("/batches/new", methods=["GET", "POST"])
@allow(*STAFF)
def new_batch() -> Response | tuple[str, int]:
    today = date.today()
    formulas = catalog.list_formulas()
    source = request.form if request.method == "POST" else request.args
    rx = _prescription(source.get("prescription_id"))
    if request.method == "POST":
        values = dict(request.form)
    else:
        values = {**_defaults(rx, formulas), **{k: v for k, v in request.args.items() if v}}
    formula_code = values.get("formula_code") or (formulas[0].code if formulas else "")
    capsule_size = values.get("capsule_size") or None
    suggestions = batches.suggest_lots(formula_code, today=today, capsule_size=capsule_size)
    if request.method == "GET":
        for role, options in suggestions.items():
            if options and f"lot.{role}" not in values:
                values[f"lot.{role}"] = options[0]["manufacturer_lot"]
    errors = None
    preview = None
    if request.method == "POST":
        try:
            data = load(BatchIn(), _batch_data(list(suggestions)))
            if request.form.get("action") == "start":
                created = attempt(lambda: batches.create_batch(g.actor, data, today=today))
                flash(f"Batch {created['lot_number']} started: weigh and record below.", "success")
                return redirect(url_for("web.batch", batch_id=created["id"]))
            preview = attempt(lambda: batches.preview_batch(g.actor, data, today=today))
        except FormErrors as failed:
            errors = failed
    return render_form(
        "web/batch_new.html", errors, values=values,
        formulas=formulas, rx=rx, suggestions=suggestions, preview=preview,
        size_options=[(size, size) for size in rules_in_force().capsule_volumes_ml],
    )


# --------------------------------------------------------------------------- the batch


def _record_inputs(batch: dict[str, Any]) -> list[dict[str, Any]]:
    """The components the technician records, shells last (their count is optional)."""
    recordable = [c for c in batch["components"] if c["ingredient_lot_id"] or c["source_batch_id"]]
    return sorted(recordable, key=lambda c: c["role"] == "capsule_shell")


def _batch_page(
    batch_id: int, errors: FormErrors | None = None, action: str = ""
) -> tuple[str, int]:
    today = date.today()
    batch = batches.batch_worksheet_data(batch_id, today=today)
    rx = None
    rx_fill_open = False
    if batch["prescription_id"]:
        rx = prescriptions.get_prescription(g.actor, batch["prescription_id"])
        rx_fill_open = fills.can_fill(g.actor, rx.id)
    formula = catalog.get_formula(batch["formula_code"], batch["formula_version"])
    tolerance = formula.weighing_tolerance_percent
    return render_form(
        "web/batch.html", errors, batch=batch, rx=rx, rx_fill_open=rx_fill_open,
        failed_action=action,
        tolerance=lambda _batch: tolerance, shown_fields=_shown_fields,
        record_inputs=_record_inputs(batch), release_meaning=batches.RELEASE_MEANING,
        clear_quarantine_meaning=batches.CLEAR_QUARANTINE_MEANING,
        history={doc: print_history(doc, batch["id"]) for doc in ("worksheet", "batch_labels")},
    )


@bp.route("/batches/<int:batch_id>")
@allow(*STAFF)
def batch(batch_id: int) -> tuple[str, int]:
    return _batch_page(batch_id)


@bp.route("/batches/find")
@allow(*STAFF)
def find_batch() -> Response:
    """A scanned or typed batch lot number opens its page."""
    ref = request.args.get("lot_number", "").strip()
    if not ref:
        return redirect(url_for("web.bench"))
    found = attempt_or_none(lambda: batches.get_batch(g.actor, ref, today=date.today()))
    if found is None:
        flash(f"No batch has the lot number {ref}.", "error")
        return redirect(url_for("web.bench"))
    return redirect(url_for("web.batch", batch_id=found["id"]))


def attempt_or_none(action: Any) -> Any:
    try:
        return attempt(action)
    except FormErrors:
        return None


@bp.route("/batches/<int:batch_id>/record", methods=["POST"])
@allow(*STAFF)
def record_batch(batch_id: int) -> Response | tuple[str, int]:
    today = date.today()
    batch = batches.get_batch(g.actor, batch_id, today=today)
    actuals: list[dict[str, Any]] = []
    names: list[str] = []
    for component in _record_inputs(batch):
        name = f"actual.{component['id']}"
        amount = text(name)
        if amount is None and component["role"] == "capsule_shell":
            continue
        key = "ingredient_lot_id" if component["ingredient_lot_id"] else "source_batch_id"
        actuals.append(compact({key: component[key], "actual_mg": amount}))
        names.append(name)
    weights = [w for w in (text(f"weight.{i}") for i in range(_sample(batch))) if w is not None]
    data = compact({"actuals": actuals, "capsule_weights_mg": weights,
                    "yield_units": text("yield_units")})
    try:
        loaded = load(RecordIn(), data)
        recorded = attempt(lambda: batches.record_batch(
            g.actor, batch_id, actuals=loaded["actuals"],
            capsule_weights_mg=loaded["capsule_weights_mg"], today=today,
            yield_units=loaded.get("yield_units"),
        ))
    except FormErrors as failed:
        failed.errors = _rename(failed.errors, names)
        return _batch_page(batch_id, failed, "record")
    deviations = recorded.get("deviations") or []
    if deviations:
        flash(
            f"Compounding record saved with {len(deviations)} deviation"
            f"{'s' if len(deviations) != 1 else ''} the pharmacist must review before "
            "release: " + " ".join(deviations),
            "warning",
        )
    else:
        flash("Compounding record saved; the batch waits for the pharmacist's final check.",
              "success")
    return redirect(url_for("web.batch", batch_id=batch_id))


def _shown_fields(errors: dict[str, list[str]]) -> list[str]:
    """Errors the batch page shows beside an input (the rest go in the summary)."""
    beside = ("password", "reason", "acknowledge_deviations", "yield_units",
              "capsule_weights_mg", "actuals")
    return [k for k in errors if k in beside or k.startswith(("actual.", "weight."))]


def _sample(batch: dict[str, Any]) -> int:
    check = batch.get("weight_check") or {}
    return int(check.get("sample", 0)) if batch["dosage_form"] == "capsule" else 0


def _rename(errors: dict[str, list[str]], names: list[str]) -> dict[str, list[str]]:
    """`actuals.1.actual_mg` → the input of the second recorded component;
    `capsule_weights_mg.3` → `weight.3`."""
    renamed: dict[str, list[str]] = {}
    for key, messages in errors.items():
        parts = key.split(".")
        if parts[0] == "actuals" and len(parts) >= 2 and parts[1].isdigit():
            index = int(parts[1])
            key = names[index] if index < len(names) else key
        elif parts[0] == "capsule_weights_mg" and len(parts) == 2:
            key = f"weight.{parts[1]}"
        renamed.setdefault(key, []).extend(messages)
    return renamed


@bp.route("/batches/<int:batch_id>/release", methods=["POST"])
@allow("pharmacist")
def release_batch(batch_id: int) -> Response | tuple[str, int]:
    try:
        data = load(BatchReleaseIn(), {
            "password": request.form.get("password", ""),
            "acknowledge_deviations": checkbox("acknowledge_deviations"),
        })
        released = attempt(lambda: batches.release_batch(
            g.actor, batch_id, password=data["password"], today=date.today(),
            acknowledge_deviations=data["acknowledge_deviations"],
        ))
    except FormErrors as failed:
        return _batch_page(batch_id, failed, "release")
    flash(f"Batch {released['lot_number']} released by {released['signature_name']}.", "success")
    return redirect(url_for("web.batch", batch_id=batch_id))


@bp.route("/batches/<int:batch_id>/reject", methods=["POST"])
@allow("pharmacist")
def reject_batch(batch_id: int) -> Response | tuple[str, int]:
    try:
        data = load(StockReasonIn(), {"reason": request.form.get("reason", "")})
        rejected = attempt(lambda: batches.reject_batch(
            g.actor, batch_id, reason=data["reason"], today=date.today()))
    except FormErrors as failed:
        return _batch_page(batch_id, failed, "reject")
    flash(f"Batch {rejected['lot_number']} rejected.", "success")
    return redirect(url_for("web.batch", batch_id=batch_id))


@bp.route("/batches/<int:batch_id>/clear-quarantine", methods=["POST"])
@allow("pharmacist")
def clear_quarantine(batch_id: int) -> Response | tuple[str, int]:
    try:
        data = load(ClearQuarantineIn(), {
            "password": request.form.get("password", ""),
            "reason": request.form.get("reason", ""),
            "acknowledge_recalled_sources": checkbox("acknowledge_recalled_sources"),
        })
        cleared = attempt(lambda: batches.clear_quarantine(
            g.actor, batch_id, password=data["password"], reason=data["reason"],
            acknowledge_recalled_sources=data["acknowledge_recalled_sources"],
            today=date.today(),
        ))
    except FormErrors as failed:
        return _batch_page(batch_id, failed, "clear")
    flash(f"Batch {cleared['lot_number']} is out of quarantine: {cleared['status']}.", "success")
    return redirect(url_for("web.batch", batch_id=batch_id))


# --------------------------------------------------------------------------- fill


@bp.route("/prescriptions/<int:prescription_id>/fill", methods=["POST"])
@allow(*STAFF)
def fill_prescription(prescription_id: int) -> Response | tuple[str, int]:
    from pharmacy.web.pharmacist import review_page

    try:
        data = load(FillIn(), compact({
            "batch_id": text("batch_id"),
            "quantity": text("quantity"),
            "acknowledge_bud_warning": checkbox("acknowledge_bud_warning"),
            "acknowledge_opioid_update": checkbox("acknowledge_opioid_update"),
            "large_print": checkbox("large_print"),
            "steps": request.form.getlist("steps") or None,
        }))
        filled = attempt(lambda: fills.create_fill(
            g.actor, prescription_id, batch_id=data["batch_id"], quantity=data["quantity"],
            today=date.today(), acknowledge_bud_warning=data["acknowledge_bud_warning"],
            acknowledge_opioid_update=data["acknowledge_opioid_update"],
            steps=data.get("steps"), large_print=data["large_print"],
        ))
    except FormErrors as failed:
        return review_page(prescription_id, failed, "fill")
    flash(f"{filled['rx_number']} filled from batch {filled['lot_number']}: print the label.",
          "success")
    return redirect(url_for("web.fill", fill_id=filled["id"]))


@bp.route("/fills/<int:fill_id>")
@allow(*STAFF)
def fill(fill_id: int) -> tuple[str, int]:
    data = fills.get_fill(g.actor, fill_id, today=date.today())
    return render_form(
        "web/fill.html", None, fill=data,
        price_text=None if data["price"] is None
        else pricing.format_money(data["price"], data["currency"]),
        history={doc: print_history(doc, fill_id) for doc in ("patient_label", "leaflet")},
        label_choices=label_stocks.fill_label_stocks(fill_id, today=date.today()),
    )
