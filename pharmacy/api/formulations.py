from __future__ import annotations

from datetime import date
from typing import Any

from pharmacy.api.blueprint import Blueprint
from pharmacy.auth import allow
from pharmacy.services import formulations
from schema.formulations import QuoteIn, QuoteOut

blp = Blueprint(
    "formulations",
    __name__,
    url_prefix="/api/v1/formulations",
    description="Capsule and liquid formulation quotes",
)


@blp.route("/quote", methods=["POST"])
@allow("pharmacist", "technician")
@blp.arguments(QuoteIn)
@blp.response(200, QuoteOut)
def quote(data: dict[str, Any]) -> dict[str, Any]:
    """What to weigh, how many units to make and how long they last, with the worksheet."""
    return formulations.quote(data, today=date.today()).as_dict()
