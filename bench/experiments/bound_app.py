"""A lower bound for intake (an experiment, not the app): the floor's bare Flask +
marshmallow endpoint, plus only the database work intake is required to do, as raw
prepared statements on the driver, with no other logic, framework or checks.

Per request, in one transaction: the bearer token's look-up (hashed, with its user), the
rules' fingerprint, the prescriber, the next Rx number (the counter's row lock), the
patient look-up and insert, the prescription insert (the real table, every intake column),
the audit chain head's lock and one chained audit event. It answers like the floor.

    DATABASE_URL=postgresql+psycopg://… gunicorn -w 2 'bench.experiments.bound_app:app'

`bench/ab_load.py . --b-module bench.experiments.bound_app:app` serves it beside the floor
and the real app, on a database the real app has migrated and seeded. It is not
correct intake (no validation, rules, opioid screen or directions); it only measures how
much of the floor's rate the required round trips and writes leave.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
from datetime import UTC, datetime
from typing import Any

from flask import Flask, request
from sqlalchemy import create_engine

from bench.floor_app import PrescriptionIn, PrescriptionOut

TOKEN = (
    "SELECT api_tokens.revoked_at, api_tokens.expires_at, users.active, users.id, "
    "users.username, users.role, users.full_name, users.prescriber_id FROM api_tokens "
    "JOIN users ON users.id = api_tokens.user_id WHERE api_tokens.token_hash = %s"
)
FINGERPRINT = (
    "SELECT count(rule_values.name), coalesce(sum(rule_values.version), 0), "
    "max(rule_values.updated_at) FROM rule_values"
)
PRESCRIBER = "SELECT id, full_name, npi, phone, address FROM prescribers WHERE id = %s"
COUNTER = (
    "INSERT INTO counters (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE "
    "SET value = counters.value + 1 RETURNING value"
)
FIND_PATIENT = (
    "SELECT id, first_name, last_name, date_of_birth, address, phone, allergies, "
    "current_medications FROM patients WHERE lower(first_name) = %s AND lower(last_name) = %s "
    "AND date_of_birth = %s"
)
ADD_PATIENT = (
    "INSERT INTO patients (first_name, last_name, date_of_birth, address, phone, allergies, "
    "current_medications, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id"
)
ADD_PRESCRIPTION = (
    "INSERT INTO prescriptions (rx_number, status, source, patient_id, prescriber_id, "
    "dosage_form, dose_basis, strength_mg, concentration_mg_per_ml, dose_mg, quantity, "
    "days_supply, refills, refills_remaining, filler, syringe_ml, notes, opioid_attestation, "
    "directions, hold_reasons, warnings, acknowledgements_required, created_by_user_id, "
    "created_at, updated_at, supersedes_id, patient_details) VALUES (%s, %s, %s, %s, %s, %s, "
    "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
    "RETURNING id"
)
LOCK_HEAD = "SELECT last_hash FROM audit_chain_head WHERE id = 1 FOR UPDATE"
CREATE_HEAD = (
    "INSERT INTO audit_chain_head (id, last_hash) VALUES (1, %s) ON CONFLICT (id) DO NOTHING"
)
ADD_EVENT = (
    "INSERT INTO audit_events (occurred_at, actor_user_id, actor_name, actor_role, action, "
    "entity_type, entity_id, before, after, reason, prev_hash, row_hash) VALUES (%s, %s, %s, "
    "%s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def create_app(url: str) -> Flask:
    from psycopg.types.json import Json

    app = Flask(__name__)
    engine = create_engine(url, pool_size=10, max_overflow=10)
    schema_in = PrescriptionIn()
    schema_out = PrescriptionOut()

    @app.post("/api/v1/prescriptions")
    def create() -> tuple[dict[str, Any], int]:
        data = schema_in.load(request.get_json())
        secret = request.headers["Authorization"].removeprefix("Bearer ")
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()

            def one(sql: str, *values: Any) -> Any:
                cursor.execute(sql, values, prepare=True)
                return cursor.fetchone()

            actor = one(TOKEN, hashlib.sha256(secret.encode()).hexdigest())
            if actor is None or actor[0] is not None or not actor[2]:
                connection.rollback()
                return {"message": "unauthorized"}, 401
            one(FINGERPRINT)
            prescriber = one(PRESCRIBER, actor[7])
            rx = one(COUNTER, "rx_number", 100001)[0]
            patient = data["patient"]
            now = datetime.now(UTC)
            found = one(
                FIND_PATIENT,
                patient["first_name"].lower(),
                patient["last_name"].lower(),
                patient["date_of_birth"],
            )
            patient_id = (
                found[0]
                if found
                else one(
                    ADD_PATIENT,
                    patient["first_name"],
                    patient["last_name"],
                    patient["date_of_birth"],
                    patient["address"],
                    patient["phone"],
                    Json(patient["allergies"]),
                    Json(patient["current_medications"]),
                    now,
                )[0]
            )
            details = {
                k: patient[k] for k in ("address", "phone", "allergies", "current_medications")
            }
            rx_id = one(
                ADD_PRESCRIPTION,
                f"RX{rx}",
                "submitted",
                "api",
                patient_id,
                prescriber[0],
                data["dosage_form"],
                "hcl",
                data["strength_mg"],
                None,
                data["dose_mg"],
                data["days_supply"],
                data["days_supply"],
                0,
                0,
                "mcc",
                None,
                "",
                data["opioid_attestation"],
                "Take 1 capsule (4.5 mg) by mouth at bedtime.",
                Json([]),
                Json([]),
                Json([]),
                actor[3],
                now,
                now,
                None,
                Json(details),
            )[0]
            head = one(LOCK_HEAD)
            if head is None:
                cursor.execute(CREATE_HEAD, ("0" * 64,))
                head = one(LOCK_HEAD)
            after = {
                "rx_number": f"RX{rx}",
                "patient_id": patient_id,
                **details,
                "strength_mg": str(data["strength_mg"]),
            }
            fields = {
                "occurred_at": now.isoformat(),
                "actor_user_id": actor[3],
                "actor_name": actor[4],
                "actor_role": actor[5],
                "action": "prescription.created",
                "entity_type": "prescription",
                "entity_id": str(rx_id),
                "before": None,
                "after": after,
                "reason": None,
            }
            row_hash = hashlib.sha256(
                json.dumps(
                    {"prev": head[0], **fields}, sort_keys=True, separators=(",", ":")
                ).encode()
            ).hexdigest()
            cursor.execute(
                ADD_EVENT,
                (
                    now,
                    actor[3],
                    actor[4],
                    actor[5],
                    "prescription.created",
                    "prescription",
                    str(rx_id),
                    None,
                    Json(after),
                    None,
                    head[0],
                    row_hash,
                ),
                prepare=True,
            )
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            connection.close()
        return schema_out.dump({"id": rx_id, **data}), 201

    return app


app = create_app(os.environ["DATABASE_URL"])  # PostgreSQL: the statements are its dialect
gc.freeze()  # as wsgi.py and the floor do
