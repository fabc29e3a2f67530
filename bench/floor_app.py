"""The floor for the intake benchmark: a bare Flask + marshmallow + SQLAlchemy endpoint that
validates a prescription-sized JSON body and inserts one row, with nothing else (no auth,
no rules, no audit chain). `bench_load.py` serves it with gunicorn next to the real app.

    FLOOR_DATABASE_URL=postgresql+psycopg://… gunicorn -w 2 'bench.floor_app:app'

(the table is created by the benchmark with `Base.metadata.create_all` beforehand).
"""

from __future__ import annotations

import gc
import os
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask, request
from marshmallow import RAISE, Schema, fields, validate
from sqlalchemy import JSON, Date, DateTime, Integer, Numeric, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class FloorPrescription(Base):
    __tablename__ = "floor_prescriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date] = mapped_column(Date)
    dosage_form: Mapped[str] = mapped_column(String(10))
    strength_mg: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    dose_mg: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    days_supply: Mapped[int] = mapped_column(Integer)
    medications: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PatientIn(Schema):
    class Meta:
        unknown = RAISE

    first_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    last_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    date_of_birth = fields.Date(required=True)
    address = fields.String(load_default="")
    phone = fields.String(load_default="")
    allergies = fields.List(fields.String(), load_default=list)
    current_medications = fields.List(fields.String(), load_default=list)


class PrescriptionIn(Schema):
    class Meta:
        unknown = RAISE

    patient = fields.Nested(PatientIn, required=True)
    dosage_form = fields.String(required=True, validate=validate.OneOf(["capsule", "liquid"]))
    strength_mg = fields.Decimal(required=True)
    dose_mg = fields.Decimal(required=True)
    days_supply = fields.Integer(required=True)
    refills = fields.Integer(load_default=0)
    opioid_attestation = fields.Boolean(load_default=False)


class PrescriptionOut(Schema):
    id = fields.Integer()
    dosage_form = fields.String()
    strength_mg = fields.Decimal(as_string=True)


def create_app(url: str) -> Flask:
    app = Flask(__name__)
    # No pre-ping (SQLAlchemy's default): the floor stays bare. The app pings every
    # connection it checks out (pharmacy/db.py), one round trip the floor does not make.
    engine = create_engine(url, pool_size=10, max_overflow=10)
    schema_in = PrescriptionIn()
    schema_out = PrescriptionOut()

    @app.post("/floor/prescriptions")
    def create() -> tuple[dict[str, Any], int]:
        data = schema_in.load(request.get_json())
        with Session(engine) as session, session.begin():
            row = FloorPrescription(
                first_name=data["patient"]["first_name"],
                last_name=data["patient"]["last_name"],
                date_of_birth=data["patient"]["date_of_birth"],
                dosage_form=data["dosage_form"],
                strength_mg=data["strength_mg"],
                dose_mg=data["dose_mg"],
                days_supply=data["days_supply"],
                medications=data["patient"]["current_medications"],
                created_at=datetime.now().astimezone(),
            )
            session.add(row)
            session.flush()
            body = schema_out.dump(row)
        return body, 201

    return app


app = create_app(os.environ.get("FLOOR_DATABASE_URL", "sqlite:///floor.db"))
gc.freeze()  # as wsgi.py does for the real app, so neither is measured with a handicap
