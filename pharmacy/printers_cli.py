"""`pharmacy printers add NAME --uri URI --stock 4x2.5` and `pharmacy printers list`."""

from __future__ import annotations

import click

from pharmacy.audit import SYSTEM
from pharmacy.errors import DomainError


@click.group("printers", help="Print stations (label printers).")
def printers_group() -> None:
    pass


@printers_group.command("add", help="Add a print station.")
@click.argument("name")
@click.option(
    "--uri", required=True, help="ipp://host:631/printers/QUEUE (CUPS) or socket://host:9100 (ZPL)"
)
@click.option("--stock", default="4x2.5", show_default=True, help="The label stock loaded.")
@click.option(
    "--protocol",
    type=click.Choice(["ipp", "zpl"]),
    default=None,
    help="Checked against the URI (it follows from the URI when left out).",
)
@click.option("--dpi", type=int, default=203, show_default=True, help="ZPL printer resolution.")
def printers_add(name: str, uri: str, stock: str, protocol: str | None, dpi: int) -> None:
    from pharmacy.services import printing

    try:
        station = printing.add_station(
            SYSTEM, name=name, uri=uri, stock=stock, protocol=protocol, dpi=dpi
        )
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(
        f"Added print station {station['name']} ({station['protocol'].upper()}, "
        f"{station['uri']}, stock {station['stock']})."
    )


@printers_group.command("list", help="List the print stations.")
def printers_list() -> None:
    from pharmacy.services import printing

    for s in printing.list_stations(SYSTEM, include_inactive=True):
        state = "" if s["active"] else " (inactive)"
        click.echo(f"{s['name']}\t{s['protocol']}\t{s['uri']}\t{s['stock']}{state}")
