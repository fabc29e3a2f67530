"""Pages for finding things: the search box (results typed and paginated), a patient's
profile, refill requests and the refills due. The search form is POSTed so what was
typed (a name, a date of birth) stays out of URLs and access logs."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from pharmacy.auth import allow, public
from pharmacy.db import parse_id
from pharmacy.services import dashboard, patient_profile, refills, search
from pharmacy.web.blueprint import bp
from pharmacy.web.forms import FormErrors, attempt, load
from schema.search import RefillCloseIn, RefillRequestIn, SearchQuery

RESULT_PAGES = {
    "patient": ("web.patient", "patient_id"),
    "prescription": ("web.prescription", "prescription_id"),
    "batch": ("web.batch", "batch_id"),
    "lot": ("web.lot", "lot_id"),
}
TYPE_NAMES = {
    "patient": "Patient",
    "prescription": "Prescription",
    "batch": "Batch",
    "lot": "Ingredient lot",
}
PER_PAGE = 20
FAVICON = Path(__file__).resolve().parent.parent / "static" / "favicon.ico"


def result_url(hit: dict[str, Any]) -> str:
    endpoint, arg = RESULT_PAGES[hit["type"]]
    return url_for(endpoint, **{arg: hit["id"]})


@bp.route("/search", methods=["GET", "POST"])
@allow("pharmacist", "technician", "prescriber")
def search_page() -> tuple[str, int]:
    page: dict[str, Any] | None = None
    errors: dict[str, list[str]] = {}
    q = request.form.get("q", "") if request.method == "POST" else ""
    if request.method == "POST":
        try:
            args = load(
                SearchQuery(), {"q": q, "page": request.form.get("page", "1"), "per_page": PER_PAGE}
            )
            page = search.search(g.actor, args["q"], page=args["page"], per_page=PER_PAGE)
        except FormErrors as error:
            errors = {
                "q": ["Type a name, date of birth, phone, Rx number, prescriber or lot."]
                if "q" in error.errors
                else sum(error.errors.values(), [])
            }
    status = 422 if errors else 200
    return render_template(
        "web/search.html",
        q=q,
        page=page,
        errors=errors,
        result_url=result_url,
        type_names=TYPE_NAMES,
    ), status


@bp.route("/patients/<int:patient_id>")
@allow("pharmacist", "technician", "prescriber")
def patient(patient_id: int) -> str:
    profile = patient_profile.patient_profile(g.actor, patient_id)
    return render_template("web/patient.html", profile=profile)


@bp.route("/refills")
@allow("pharmacist", "technician")
def refills_page() -> str:
    return render_template(
        "web/refills.html",
        requests=[refills.request_data(r) for r in refills.refill_queue(g.actor)],
        due=dashboard.refills_due(g.actor, today=date.today()),
    )


@bp.route("/refill-requests", methods=["POST"])
@allow("pharmacist", "prescriber")
def record_refill_request() -> Response:
    back = request.form.get("back", "")
    try:
        data = load(
            RefillRequestIn(),
            {
                "prescription_id": parse_id(request.form.get("prescription_id", "")) or 0,
                "source": request.form.get("source")
                or ("prescriber_portal" if g.actor.role == "prescriber" else "phone"),
                "requested_by_name": request.form.get("requested_by_name", ""),
                "note": request.form.get("note", ""),
            },
        )
        made = attempt(
            lambda: refills.request_refill(
                g.actor,
                data["prescription_id"],
                source=data["source"],
                requested_by_name=data["requested_by_name"],
                note=data["note"],
            )
        )
        flash(f"Refill request for {made.prescription.rx_number} is in the queue.", "success")
    except FormErrors as error:
        flash(
            "The refill request was not recorded: "
            + " ".join(m for messages in error.errors.values() for m in messages),
            "error",
        )
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect(url_for("web.home"))


@bp.route("/refill-requests/<int:request_id>/close", methods=["POST"])
@allow("pharmacist")
def close_refill_request(request_id: int) -> Response:
    try:
        data = load(
            RefillCloseIn(),
            {"outcome": request.form.get("outcome", ""), "note": request.form.get("note", "")},
        )
        attempt(
            lambda: refills.close_refill_request(
                g.actor, request_id, outcome=data["outcome"], note=data["note"]
            )
        )
        flash("Refill request closed.", "success")
    except FormErrors as error:
        flash(
            "Not closed: " + " ".join(m for messages in error.errors.values() for m in messages),
            "error",
        )
    return redirect(url_for("web.refills_page"))


def todays_work() -> list[Any]:
    """The dashboard counters for the signed-in pharmacist or technician."""
    if g.get("actor") is None or g.actor.role not in ("pharmacist", "technician"):
        return []
    return dashboard.dashboard(g.actor, today=date.today())


def refills_due_for_me() -> list[dict[str, Any]]:
    if g.get("actor") is None or g.actor.role != "prescriber":
        return []
    return dashboard.refills_due(g.actor, today=date.today(), limit=50)


def counter_url(key: str) -> str:
    """Each counter links to the list of exactly the rows it counted."""
    return url_for("web.work_list", key=key)


def _rx_row(rx: Any) -> dict[str, Any]:
    return {
        "id": rx.id,
        "url": url_for("web.prescription", prescription_id=rx.id),
        "label": f"{rx.rx_number} — {rx.patient.last_name}, {rx.patient.first_name}",
        "detail": " · ".join(
            filter(
                None,
                [
                    rx.status.replace("_", " "),
                    f"supply ends {rx.supply_ends_on.isoformat()}" if rx.supply_ends_on else "",
                    f"{rx.refills_remaining} refills left",
                    f"received {rx.created_at.date().isoformat()}",
                ],
            )
        ),
    }


def _batch_row(batch: Any) -> dict[str, Any]:
    return {
        "id": batch.id,
        "url": url_for("web.batch", batch_id=batch.id),
        "label": f"Batch {batch.lot_number} — {batch.formula.name}",
        "detail": f"{batch.status.replace('_', ' ')} · BUD {batch.bud.isoformat()} · "
        f"{batch.quantity_on_hand.normalize():f} {batch.unit} on hand",
    }


def _fill_row(fill: Any) -> dict[str, Any]:
    ready = f" · ready since {fill.ready_at.date().isoformat()}" if fill.ready_at else ""
    return {
        "id": fill.id,
        "url": url_for("web.fill", fill_id=fill.id),
        "label": f"Fill {fill.fill_number} of {fill.prescription.rx_number} — "
        f"{fill.prescription.patient.last_name}, "
        f"{fill.prescription.patient.first_name}",
        "detail": f"{fill.status.replace('_', ' ')} · batch {fill.batch.lot_number}{ready}",
    }


def _lot_row(lot: Any) -> dict[str, Any]:
    return {
        "id": lot.id,
        "url": url_for("web.lot", lot_id=lot.id),
        "label": f"Lot {lot.manufacturer_lot} — {lot.item.name}",
        "detail": f"{lot.status} · expires {lot.expiry.isoformat()} · "
        f"{lot.quantity_on_hand.normalize():f} on hand",
    }


def _recall_row(recall: Any) -> dict[str, Any]:
    return {
        "id": recall.id,
        "url": url_for("web.recall_detail", recall_id=recall.id),
        "label": f"Recall {recall.id} — {recall.reason}",
        "detail": f"{recall.recalled_at.date().isoformat()} · {recall.recalled_by_name}",
    }


def _request_row(req: Any) -> dict[str, Any]:
    return {
        "id": req.id,
        "url": url_for("web.refills_page", _anchor="refill-requests"),
        "label": f"Refill request {req.id}",
        "detail": f"{req.source.replace('_', ' ')} · {req.requested_at.date().isoformat()}",
    }


WORK_ROWS = {
    "prescriptions": _rx_row,
    "batches": _batch_row,
    "fills": _fill_row,
    "ingredient_lots": _lot_row,
    "recalls": _recall_row,
    "refill_requests": _request_row,
}
WORK_PER_PAGE = 50


@bp.route("/work/<key>")
@allow("pharmacist", "technician")
def work_list(key: str) -> str:
    """The rows one of the signed-in user's dashboard counters counted."""
    page = parse_id(request.args.get("page", "1")) or 1
    title, table, rows, total = dashboard.work_list(
        g.actor, key, today=date.today(), page=page, per_page=WORK_PER_PAGE
    )
    return render_template(
        "web/work_list.html",
        key=key,
        title=title,
        total=total,
        page=page,
        rows=[WORK_ROWS[table](row) for row in rows],
        more=page * WORK_PER_PAGE < total,
    )


def register_globals(app: Any) -> None:
    app.jinja_env.globals.update(
        todays_work=todays_work, counter_url=counter_url, refills_due_for_me=refills_due_for_me
    )


@bp.route("/favicon.ico")
@public
def favicon() -> Response:
    """The tab icon browsers ask for on every page (no sign-in needed)."""
    return Response(
        FAVICON.read_bytes(),
        mimetype="image/vnd.microsoft.icon",
        headers={"Cache-Control": "public, max-age=86400"},
    )
