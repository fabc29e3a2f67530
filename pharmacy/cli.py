"""The `pharmacy` command: `pharmacy db upgrade`, `pharmacy users add`, `pharmacy demo`,
`pharmacy serve`, and the operational commands."""

from __future__ import annotations

import os
import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup

from pharmacy.audit import SYSTEM
from pharmacy.errors import DomainError


def main() -> None:
    from pharmacy.app import create_app

    cli = FlaskGroup(create_app=lambda: create_app(), add_default_commands=False)
    cli(prog_name="pharmacy")


def register_commands(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(users_group)
    app.cli.add_command(demo_command)
    app.cli.add_command(serve_command)
    from pharmacy.backup import audit_group, backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(audit_group)
    from pharmacy.printers_cli import printers_group

    app.cli.add_command(printers_group)


@click.group("db", help="Database schema and reference data.")
def db_group() -> None:
    pass


@db_group.command(
    "upgrade", help="Migrate the database to the newest schema and seed reference data."
)
@click.option(
    "--grant-to",
    "grant_to",
    metavar="ROLE",
    envvar="PHARMACY_APP_ROLE",
    help="PostgreSQL: then give ROLE the app's grants (default: $PHARMACY_APP_ROLE).",
)
def db_upgrade(grant_to: str | None) -> None:
    from pharmacy import migrate
    from pharmacy.seed import seed_reference_data
    from pharmacy.services.uow import current_db

    url = current_app.config["DATABASE_URL"]
    migrate.upgrade(url)
    with current_db().transaction() as session:
        added = seed_reference_data(session)
    click.echo(f"Database at head; {added} reference rows added.")
    if grant_to:
        _grant(grant_to)


@db_group.command(
    "grant",
    help="PostgreSQL, as the owner: give ROLE exactly the app's grants (DML only; no "
    "TRUNCATE, no DDL). Run after every upgrade.",
)
@click.argument("role")
def db_grant(role: str) -> None:
    _grant(role)


def _grant(role: str) -> None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    from pharmacy.db import make_engine
    from pharmacy.db_roles import GrantNotTaken, RoleError, grant_app_role

    url = current_app.config["DATABASE_URL"]
    if make_url(url).get_backend_name() != "postgresql":
        click.echo("SQLite has no roles: nothing to grant.")
        return
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            grant_app_role(connection, role)
    except RoleError as error:
        raise click.BadParameter(str(error), param_hint="ROLE") from error
    except GrantNotTaken as error:
        raise click.ClickException(str(error)) from error
    except DBAPIError as error:
        raise click.ClickException(
            f"could not grant to {role} (does the role exist?): {type(error.orig).__name__}"
        ) from error
    finally:
        engine.dispose()
    click.echo(f"Granted the app's rights to {role}.")


@click.group("users", help="User accounts.")
def users_group() -> None:
    pass


@users_group.command("add", help="Add a user; the password is read from standard input.")
@click.argument("username")
@click.option(
    "--role", required=True, type=click.Choice(["admin", "pharmacist", "technician", "prescriber"])
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--full-name", default=None, help="Printed name (required for a prescriber).")
@click.option("--npi", default=None, help="10-digit NPI (prescribers).")
@click.option("--phone", default="", help="Phone (prescribers).")
@click.option("--address", default="", help="Address (prescribers).")
def users_add(
    username: str,
    role: str,
    password_stdin: bool,
    full_name: str | None,
    npi: str | None,
    phone: str,
    address: str,
) -> None:
    from pharmacy.services import accounts

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_user(
            SYSTEM,
            username=username,
            password=password,
            role=role,
            full_name=full_name,
            npi=npi,
            phone=phone,
            address=address,
        )
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Added {user.role} {user.username} (id {user.id}).")


@click.command("demo", help="Seed demo users, prescribers and patients (once).")
@click.option(
    "--show-passwords",
    is_flag=True,
    help="Print the demo passwords again (from instance/demo-credentials.txt).",
)
def demo_command(show_passwords: bool) -> None:
    from pharmacy.demo import credentials_path, saved_credentials, seed_demo

    if show_passwords:
        saved = saved_credentials()
        if saved is None:
            raise click.ClickException("No demo passwords saved: run `pharmacy demo` first.")
        click.echo(saved, nl=False)
        return
    created = seed_demo()
    if not created:
        click.echo(
            "Demo data is already present (`pharmacy demo --show-passwords` prints "
            "the passwords again)."
        )
        return
    click.echo("Demo accounts (change these passwords before real use):")
    for username, role, password in created:
        click.echo(f"  {role:<11} {username:<12} {password}")
    click.echo(f"Saved for `pharmacy demo --show-passwords` in {credentials_path()} (mode 0600).")


@click.command("serve", help="Serve with gunicorn (threaded workers) on http://127.0.0.1:8000.")
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option("--workers", default=2, show_default=True)
def serve_command(bind: str, workers: int) -> None:
    from pharmacy.config import PRODUCTION
    from pharmacy.serving import THREADS_PER_WORKER, gunicorn_argv, role_problem

    if current_app.config["PHARMACY_ENV"] == PRODUCTION:
        problem = role_problem(current_app.config["DATABASE_URL"])
        if problem:
            raise click.ClickException(f"Refusing to serve: {problem}")
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    click.echo(f"Serving on http://{bind}")
    argv = gunicorn_argv(gunicorn, bind, workers, THREADS_PER_WORKER)
    os.execv(gunicorn, argv)  # noqa: S606 - replaces this process with gunicorn, arguments are ours
