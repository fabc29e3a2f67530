"""Refill requests: a patient, carer or clinic asks for the next course of a prescription
(by phone, through the prescriber portal, by fax); the request waits in a queue until a
pharmacist closes it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pharmacy.db import Base
from pharmacy.models._types import UTCDateTime, utcnow

REFILL_REQUEST_STATUSES = ("open", "done", "declined")
REFILL_REQUEST_SOURCES = ("phone", "prescriber_portal", "fax", "in_person")


class RefillRequest(Base):
    __tablename__ = "refill_requests"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'done', 'declined')", name="status_known"),
        CheckConstraint(
            "source IN ('phone', 'prescriber_portal', 'fax', 'in_person')", name="source_known"
        ),
        CheckConstraint(
            "status = 'open' OR (closed_at IS NOT NULL AND closed_by_user_id IS NOT NULL)",
            name="closed_has_who",
        ),
        Index("ix_refill_requests_status_requested", "status", "requested_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescriptions.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="open")
    source: Mapped[str] = mapped_column(String(20))
    requested_by_name: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    outcome: Mapped[str | None] = mapped_column(Text, nullable=True)

    prescription = relationship("Prescription", lazy="joined")
