"""Printing from the pages: each print is a POST (it writes the print log), answered with
the PDF as a download. A second print is a reprint and needs a reason; without one the
page comes back with the message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import Response, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from pharmacy.auth import allow
from pharmacy.services import printing
from pharmacy.web.blueprint import bp
from pharmacy.web.forms import FormErrors, attempt, compact, load, text
from schema.printing import BatchLabelArgs, LabelArgs, QueuePrintIn, ReprintArgs

STAFF = ("pharmacist", "technician")


def pdf_download(data: bytes, name: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _print(make: Callable[[], bytes], name: str, back: str) -> BaseResponse:
    try:
        data = attempt(make)
    except FormErrors as failed:
        messages = [m for ms in failed.errors.values() for m in ms] or [failed.message]
        flash("Not printed: " + " ".join(messages), "error")
        return redirect(back)
    return pdf_download(data, name)


@bp.route("/fills/<int:fill_id>/label", methods=["POST"])
@allow(*STAFF)
def print_label(fill_id: int) -> BaseResponse:
    back = url_for("web.fill", fill_id=fill_id)
    try:
        args = load(LabelArgs(), compact({"stock": text("stock"), "reason": text("reason")}))
    except FormErrors as failed:
        flash("Not printed: " + " ".join(m for ms in failed.errors.values() for m in ms), "error")
        return redirect(back)
    return _print(lambda: printing.patient_label(
        g.actor, fill_id, stock_code=args.get("stock"), reason=args.get("reason"),
        today=date.today()), f"fill-{fill_id}-label.pdf", back)


@bp.route("/fills/<int:fill_id>/leaflet", methods=["POST"])
@allow(*STAFF)
def print_leaflet(fill_id: int) -> BaseResponse:
    back = url_for("web.fill", fill_id=fill_id)
    try:
        args = load(ReprintArgs(), compact({"reason": text("reason")}))
    except FormErrors as failed:
        flash("Not printed: " + " ".join(m for ms in failed.errors.values() for m in ms), "error")
        return redirect(back)
    return _print(lambda: printing.leaflet(
        g.actor, fill_id, reason=args.get("reason"), today=date.today()),
        f"fill-{fill_id}-leaflet.pdf", back)


@bp.route("/batches/<int:batch_id>/worksheet", methods=["POST"])
@allow(*STAFF)
def print_worksheet(batch_id: int) -> BaseResponse:
    back = url_for("web.batch", batch_id=batch_id)
    try:
        args = load(ReprintArgs(), compact({"reason": text("reason")}))
    except FormErrors as failed:
        flash("Not printed: " + " ".join(m for ms in failed.errors.values() for m in ms), "error")
        return redirect(back)
    return _print(lambda: printing.worksheet(
        g.actor, batch_id, reason=args.get("reason"), today=date.today()),
        f"batch-{batch_id}-worksheet.pdf", back)


@bp.route("/batches/<int:batch_id>/labels", methods=["POST"])
@allow(*STAFF)
def print_batch_labels(batch_id: int) -> BaseResponse:
    back = url_for("web.batch", batch_id=batch_id)
    try:
        args = load(BatchLabelArgs(), compact({
            "stock": text("stock"), "reason": text("reason"), "containers": text("containers"),
            "quantity_per_container": text("quantity_per_container"),
        }))
    except FormErrors as failed:
        flash("Not printed: " + " ".join(m for ms in failed.errors.values() for m in ms), "error")
        return redirect(back)
    return _print(lambda: printing.batch_labels(
        g.actor, batch_id, stock_code=args.get("stock"), containers=args["containers"],
        quantity_per_container=args.get("quantity_per_container"), reason=args.get("reason"),
        today=date.today()), f"batch-{batch_id}-labels.pdf", back)


@bp.route("/print-queue", methods=["GET", "POST"])
@allow(*STAFF)
def print_queue() -> BaseResponse | str:
    if request.method == "POST":
        back = url_for("web.print_queue")
        ids = [v for v in request.form.getlist("fill_ids") if v.strip()]
        try:
            args = load(QueuePrintIn(), compact({"fill_ids": ids or None, "stock": text("stock")}))
        except FormErrors as failed:
            flash("Not printed: " + " ".join(m for ms in failed.errors.values() for m in ms),
                  "error")
            return redirect(back)
        return _print(lambda: printing.print_queued_labels(
            g.actor, fill_ids=args.get("fill_ids"), stock_code=args.get("stock"),
            today=date.today()), "patient-labels.pdf", back)
    return render_template(
        "web/print_queue.html", rows=printing.print_queue(g.actor, today=date.today()),
    )
