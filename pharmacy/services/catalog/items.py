"""The ingredient catalog: an admin adds items and withdraws them (never deletes them);
lots are received as catalog items."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy import audit
from pharmacy.audit import Actor
from pharmacy.errors import Conflict, Invalid, NotFound
from pharmacy.models import Item
from pharmacy.services.rules import current_rules
from pharmacy.services.uow import query, use_case

ITEM_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,59}$")


def _engine_code_problem(data: dict[str, Any], rules: Any) -> tuple[str, str] | None:
    kind, engine_code = data["kind"], data.get("engine_code")
    if kind == "filler":
        if not engine_code or rules.filler(engine_code) is None:
            known = ", ".join(f.code for f in rules.fillers)
            return "engine_code", f"a filler names its filler rule (one of {known})"
        if rules.filler(engine_code).status == "never":
            return "engine_code", f"{rules.filler(engine_code).name} may never be used in LDN"
    if kind == "capsule_shell":
        if data.get("capsule_size") not in rules.capsule_volumes_ml:
            sizes = ", ".join(rules.capsule_volumes_ml)
            return "capsule_size", f"a capsule shell needs its size (one of {sizes})"
    elif data.get("capsule_size"):
        return "capsule_size", "only capsule shells have a size"
    return None


@use_case
def add_item(session: Session, actor: Actor, data: dict[str, Any]) -> Item:
    """Add a catalog item (an admin's task): lots can then be received as it."""
    code = data["code"]
    if not ITEM_CODE.fullmatch(code):
        raise Invalid("code", "use lowercase letters, digits and hyphens (2 to 60)")
    if session.execute(select(Item.id).where(Item.code == code)).first():
        raise Invalid("code", "another item has this code")
    expected_unit = {"capsule_shell": "each", "api_tablet": "each", "vehicle": "mL"}.get(
        data["kind"]
    )
    if expected_unit and data["base_unit"] != expected_unit:
        raise Invalid(
            "base_unit", f"a {data['kind'].replace('_', ' ')} is counted in {expected_unit}"
        )
    problem = _engine_code_problem(data, current_rules(session))
    if problem:
        raise Invalid(*problem)
    item = Item(
        code=code,
        name=data["name"],
        kind=data["kind"],
        base_unit=data["base_unit"],
        engine_code=data.get("engine_code"),
        capsule_size=data.get("capsule_size"),
        contains_lactose=bool(data.get("contains_lactose")),
    )
    session.add(item)
    session.flush()
    audit.record(
        session,
        actor,
        "item.added",
        "item",
        item.id,
        after={"code": code, "name": item.name, "kind": item.kind, "unit": item.base_unit},
    )
    return item


@use_case
def set_item_active(
    session: Session, actor: Actor, code: str, *, active: bool, reason: str
) -> Item:
    """Withdraw an item from use (no new lots are received as it) or bring it back."""
    item = session.execute(
        select(Item).where(Item.code == code).with_for_update()
    ).scalar_one_or_none()
    if item is None:
        raise NotFound(f"No catalog item {code}.")
    if item.active == active:
        raise Conflict(f"{item.name} is already {'active' if active else 'withdrawn'}.")
    item.active = active
    audit.record(
        session,
        actor,
        "item.activated" if active else "item.withdrawn",
        "item",
        item.id,
        before={"active": not active},
        after={"active": active},
        reason=reason,
    )
    return item


@query
def list_items(
    session: Session, kind: str | None = None, include_withdrawn: bool = False
) -> list[Item]:
    stmt = select(Item).order_by(Item.code)
    if not include_withdrawn:
        stmt = stmt.where(Item.active.is_(True))
    if kind:
        stmt = stmt.where(Item.kind == kind)
    return list(session.execute(stmt).scalars())


def item_by_code(session: Session, code: str, field: str = "item_code") -> Item:
    item = session.execute(select(Item).where(Item.code == code)).scalar_one_or_none()
    if item is None:
        raise Invalid(field, f"no catalog item has the code '{code}'")
    return item


@query
def get_item(session: Session, code: str) -> Item:
    item = session.execute(select(Item).where(Item.code == code)).scalar_one_or_none()
    if item is None:
        raise NotFound(f"No catalog item {code}.")
    return item
