"""Receiving ingredient lots, their CoA and pack stats, and the pharmacist's release
(DOMAIN.md §2). Quantities are stored in the item's base unit (mg, mL or each).

Service functions:

- `receive_lot(actor, data, today) -> IngredientLot` (status `quarantine`)
- `release_lot(actor, lot_id, password, today) -> IngredientLot` (pharmacist e-signature)
- `reject_lot(actor, lot_id, reason) -> IngredientLot` (quarantine → rejected)
- `list_lots(item_code=None, status=None, manufacturer_lot=None, usable_on=None)`
- `get_lot(lot_id) -> IngredientLot`
- `lot_state(lot, today) -> str`: the stored status, or `expired` once past the expiry.
- `lot_view(lot, today) -> dict`: plain data for pages and labels.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pharmacy import audit
from pharmacy.audit import Actor
from pharmacy.compounding.errors import FormulationError
from pharmacy.compounding.pricing import MAX_PURCHASE_COST, lot_unit_cost
from pharmacy.compounding.units import parse_expiry, plain
from pharmacy.errors import Conflict, Invalid, NotFound
from pharmacy.models import IngredientLot, Item
from pharmacy.models._types import utcnow
from pharmacy.services.catalog import item_by_code
from pharmacy.services.rules import current_rules
from pharmacy.services.signatures import check_signature
from pharmacy.services.uow import query, use_case

UNIT_FACTORS: dict[str, dict[str, Decimal]] = {
    "mg": {"mg": Decimal(1), "g": Decimal(1000), "kg": Decimal(1000000)},
    "mL": {"ml": Decimal(1), "l": Decimal(1000)},
    "each": {
        "each": Decimal(1),
        "ea": Decimal(1),
        "count": Decimal(1),
        "tablet": Decimal(1),
        "tablets": Decimal(1),
        "capsule": Decimal(1),
        "capsules": Decimal(1),
    },
}
RELEASE_MEANING = (
    "I have reviewed this lot's Certificate of Analysis and receipt and release it for compounding."
)
CAPSULE_SIZES = ("000", "00", "0", "1", "2", "3", "4", "5")


def to_base_units(item: Item, quantity: Decimal, unit: str) -> Decimal:
    factors = UNIT_FACTORS[item.base_unit]
    factor = factors.get(unit.strip().lower())
    if factor is None:
        allowed = ", ".join(
            sorted({k if k not in ("ml", "l") else k.replace("l", "L") for k in factors})
        )
        raise Invalid("unit", f"{item.name} is counted in {item.base_unit}; use one of {allowed}")
    return quantity * factor


def lot_state(lot: IngredientLot, today: date) -> str:
    if lot.status in ("quarantine", "released") and lot.expiry < today:
        return "expired"
    return lot.status


def lot_snapshot(lot: IngredientLot) -> dict[str, Any]:
    return {
        "status": lot.status,
        "item_id": lot.item_id,
        "manufacturer": lot.manufacturer,
        "manufacturer_lot": lot.manufacturer_lot,
        "expiry": lot.expiry,
        "quantity_on_hand": lot.quantity_on_hand,
    }


def lot_view(lot: IngredientLot, today: date) -> dict[str, Any]:
    coa = None
    if lot.coa_assay_percent is not None:
        coa = {
            "assay_percent": lot.coa_assay_percent,
            "assay_basis": lot.coa_assay_basis,
            "water_percent": lot.coa_water_percent,
            "form": lot.coa_form,
        }
    return {
        "id": lot.id,
        "item_code": lot.item.code,
        "item_name": lot.item.name,
        "supplier": lot.supplier,
        "manufacturer": lot.manufacturer,
        "manufacturer_lot": lot.manufacturer_lot,
        "expiry": lot.expiry,
        "expiry_text": lot.expiry_text,
        "status": lot_state(lot, today),
        "stored_status": lot.status,
        "received_quantity": lot.received_quantity,
        "received_unit": lot.received_unit,
        "quantity_received": lot.quantity_received,
        "quantity_on_hand": lot.quantity_on_hand,
        "unit": lot.item.base_unit,
        "coa": coa,
        "tablet_powder_mg": lot.tablet_powder_mg,
        "pack_stats_mg": {k: Decimal(str(v)) for k, v in (lot.pack_stats_mg or {}).items()},
        "received_at": lot.received_at,
        "released_at": lot.released_at,
        "signature_name": lot.signature_name,
        "status_reason": lot.status_reason,
        "recalled_at": lot.recalled_at,
        "purchase_cost": lot.purchase_cost,
        "invoice_reference": lot.invoice_reference,
        "unit_cost": _shown(lot_unit_cost_of(lot)),
    }


def lot_unit_cost_of(lot: IngredientLot) -> Decimal | None:
    """What one base unit (mg, mL or each) of this lot cost, when its purchase cost is known."""
    if lot.purchase_cost is None:
        return None
    return lot_unit_cost(lot.purchase_cost, lot.quantity_received)


def _shown(unit_cost: Decimal | None) -> str | None:
    """A unit cost as text to eight places (the cost itself keeps every place)."""
    return None if unit_cost is None else str(unit_cost.quantize(Decimal("1e-8")))


def _purchase_cost(data: dict[str, Any]) -> Decimal | None:
    cost = data.get("purchase_cost")
    if cost is None:
        return None
    if cost < 0:
        raise Invalid("purchase_cost", "cannot be negative")
    if cost > MAX_PURCHASE_COST:
        raise Invalid("purchase_cost", f"at most {MAX_PURCHASE_COST} for one lot")
    if cost != cost.quantize(Decimal("0.01")):
        raise Invalid("purchase_cost", "give the amount paid in whole cents (e.g. 125.40)")
    return Decimal(cost)


def _coa(item: Item, data: dict[str, Any]) -> dict[str, Any]:
    coa = data.get("coa")
    if item.kind != "api_powder":
        if coa:
            raise Invalid(
                "coa", f"a Certificate of Analysis applies to API powders, not {item.name}"
            )
        return {}
    if not coa:
        raise Invalid(
            "coa",
            "an API lot needs its Certificate of Analysis (assay_percent, "
            "assay_basis, water_percent, form)",
        )
    assay = coa["assay_percent"]
    if not Decimal(0) < assay <= Decimal(110):
        raise Invalid("coa.assay_percent", "must be more than 0 and at most 110 %")
    water = coa.get("water_percent") or Decimal(0)
    if not Decimal(0) <= water < Decimal(100):
        raise Invalid("coa.water_percent", "must be from 0 to under 100 %")
    return {
        "coa_assay_percent": assay,
        "coa_assay_basis": coa["assay_basis"],
        "coa_water_percent": water,
        "coa_form": coa["form"],
    }


def _pack_stats(item: Item, data: dict[str, Any]) -> dict[str, str]:
    stats = data.get("pack_stats_mg") or {}
    if stats and item.kind not in ("api_powder", "filler"):
        raise Invalid("pack_stats_mg", f"pack stats apply to powders, not {item.name}")
    clean: dict[str, str] = {}
    for size, mg in stats.items():
        if size not in CAPSULE_SIZES:
            raise Invalid(
                "pack_stats_mg",
                f"unknown capsule size '{size}'; use one of {', '.join(CAPSULE_SIZES)}",
            )
        if mg <= 0:
            raise Invalid(f"pack_stats_mg.{size}", "must be more than 0 mg")
        clean[size] = str(mg)
    return clean


@use_case
def receive_lot(
    session: Session, actor: Actor, data: dict[str, Any], *, today: date
) -> IngredientLot:
    """Record a received lot; it waits in quarantine until a pharmacist releases it."""
    item = item_by_code(session, data["item_code"])
    if not item.active:
        raise Conflict(
            f"{item.name} is withdrawn from the catalog; an admin must bring it back first.",
            {"item_code": ["withdrawn from the catalog"]},
        )
    try:
        expiry = parse_expiry(data["expiry"])
    except FormulationError as error:
        raise Invalid("expiry", error.message) from error
    if expiry < today:
        raise Invalid(
            "expiry", f"this lot expired on {expiry.isoformat()}; it cannot be received for use"
        )
    quantity = to_base_units(item, data["quantity"], data["unit"])
    if quantity <= 0:
        raise Invalid("quantity", "must be more than 0")
    if item.base_unit == "each" and quantity != quantity.to_integral_value():
        raise Invalid("quantity", f"{item.name} is counted in whole units")
    tablet_powder = data.get("tablet_powder_mg")
    if tablet_powder is not None and item.kind != "api_tablet":
        raise Invalid("tablet_powder_mg", "applies to tablets only")
    claim = current_rules(session).tablet_label_claim_mg
    if tablet_powder is not None and tablet_powder < claim:
        raise Invalid(
            "tablet_powder_mg",
            f"a tablet's powder holds its {plain(claim)} mg of naltrexone, so it weighs more "
            f"than {plain(claim)} mg",
        )
    duplicate = session.execute(
        select(IngredientLot.id).where(
            IngredientLot.item_id == item.id,
            IngredientLot.manufacturer == data["manufacturer"],
            IngredientLot.manufacturer_lot == data["manufacturer_lot"],
        )
    ).first()
    if duplicate:
        raise Conflict(
            f"Lot {data['manufacturer_lot']} of {item.name} from {data['manufacturer']} was "
            f"already received (id {duplicate[0]}).",
            {"manufacturer_lot": ["already received"]},
        )
    lot = IngredientLot(
        item_id=item.id,
        supplier=data.get("supplier") or "",
        manufacturer=data["manufacturer"],
        manufacturer_lot=data["manufacturer_lot"],
        expiry=expiry,
        expiry_text=data["expiry"].strip(),
        received_quantity=data["quantity"],
        received_unit=data["unit"],
        quantity_received=quantity,
        quantity_on_hand=quantity,
        status="quarantine",
        tablet_powder_mg=tablet_powder,
        pack_stats_mg=_pack_stats(item, data),
        purchase_cost=_purchase_cost(data),
        invoice_reference=data.get("invoice_reference") or "",
        received_by_user_id=actor.user_id,
        **_coa(item, data),
    )
    session.add(lot)
    session.flush()
    audit.record(
        session,
        actor,
        "lot.received",
        "ingredient_lot",
        lot.id,
        after={
            **lot_snapshot(lot),
            "purchase_cost": lot.purchase_cost,
            "invoice_reference": lot.invoice_reference,
        },
    )
    return lot


def locked_lot(session: Session, lot_id: int) -> IngredientLot:
    lot = session.execute(
        select(IngredientLot).where(IngredientLot.id == lot_id).with_for_update(of=IngredientLot)
    ).scalar_one_or_none()
    if lot is None:
        raise NotFound("No such ingredient lot.")
    return lot


@use_case
def release_lot(
    session: Session, actor: Actor, lot_id: int, *, password: str, today: date
) -> IngredientLot:
    lot = locked_lot(session, lot_id)
    if lot.status != "quarantine":
        raise Conflict(f"Only a lot in quarantine can be released; this one is {lot.status}.")
    if lot.expiry < today:
        raise Conflict(f"This lot expired on {lot.expiry.isoformat()}; it cannot be released.")
    user = check_signature(session, actor, password)
    before = lot_snapshot(lot)
    lot.status = "released"
    lot.released_at = utcnow()
    lot.released_by_user_id = actor.user_id
    lot.signature_name = user.full_name
    audit.record(
        session,
        actor,
        "lot.released",
        "ingredient_lot",
        lot.id,
        before=before,
        after={
            **lot_snapshot(lot),
            "signature_name": user.full_name,
            "signature_meaning": RELEASE_MEANING,
        },
    )
    return lot


@use_case
def reject_lot(session: Session, actor: Actor, lot_id: int, *, reason: str) -> IngredientLot:
    lot = locked_lot(session, lot_id)
    if lot.status != "quarantine":
        raise Conflict(f"Only a lot in quarantine can be rejected; this one is {lot.status}.")
    before = lot_snapshot(lot)
    lot.status = "rejected"
    lot.status_reason = reason
    audit.record(
        session,
        actor,
        "lot.rejected",
        "ingredient_lot",
        lot.id,
        before=before,
        after=lot_snapshot(lot),
        reason=reason,
    )
    return lot


@query
def list_lots(
    session: Session,
    *,
    item_code: str | None = None,
    status: str | None = None,
    manufacturer_lot: str | None = None,
) -> list[IngredientLot]:
    stmt = select(IngredientLot).join(Item)
    if item_code:
        stmt = stmt.where(Item.code == item_code)
    if status:
        stmt = stmt.where(IngredientLot.status == status)
    if manufacturer_lot:
        stmt = stmt.where(IngredientLot.manufacturer_lot == manufacturer_lot.strip())
    stmt = stmt.order_by(IngredientLot.expiry, IngredientLot.id).limit(500)
    return list(session.execute(stmt).scalars())


@query
def get_lot(session: Session, lot_id: int) -> IngredientLot:
    lot = session.get(IngredientLot, lot_id)
    if lot is None:
        raise NotFound("No such ingredient lot.")
    return lot


def take_from_lot(session: Session, lot: IngredientLot, amount: Decimal) -> None:
    """Atomically take `amount` (base units) from a released lot: one conditional UPDATE,
    so two batches racing for the last gram cannot both succeed."""
    if amount <= 0:
        return
    result = session.execute(
        update(IngredientLot)
        .where(
            IngredientLot.id == lot.id,
            IngredientLot.status == "released",
            IngredientLot.quantity_on_hand >= amount,
        )
        .values(quantity_on_hand=IngredientLot.quantity_on_hand - amount)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(lot)
        raise Conflict(
            f"Not enough of lot {lot.manufacturer_lot} ({lot.item.name}): "
            f"{lot.quantity_on_hand} {lot.item.base_unit} on hand, {amount} needed.",
            {"lot_ids": [f"lot {lot.id} has too little stock"]},
        )
    session.refresh(lot)


def return_to_lot(session: Session, lot: IngredientLot, amount: Decimal) -> None:
    if amount <= 0:
        return
    session.execute(
        update(IngredientLot)
        .where(IngredientLot.id == lot.id)
        .values(quantity_on_hand=IngredientLot.quantity_on_hand + amount)
        .execution_options(synchronize_session=False)
    )
    session.refresh(lot)
