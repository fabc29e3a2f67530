"""The container labels of a released batch: the quantity made, and apart from it what
each container holds: what is on hand now, shared equally among the containers (or the
quantity per container given)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_FLOOR, Decimal

from sqlalchemy.orm import Session

from labels import BatchLabelContent, render_batch_labels
from pharmacy.audit import Actor
from pharmacy.compounding.liquids import liquid_auxiliary
from pharmacy.compounding.rules import Rules
from pharmacy.compounding.units import ML_STEP, plain
from pharmacy.errors import Conflict, Invalid, NotFound
from pharmacy.models import Batch
from pharmacy.services.batches import batch_worksheet_data
from pharmacy.services.printing import print_log, rendering
from pharmacy.services.rules import current_rules
from pharmacy.services.uow import use_case


def _released_batch(session: Session, batch_id: int, today: date) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFound("No such batch.")
    if batch.status != "released":
        raise Conflict(
            f"Batch {batch.lot_number} is {batch.status}; only a released batch is labelled."
        )
    if batch.bud < today:
        raise Conflict(f"Batch {batch.lot_number} is past its beyond-use date.")
    return batch


def batch_label_content(
    session: Session,
    batch_id: int,
    *,
    containers: int,
    quantity_per_container: Decimal | None,
    today: date,
) -> tuple[Batch, BatchLabelContent]:
    """The released batch and its container labels' words (the PDF and ZPL alike)."""
    batch = _released_batch(session, batch_id, today)
    data = batch_worksheet_data.in_session(session, batch.id, today=today)  # type: ignore[attr-defined]
    # The containers hold what is on hand now: all of it right after release, less after
    # fills, so a reprint never claims more than there is.
    on_hand = batch.quantity_on_hand
    if on_hand <= 0:
        raise Conflict(f"Batch {batch.lot_number} has nothing left on hand to label.")
    per = (
        quantity_per_container
        if quantity_per_container is not None
        else _share(on_hand, containers, whole=batch.unit == "capsule")
    )
    if per * containers > on_hand:
        raise Invalid(
            "quantity_per_container",
            f"{containers} containers of {plain(per)} is more than the "
            f"{plain(on_hand)} {batch.unit} on hand",
        )
    if batch.unit == "capsule" and per != per.to_integral_value():
        raise Invalid("quantity_per_container", "capsules are counted in whole numbers")
    unit = batch.unit + ("s" if batch.unit == "capsule" and per != 1 else "")
    content = BatchLabelContent(
        preparation=data["preparation"],
        strength=data["strength"],
        form=data["form"],
        quantity_per_container=f"{plain(per)} {unit}",
        quantity_made=data["quantity_text"],  # as made, whatever remains now
        lot_number=batch.lot_number,
        bud=batch.bud,
        storage=_storage(batch, current_rules(session)),
        compounded_on=batch.compounded_on,
        pharmacy=rendering.pharmacy(session),
        containers=containers,
    )
    return batch, content


@use_case
def batch_labels(
    session: Session,
    actor: Actor,
    batch_id: int,
    *,
    stock_code: str | None,
    containers: int,
    quantity_per_container: Decimal | None,
    reason: str | None,
    today: date,
) -> bytes:
    batch, content = batch_label_content(
        session,
        batch_id,
        containers=containers,
        quantity_per_container=quantity_per_container,
        today=today,
    )
    stock = rendering.stock(stock_code)
    pdf = rendering.render(render_batch_labels, content, stock)
    print_log.record(
        session, actor, "batch_labels", batch.id, stock=stock.code, copies=containers, reason=reason
    )
    return pdf


def _storage(batch: Batch, rules: Rules) -> str:
    """The storage line of a stock container: a liquid's says it as its patients' labels
    do (shake well, protect from light, the refrigerator where its BUD assumes it: the
    rules' texts, DOMAIN.md §5) rather than the BUD category's one word."""
    if batch.dosage_form != "liquid":
        return batch.storage
    texts = liquid_auxiliary(batch.storage, rules)
    fridge = rules.liquid_texts.get("refrigerate", "")
    if fridge and fridge in texts:
        return " ".join(texts)
    return " ".join([f"{batch.storage[:1].upper()}{batch.storage[1:]}.", *texts])


def _share(on_hand: Decimal, containers: int, *, whole: bool) -> Decimal:
    """Each container's equal share of what is on hand: whole capsules, or mL to 0.01 mL
    (rounded down, so the labels never add up to more than there is)."""
    share = on_hand / containers
    step = Decimal(1) if whole else ML_STEP
    rounded = share.quantize(step, rounding=ROUND_FLOOR)
    if whole and rounded != share:
        raise Invalid(
            "quantity_per_container",
            f"{plain(on_hand)} capsules do not divide into {containers} equal containers: "
            "give the quantity per container",
        )
    return rounded
