"""Prescribers and patients."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pharmacy.db import Base
from pharmacy.models._types import UTCDateTime, utcnow


class Prescriber(Base):
    __tablename__ = "prescribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    npi: Mapped[str] = mapped_column(String(10), unique=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The folded name and the NPI (pharmacy.models.search keeps it).
    search_name: Mapped[str] = mapped_column(Text, default="", server_default="")


class Patient(Base):
    __tablename__ = "patients"
    # One record per person: the folded name (pharmacy.models.identity keeps it) and the
    # date of birth, by which intake finds the record.
    __table_args__ = (
        Index("ix_patients_identity", "identity_name", "date_of_birth", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date] = mapped_column(Date)
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    allergies: Mapped[list[Any]] = mapped_column(JSON, default=list)
    current_medications: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Conditions the screen cautions about (liver disease, pregnancy…): DOMAIN.md §11.
    conditions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Folded name, date of birth and phone digits (pharmacy.models.search keeps it); the
    # search indexes on it are made per database in migration 0014 (pg_trgm or FTS5).
    search_name: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The name as identity compares it (pharmacy.models.identity keeps it).
    identity_name: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The language the patient's labels and leaflet print in (BCP 47; USP <17>).
    language: Mapped[str] = mapped_column(String(35), default="en", server_default="en")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"
