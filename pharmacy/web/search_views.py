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
TYPE_NAMES = {"patient": "Patient", "prescription": "Prescription", "batch": "Batch",
              "lot": "Ingredient lot"}
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
            args = load(SearchQuery(), {"q": q, "page": request.form.get("page", "1"),
                                        "per_page": PER_PAGE})
            page = search.search(g.actor, args["q"], page=args["page"], per_page=PER_PAGE)
        except FormErrors as error:
            errors = {"q": ["Type a name, date of birth, phone, Rx number, prescriber or lot."]
                      if "q" in error.errors else sum(error.errors.values(), [])}
    status = 422 if errors else 200
    return render_template("web/search.html", q=q, page=page, errors=errors,
                           result_url=result_url, type_names=TYPE_NAMES), status


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
        data = load(RefillRequestIn(), {
            "prescription_id": parse_id(request.form.get("prescription_id", "")) or 0,
            "source": request.form.get("source") or (
                "prescriber_portal" if g.actor.role == "prescriber" else "phone"),
            "requested_by_name": request.form.get("requested_by_name", ""),
            "note": request.form.get("note", ""),
        })
        made = attempt(lambda: refills.request_refill(
            g.actor, data["prescription_id"], source=data["source"],
            requested_by_name=data["requested_by_name"], note=data["note"]))
        flash(f"Refill request for {made.prescription.rx_number} is in the queue.", "success")
    except FormErrors as error:
        flash("The refill request was not recorded: " + " ".join(
            m for messages in error.errors.values() for m in messages), "error")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect(url_for("web.home"))


@bp.route("/refill-requests/<int:request_id>/close", methods=["POST"])
@allow("pharmacist")
def close_refill_request(request_id: int) -> Response:
    try:
        data = load(RefillCloseIn(), {"outcome": request.form.get("outcome", ""),
                                      "note": request.form.get("note", "")})
        attempt(lambda: refills.close_refill_request(
            g.actor, request_id, outcome=data["outcome"], note=data["note"]))
        flash("Refill request closed.", "success")
    except FormErrors as error:
        flash("Not closed: " + " ".join(
            m for messages in error.errors.values() for m in messages), "error")
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


COUNTER_LINKS = {
    "to_verify": ("web.pharmacist_home", "queue-submitted"),
    "on_hold": ("web.pharmacist_home", "queue-on_hold"),
    "awaiting_final_check": ("web.pharmacist_home", "queue-final-check"),
    "awaiting_product_check": ("web.pharmacist_home", ""),
    "refills_due": ("web.refills_page", "refills-due"),
    "waiting_pickup": ("web.pharmacist_home", ""),
    "batches_near_bud": ("web.bench", ""),
    "lots_expiring": ("web.lots", ""),
    "open_recalls": ("web.recall", ""),
    "refill_requests": ("web.refills_page", "refill-requests"),
    "to_compound": ("web.bench", "queue-ready"),
    "batches_in_progress": ("web.bench", ""),
    "labels_to_print": ("web.print_queue", ""),
}


def counter_url(key: str) -> str:
    endpoint, anchor = COUNTER_LINKS.get(key, ("web.home", ""))
    return url_for(endpoint, _anchor=anchor or None)


def register_globals(app: Any) -> None:
    app.jinja_env.globals.update(todays_work=todays_work, counter_url=counter_url,
                                 refills_due_for_me=refills_due_for_me)


@bp.route("/favicon.ico")
@public
def favicon() -> Response:
    """The tab icon browsers ask for on every page (no sign-in needed)."""
    return Response(FAVICON.read_bytes(), mimetype="image/vnd.microsoft.icon",
                    headers={"Cache-Control": "public, max-age=86400"})
