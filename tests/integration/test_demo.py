"""`pharmacy demo` seeds a usable pharmacy once, on both databases."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from pharmacy.models import Fill, IngredientLot, Patient, Prescription, User
from pharmacy.services import accounts, dashboard
from pharmacy.services.uow import current_db


def test_demo_seeds_once(app: Any, tmp_path: Any) -> None:
    app.instance_path = str(tmp_path)  # the saved passwords go here, not the real instance
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "pharmacist" in first.output and "drgrey" in first.output
    session = current_db().session()
    assert session.execute(select(func.count(User.id))).scalar_one() == 5
    statuses = set(session.execute(select(Prescription.status)).scalars())
    assert statuses == {"on_hold", "submitted", "verified", "filled"}
    patients = session.execute(select(func.count(Patient.id))).scalar_one()
    assert patients >= 30  # a few dozen, some with more than one prescription
    assert session.execute(select(func.count(Prescription.id))).scalar_one() > patients
    lot_states = set(session.execute(select(IngredientLot.status)).scalars())
    assert lot_states == {"released"}
    # Work on a first run (issue 22): fills at each step of dispensing, a refill due within
    # the week, a lot expiring within 30 days.
    fills = set(session.execute(select(Fill.status)).scalars())
    assert fills == {"dispensed", "ready", "labeled", "filled"}
    session.rollback()
    pharmacist = accounts.actor_of(
        session.execute(select(User).where(User.username == "pharmacist")).scalar_one()
    )
    counts = {c.key: c.count for c in dashboard.dashboard(pharmacist, today=date.today())}
    for key in (
        "to_verify",
        "on_hold",
        "awaiting_product_check",
        "refills_due",
        "lots_expiring",
        "refill_requests",
    ):
        assert counts[key] > 0, key
    session.rollback()
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert "already present" in second.output


def test_demo_passwords_are_saved_0600_and_shown_again(app: Any, tmp_path: Any) -> None:
    import os
    import stat

    from pharmacy.demo import credentials_path

    app.instance_path = str(tmp_path)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    path = credentials_path()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = runner.invoke(args=["demo", "--show-passwords"])
    assert again.exit_code == 0
    for line in again.output.splitlines():
        role, username, password = line.split()
        assert f"{username:<12} {password}" in first.output
    assert "pharmacist" in again.output
