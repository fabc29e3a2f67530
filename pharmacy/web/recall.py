"""The recall screen: find an ingredient lot or a batch (typed or scanned), see everything
downstream, recall it with a reason, and download the recall list."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, flash, g, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from pharmacy.auth import allow
from pharmacy.db import parse_id
from pharmacy.services import batches, lots, printing, trace
from pharmacy.services import recall as recalls
from pharmacy.web.blueprint import bp
from pharmacy.web.forms import FormErrors, attempt, load, render_form
from schema.stock import StockReasonIn


def _find(ref: str) -> dict[str, Any]:
    """What a typed or scanned reference names: a batch lot number, or a manufacturer lot."""
    today = date.today()
    found: dict[str, Any] = {"lots": [], "batch": None}
    if not ref:
        return found
    try:
        found["batch"] = attempt(lambda: batches.get_batch(g.actor, ref, today=today))
    except FormErrors:
        found["batch"] = None
    found["lots"] = [lots.lot_view(lot, today) for lot in lots.list_lots(manufacturer_lot=ref)]
    return found


def _target(value: str) -> tuple[str, int | None]:
    """`lot:12` or `batch:7` as chosen on the page."""
    kind, _, number = value.partition(":")
    return kind, parse_id(number)


def _recall_page(errors: FormErrors | None = None) -> tuple[str, int]:
    today = date.today()
    ref = (request.values.get("ref") or request.values.get("manufacturer_lot") or "").strip()
    found = _find(ref)
    target = request.values.get("target", "")
    traced = None
    kind, target_id = _target(target)
    if kind == "lot" and target_id is not None:
        traced = {"kind": "lot", "id": target_id,
                  "trace": trace.trace_ingredient_lot(g.actor, target_id, today=today)}
    elif kind == "batch" and target_id is not None:
        traced = {"kind": "batch", "id": target_id,
                  "trace": trace.trace_batch(g.actor, target_id, today=today)}
    elif found["batch"] and not found["lots"]:
        traced = {"kind": "batch", "id": found["batch"]["id"],
                  "trace": trace.trace_batch(g.actor, found["batch"]["id"], today=today)}
    elif len(found["lots"]) == 1 and not found["batch"]:
        lot_id = found["lots"][0]["id"]
        traced = {"kind": "lot", "id": lot_id,
                  "trace": trace.trace_ingredient_lot(g.actor, lot_id, today=today)}
    return render_form(
        "web/recall.html", errors, ref=ref, found=found, traced=traced,
        recalls=recalls.list_recalls(g.actor),
    )


@bp.route("/recall")
@allow("pharmacist")
def recall() -> tuple[str, int]:
    return _recall_page()


@bp.route("/recall", methods=["POST"])
@allow("pharmacist")
def recall_start() -> BaseResponse | tuple[str, int]:
    today = date.today()
    target = request.form.get("target", "")
    try:
        data = load(StockReasonIn(), {"reason": request.form.get("reason", "")})
        kind, target_id = _target(target)
        if kind == "lot" and target_id is not None:
            done = attempt(lambda: recalls.recall_ingredient_lot(
                g.actor, target_id, reason=data["reason"], today=today))
        elif kind == "batch" and target_id is not None:
            done = attempt(lambda: recalls.recall_batch(
                g.actor, target_id, reason=data["reason"], today=today))
        else:
            raise FormErrors({"target": ["Find and choose what to recall first."]})
    except FormErrors as failed:
        return _recall_page(failed)
    from pharmacy.web import count

    batches_n = count(len(done["quarantined_batch_ids"]), "batch", "batches")
    fills_n = count(len(done["affected_fill_ids"]), "fill")
    flash(f"Recalled: {batches_n} quarantined, {fills_n} to contact.", "warning")
    return redirect(url_for("web.recall_detail", recall_id=done["id"]))


@bp.route("/recalls/<int:recall_id>")
@allow("pharmacist")
def recall_detail(recall_id: int) -> tuple[str, int]:
    data = recalls.get_recall(g.actor, recall_id, today=date.today())
    rows = recalls.recall_list_rows(g.actor, recall_id, today=date.today())
    return render_form(
        "web/recall_detail.html", None, recall=data, rows=rows,
        printed=printing.print_history("recall_report", recall_id),
    )


@bp.route("/recalls/<int:recall_id>/list.csv")
@allow("pharmacist")
def recall_csv(recall_id: int) -> Response:
    body = recalls.recall_list_csv(g.actor, recall_id, today=date.today())
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="recall-{recall_id}.csv"'
    return response


@bp.route("/recalls/<int:recall_id>/report", methods=["POST"])
@allow("pharmacist")
def recall_pdf(recall_id: int) -> BaseResponse:
    from pharmacy.services.printing import recall_report
    from pharmacy.web.printing_views import pdf_download

    back = url_for("web.recall_detail", recall_id=recall_id)
    reason = (request.form.get("reason") or "").strip() or None
    try:
        data = attempt(lambda: recall_report(g.actor, recall_id, reason=reason, today=date.today()))
    except FormErrors as failed:
        flash("Not printed: " + " ".join(m for ms in failed.errors.values() for m in ms), "error")
        return redirect(back)
    return pdf_download(data, f"recall-{recall_id}.pdf")
