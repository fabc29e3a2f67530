"""Print stations: each printer the admin names, with its URI, protocol (IPP for a CUPS
queue, ZPL for a Zebra printer on TCP 9100) and the label stock loaded in it.

- `add_station(actor, name, uri, stock, protocol=None, dpi=203) -> dict`
- `set_station_active(actor, name, active) -> dict`
- `list_stations(actor, include_inactive=False) -> list[dict]`
- `station_named(session, name) -> PrintStation` (active ones only; 422 on `printer`)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pharmacy import audit
from pharmacy.audit import Actor
from pharmacy.errors import Conflict, Forbidden, Invalid, NotFound
from pharmacy.models import PrintStation
from pharmacy.services.printing import rendering
from pharmacy.services.printing.transport import parse_uri
from pharmacy.services.uow import query, use_case

NAME_MAX = 60


def station_data(station: PrintStation) -> dict[str, Any]:
    return {
        "id": station.id,
        "name": station.name,
        "uri": station.uri,
        "protocol": station.protocol,
        "stock": station.stock,
        "dpi": station.dpi,
        "active": station.active,
    }


def _require_admin(actor: Actor) -> None:
    if actor.role not in ("admin", "system"):
        raise Forbidden("Only an administrator sets up print stations.")


@use_case
def add_station(
    session: Session,
    actor: Actor,
    *,
    name: str,
    uri: str,
    stock: str,
    protocol: str | None = None,
    dpi: int = 203,
) -> dict[str, Any]:
    _require_admin(actor)
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise Invalid("name", f"give the station a name of 1 to {NAME_MAX} characters")
    target = parse_uri(uri)
    if protocol is not None and protocol != target.protocol:
        raise Invalid(
            "protocol", f"the URI is for {target.protocol.upper()}, not {protocol.upper()}"
        )
    loaded = rendering.stock(stock)
    if target.protocol == "zpl" and loaded.kind != "thermal":
        raise Invalid("stock", "a ZPL printer takes thermal labels, not sheets")
    if not 100 <= dpi <= 600:
        raise Invalid("dpi", "must be from 100 to 600 dots per inch")
    taken = session.execute(select(PrintStation.id).where(PrintStation.name == name)).first()
    if taken is not None:
        raise Conflict(f"A print station is already named {name}.", {"name": ["taken"]})
    station = PrintStation(
        name=name,
        uri=uri.strip(),
        protocol=target.protocol,
        stock=loaded.code,
        dpi=dpi,
        active=True,
        created_by_user_id=actor.user_id,
    )
    session.add(station)
    session.flush()
    audit.record(
        session,
        actor,
        "print_station.added",
        "print_station",
        station.id,
        after=station_data(station),
    )
    return station_data(station)


@use_case
def set_station_active(
    session: Session, actor: Actor, name: str, *, active: bool
) -> dict[str, Any]:
    _require_admin(actor)
    station = session.execute(
        select(PrintStation).where(PrintStation.name == name)
    ).scalar_one_or_none()
    if station is None:
        raise NotFound("No such print station.")
    before = {"active": station.active}
    station.active = active
    audit.record(
        session,
        actor,
        "print_station.changed",
        "print_station",
        station.id,
        before=before,
        after={"active": active},
    )
    return station_data(station)


@query
def list_stations(
    session: Session, actor: Actor, *, include_inactive: bool = False
) -> list[dict[str, Any]]:
    stmt = select(PrintStation).order_by(PrintStation.name)
    if not include_inactive:
        stmt = stmt.where(PrintStation.active.is_(True))
    return [station_data(s) for s in session.execute(stmt).scalars()]


def station_named(session: Session, name: str) -> PrintStation:
    station = session.execute(
        select(PrintStation).where(PrintStation.name == name, PrintStation.active.is_(True))
    ).scalar_one_or_none()
    if station is None:
        raise Invalid("printer", "no active print station has this name")
    return station
