"""Dispensing pages: the pharmacist's product verification (built for a handheld scanner:
each scan ends with Enter, focus moves on, the last Enter submits; `static/verify.js`),
the dispensing desk (awaiting verification, will-call searched by name and date of birth,
the shipping queue, hand-over forms), the print station chosen once per session, printing
a label to it, and the admin's print stations."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, g, redirect, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from pharmacy.auth import allow
from pharmacy.services import dispensing, fills, printing
from pharmacy.web.blueprint import bp
from pharmacy.web.forms import FormErrors, attempt, checkbox, compact, load, render_form, text
from schema.dispensing import (
    PickupIn,
    ProductVerificationIn,
    ReadyIn,
    ReturnIn,
    ShipmentIn,
    StationIn,
    WillCallArgs,
)

STAFF = ("pharmacist", "technician")
STATION_KEY = "print_station"


def _back() -> str:
    """Where to return: a path on this site only (never another host)."""
    back = request.form.get("back") or ""
    ok = back.startswith("/") and not back.startswith("//") and "\\" not in back
    return back if ok else url_for("web.dispensing_desk")


def _messages(failed: FormErrors) -> str:
    return " ".join(m for ms in failed.errors.values() for m in ms) or failed.message


@bp.route("/fills/<int:fill_id>/verify-product", methods=["GET", "POST"])
@allow("pharmacist")
def verify_product_page(fill_id: int) -> tuple[str, int]:
    fill = fills.get_fill(g.actor, fill_id, today=date.today())
    if request.method == "GET":
        return render_form("web/verify_product.html", None, fill=fill, outcome=None)
    try:
        data = load(
            ProductVerificationIn(),
            compact(
                {
                    "scanned_label": text("scanned_label"),
                    "scanned_lot": text("scanned_lot"),
                    "quantity": text("quantity"),
                    "password": request.form.get("password") or None,
                }
            ),
        )
        verified = attempt(
            lambda: dispensing.verify_product(g.actor, fill_id, today=date.today(), **data)
        )
    except FormErrors as failed:
        return render_form(
            "web/verify_product.html", failed, fill=fill, outcome="refused", values={}
        )
    return render_form(
        "web/verify_product.html", None, fill=verified, outcome="verified", values={}
    )


@bp.route("/dispensing", methods=["GET", "POST"])
@allow(*STAFF)
def dispensing_desk() -> tuple[str, int]:
    """The desk; the will-call search is posted (like the search page's), so the name and
    date of birth asked for stay out of the address bar, the history and any log."""
    errors = None
    args: dict[str, Any] = {}
    asked = request.form if request.method == "POST" else {}
    try:
        args = load(
            WillCallArgs(),
            compact(
                {
                    "name": asked.get("name") or None,
                    "date_of_birth": asked.get("date_of_birth") or None,
                }
            ),
        )
    except FormErrors as failed:
        errors = failed
    will_call = dispensing.will_call_queue(
        g.actor, name=args.get("name"), date_of_birth=args.get("date_of_birth"), today=date.today()
    )
    return render_form(
        "web/dispensing.html",
        errors,
        values={"name": asked.get("name", ""), "date_of_birth": asked.get("date_of_birth", "")},
        awaiting=dispensing.awaiting_verification(g.actor),
        will_call=will_call,
        shipping=dispensing.shipping_queue(g.actor, today=date.today()),
        stations=printing.list_stations(g.actor),
        station=session.get(STATION_KEY),
    )


def _step(action: Any, done: str) -> BaseResponse:
    try:
        result = attempt(action)
        flash(f"{result['label_barcode']}: {done}.", "success")
    except FormErrors as failed:
        flash("Not recorded: " + _messages(failed), "error")
    return redirect(_back())


@bp.route("/fills/<int:fill_id>/ready", methods=["POST"])
@allow(*STAFF)
def fill_ready(fill_id: int) -> BaseResponse:
    try:
        data = load(ReadyIn(), compact({"handover": text("handover")}))
    except FormErrors as failed:
        flash("Not recorded: " + _messages(failed), "error")
        return redirect(url_for("web.dispensing_desk"))
    return _step(
        lambda: dispensing.mark_ready(g.actor, fill_id, today=date.today(), **data),
        f"ready for {data['handover'].replace('pickup', 'pick-up')}",
    )


@bp.route("/fills/<int:fill_id>/pickup", methods=["POST"])
@allow(*STAFF)
def fill_pickup(fill_id: int) -> BaseResponse:
    try:
        data = load(
            PickupIn(),
            compact(
                {
                    "collected_by": text("collected_by"),
                    "agent_name": text("agent_name"),
                    "counselling_offered": checkbox("counselling_offered"),
                    "payment": _payment_fields(),
                }
            ),
        )
    except FormErrors as failed:
        flash("Not recorded: " + _messages(failed), "error")
        return redirect(url_for("web.dispensing_desk"))
    return _step(
        lambda: dispensing.record_pickup(
            g.actor,
            fill_id,
            collected_by=data["collected_by"],
            agent_name=data.get("agent_name"),
            counselling_offered=data["counselling_offered"],
            today=date.today(),
            payment=data.get("payment"),
        ),
        "picked up",
    )


def _payment_fields() -> dict[str, Any] | None:
    """The counter's payment: the method chosen (none: not taken here) and the amount when
    it is not the price."""
    found = compact({"method": text("payment_method"), "amount": text("payment_amount")})
    return found or None


@bp.route("/fills/<int:fill_id>/shipment", methods=["POST"])
@allow(*STAFF)
def fill_shipment(fill_id: int) -> BaseResponse:
    try:
        data = load(
            ShipmentIn(),
            compact({"carrier": text("carrier"), "tracking_number": text("tracking_number")}),
        )
    except FormErrors as failed:
        flash("Not recorded: " + _messages(failed), "error")
        return redirect(url_for("web.dispensing_desk"))
    return _step(
        lambda: dispensing.record_shipment(g.actor, fill_id, today=date.today(), **data), "shipped"
    )


@bp.route("/fills/<int:fill_id>/return-to-stock", methods=["POST"])
@allow(*STAFF)
def fill_return_to_stock(fill_id: int) -> BaseResponse:
    try:
        data = load(ReturnIn(), compact({"reason": text("reason")}))
    except FormErrors as failed:
        flash("Not returned: " + _messages(failed), "error")
        return redirect(url_for("web.dispensing_desk"))
    return _step(
        lambda: dispensing.return_to_stock(
            g.actor, fill_id, reason=data["reason"], today=date.today()
        ),
        "returned to stock",
    )


@bp.route("/print-station", methods=["POST"])
@allow(*STAFF)
def choose_station() -> BaseResponse:
    """The technician picks a station once; label prints go to it for the session."""
    name = text("printer")
    known = {s["name"] for s in printing.list_stations(g.actor)}
    if name is None:
        session.pop(STATION_KEY, None)
        flash("No print station: labels download as PDF.", "success")
    elif name in known:
        session[STATION_KEY] = name
        flash(f"Labels print to {name} for this session.", "success")
    else:
        flash("No active print station has this name.", "error")
    return redirect(_back())


@bp.route("/fills/<int:fill_id>/label/print", methods=["POST"])
@allow(*STAFF)
def print_label_to_station(fill_id: int) -> BaseResponse:
    station = session.get(STATION_KEY)
    back = url_for("web.fill", fill_id=fill_id)
    if not station:
        flash("Choose a print station on the dispensing page first.", "error")
        return redirect(back)
    try:
        sent = attempt(
            lambda: printing.print_fill_label(
                g.actor, fill_id, printer=station, reason=text("reason"), today=date.today()
            )
        )
        flash(f"Label sent to {station} (job {sent['job_id']}).", "success")
    except FormErrors as failed:
        flash(f"Not printed: {_messages(failed)} Nothing was marked printed; try again.", "error")
    return redirect(back)


@bp.route("/admin/printers", methods=["GET", "POST"])
@allow("admin")
def admin_printers() -> BaseResponse | tuple[str, int]:
    if request.method == "POST":
        try:
            data = load(
                StationIn(),
                compact(
                    {
                        "name": text("name"),
                        "uri": text("uri"),
                        "stock": text("stock"),
                        "protocol": text("protocol"),
                    }
                ),
            )
            added = attempt(lambda: printing.add_station(g.actor, **data))
        except FormErrors as failed:
            return render_form(
                "web/admin_printers.html",
                failed,
                stations=printing.list_stations(g.actor, include_inactive=True),
            )
        flash(f"Print station {added['name']} added.", "success")
        return redirect(url_for("web.admin_printers"))
    return render_form(
        "web/admin_printers.html",
        None,
        stations=printing.list_stations(g.actor, include_inactive=True),
    )
