"""An empty database upgraded to head matches the models exactly, on both databases."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import pharmacy.models  # noqa: F401
from pharmacy import migrate
from pharmacy.db import Base


def _drift(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": migrate.include_name})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_sqlite_upgrade_to_head_has_no_drift(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    migrate.upgrade(url)
    assert _drift(url) == []


def test_postgres_upgrade_to_head_has_no_drift() -> None:
    base_url = os.environ.get("TEST_DATABASE_URL")
    if not base_url:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
        pytest.skip("PostgreSQL tests skipped: TEST_DATABASE_URL is not set")
    base = make_url(base_url)
    name = f"{base.database}_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = base.set(database=name).render_as_string(hide_password=False)
        migrate.upgrade(url)
        assert _drift(url) == []
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_is_repeatable(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    migrate.upgrade(url)
    migrate.upgrade(url)
    assert _drift(url) == []


def test_existing_prescriptions_keep_their_patient_details(tmp_path: Path) -> None:
    # 0010 gives each prescription the patient details it shows; rows made before it take
    # the patient's record as it stands.
    url = f"sqlite:///{tmp_path / 'before.db'}"
    migrate.upgrade(url, "0009_drop_birth_date_index")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO users (id, username, full_name, role, active, password_hash, created_at) "
                "VALUES (1, 'dr', 'Dr', 'prescriber', 1, 'x', '2026-01-01 00:00:00')"
            ))
            conn.execute(text(
                "INSERT INTO prescribers (id, full_name, npi, phone, address, created_at) "
                "VALUES (1, 'Dr', '1234567893', '', '', '2026-01-01 00:00:00')"
            ))
            conn.execute(text(
                "INSERT INTO patients (id, first_name, last_name, date_of_birth, address, "
                "phone, allergies, current_medications, created_at) VALUES (1, 'Ada', "
                "'Lovelace', '1970-05-01', '1 Example St', '555-0100', '[\"lactose\"]', "
                "'[\"sertraline\"]', '2026-01-01 00:00:00')"
            ))
            conn.execute(text(
                "INSERT INTO prescriptions (id, rx_number, status, source, patient_id, "
                "prescriber_id, dosage_form, dose_basis, strength_mg, quantity, refills, "
                "refills_remaining, filler, notes, opioid_attestation, directions, "
                "hold_reasons, warnings, acknowledgements_required, created_by_user_id, "
                "created_at, updated_at) VALUES (1, 'RX100001', 'submitted', 'api', 1, 1, "
                "'capsule', 'hcl', 4.5, 30, 0, 0, 'mcc', '', 1, 'Take 1 capsule.', '[]', "
                "'[]', '[]', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            ))
        migrate.upgrade(url)
        with engine.connect() as conn:
            details = conn.execute(
                text("SELECT patient_details FROM prescriptions WHERE id = 1")
            ).scalar_one()
    finally:
        engine.dispose()
    assert json.loads(details) == {
        "address": "1 Example St",
        "phone": "555-0100",
        "allergies": ["lactose"],
        "current_medications": ["sertraline"],
    }
