"""`pharmacy demo` seeds a usable pharmacy once, on both databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from pharmacy.models import IngredientLot, Prescription, User
from pharmacy.services.uow import current_db


def test_demo_seeds_once(app: Any) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "pharmacist" in first.output and "drgrey" in first.output
    session = current_db().session()
    assert session.execute(select(func.count(User.id))).scalar_one() == 5
    statuses = sorted(session.execute(select(Prescription.status)).scalars())
    assert statuses == ["on_hold", "submitted"]
    lot_states = set(session.execute(select(IngredientLot.status)).scalars())
    assert lot_states == {"released"}
    session.rollback()
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert "already present" in second.output
