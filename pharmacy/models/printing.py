"""The print log: every print and reprint of a label or document."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pharmacy.db import Base
from pharmacy.models._types import UTCDateTime, utcnow

DOCUMENTS = ("patient_label", "batch_labels", "worksheet", "leaflet", "recall_report")


class PrintLog(Base):
    __tablename__ = "print_log"
    __table_args__ = (
        CheckConstraint(
            "document IN ('patient_label', 'batch_labels', 'worksheet', 'leaflet', "
            "'recall_report')",
            name="document_known",
        ),
        CheckConstraint("copies >= 1", name="copies_positive"),
        CheckConstraint("NOT is_reprint OR reason IS NOT NULL", name="reprint_has_reason"),
        Index("ix_print_log_document_entity", "document", "entity_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int] = mapped_column(Integer)
    copies: Mapped[int] = mapped_column(Integer, default=1)
    stock: Mapped[str] = mapped_column(String(20))
    is_reprint: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    printed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    printed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
