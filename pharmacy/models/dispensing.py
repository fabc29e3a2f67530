"""Dispensing records: the print stations and every job sent to them, each product
verification attempt (the scans a pharmacist made, and why one was refused), and the
payment taken at hand-over."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pharmacy.db import Base
from pharmacy.models._types import Mass, Money, UTCDateTime, utcnow

PRINT_PROTOCOLS = ("ipp", "zpl")
PRINT_JOB_OUTCOMES = ("sent", "failed")


class PrintStation(Base):
    """A printer the pharmacy prints to: a CUPS/IPP queue or a Zebra printer on TCP 9100,
    with the label stock loaded in it."""

    __tablename__ = "print_stations"
    __table_args__ = (
        CheckConstraint("protocol IN ('ipp', 'zpl')", name="protocol_known"),
        CheckConstraint("dpi > 0", name="dpi_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    uri: Mapped[str] = mapped_column(String(300))
    protocol: Mapped[str] = mapped_column(String(10))
    stock: Mapped[str] = mapped_column(String(20))
    dpi: Mapped[int] = mapped_column(Integer, default=203)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class PrintJob(Base):
    """One job sent to a station: the document, the printer's job id, and the outcome."""

    __tablename__ = "print_jobs"
    __table_args__ = (
        CheckConstraint("outcome IN ('sent', 'failed')", name="outcome_known"),
        CheckConstraint("outcome <> 'sent' OR job_id IS NOT NULL", name="sent_has_job_id"),
        Index("ix_print_jobs_document_entity", "document", "entity_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("print_stations.id"), index=True)
    document: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int] = mapped_column(Integer)
    copies: Mapped[int] = mapped_column(Integer, default=1)
    job_id: Mapped[str | None] = mapped_column(String(120), nullable=True)
    outcome: Mapped[str] = mapped_column(String(10))
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    station = relationship("PrintStation", lazy="joined")


class ProductCheck(Base):
    """One product verification attempt on a fill: what was scanned and counted, and the
    reasons it was refused (none when it passed)."""

    __tablename__ = "product_checks"
    __table_args__ = (CheckConstraint("outcome IN ('verified', 'refused')", name="outcome_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fill_id: Mapped[int] = mapped_column(ForeignKey("fills.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(10))
    reasons: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    scanned_label: Mapped[str] = mapped_column(String(120))
    scanned_lot: Mapped[str] = mapped_column(String(120))
    quantity: Mapped[Decimal | None] = mapped_column(Mass(), nullable=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class FillPayment(Base):
    """The payment taken when a fill was handed over: how much, how, who took it and when.
    Append-only (migration 0023): never edited or deleted. One a fill, as the hand-over
    happens once; paying a balance later or correcting a payment is not built yet."""

    __tablename__ = "fill_payments"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("method IN ('cash', 'card', 'check', 'other')", name="method_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fill_id: Mapped[int] = mapped_column(ForeignKey("fills.id"), unique=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(10))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    taken_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    taken_by_name: Mapped[str] = mapped_column(String(200))
