"""The technician bench: compounding queue, worksheets, lot scanning, weights, printing."""

from __future__ import annotations

from flask import g, render_template

from pharmacy.auth import allow
from pharmacy.services import prescriptions
from pharmacy.web import extras
from pharmacy.web.blueprint import bp


@bp.route("/bench")
@allow("technician", "pharmacist")
def bench() -> str:
    ready, total = prescriptions.list_prescriptions(
        g.actor, status="verified", sort="created_at", page=1, per_page=50
    )
    return render_template(
        "web/bench.html", ready=ready, total=total, extra=extras.bench_extras(g.actor)
    )
