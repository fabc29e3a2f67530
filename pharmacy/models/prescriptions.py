"""Prescriptions and their titration steps."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pharmacy.db import Base
from pharmacy.models._types import Mass, UTCDateTime, utcnow

PRESCRIPTION_STATUSES = ("submitted", "on_hold", "verified", "rejected", "filled", "voided")
SOURCES = ("prescriber_portal", "api", "phone", "fax", "written", "fhir")
PATIENT_DETAILS = ("address", "phone", "allergies", "current_medications", "conditions")
REFILLABLE_SQL = "refills_remaining > 0 AND status IN ('verified', 'filled')"


class Prescription(Base):
    __tablename__ = "prescriptions"
    __table_args__ = (
        CheckConstraint(
            "status IN ('submitted', 'on_hold', 'verified', 'rejected', 'filled', 'voided')",
            name="status_known",
        ),
        CheckConstraint("dosage_form IN ('capsule', 'liquid')", name="dosage_form_known"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("refills >= 0", name="refills_not_negative"),
        CheckConstraint("refills_remaining >= 0", name="refills_remaining_not_negative"),
        CheckConstraint(
            "(dosage_form = 'capsule' AND strength_mg IS NOT NULL) OR "
            "(dosage_form = 'liquid' AND concentration_mg_per_ml IS NOT NULL)",
            name="strength_matches_form",
        ),
        # Refills due: the prescriptions that can be refilled, by the day supply runs out.
        Index("ix_prescriptions_refills_due", "supply_ends_on",
              postgresql_where=text(REFILLABLE_SQL), sqlite_where=text(REFILLABLE_SQL)),
        Index("ix_prescriptions_prescriber_created", "prescriber_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rx_number: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    source: Mapped[str] = mapped_column(String(30))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    prescriber_id: Mapped[int] = mapped_column(ForeignKey("prescribers.id"), index=True)
    dosage_form: Mapped[str] = mapped_column(String(10))
    dose_basis: Mapped[str] = mapped_column(String(10), default="hcl")
    strength_mg: Mapped[Decimal | None] = mapped_column(Mass(), nullable=True)
    concentration_mg_per_ml: Mapped[Decimal | None] = mapped_column(Mass(), nullable=True)
    dose_mg: Mapped[Decimal | None] = mapped_column(Mass(), nullable=True)
    quantity: Mapped[Decimal] = mapped_column(Mass())
    days_supply: Mapped[int | None] = mapped_column(Integer, nullable=True)
    refills: Mapped[int] = mapped_column(Integer, default=0)
    refills_remaining: Mapped[int] = mapped_column(Integer, default=0)
    filler: Mapped[str] = mapped_column(String(40), default="mcc")
    syringe_ml: Mapped[int | None] = mapped_column(Integer, nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    opioid_attestation: Mapped[bool] = mapped_column(Boolean, default=False)
    directions: Mapped[str] = mapped_column(Text)
    hold_reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    warnings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    acknowledgements_required: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    verified_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    signature_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    signature_meaning: Mapped[str | None] = mapped_column(Text, nullable=True)
    rejected_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    override_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    override_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    void_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("prescriptions.id"), nullable=True)
    # The address, phone, allergies and current medications this prescription came with;
    # the patient record holds the newest of them across all prescriptions.
    patient_details: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # Why LDN is prescribed ({"text", "icd10"}: DOMAIN.md §11), never on the container label.
    indication: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # The clinical screen's structured findings beside hold_reasons and warnings: the
    # opioids matched (and how), opioids in allergies, duplicate therapy and the cautions.
    screen: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # An electronic order's own identifiers, as the sender gave them (FHIR Identifier
    # objects: system and value): the order's, and the group it was ordered with.
    external_identifier: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    group_identifier: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # The day the newest fill's supply runs out (kept by pharmacy.models.search as fills
    # are made or corrected): the refills-due count reads it from an index.
    supply_ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    patient = relationship("Patient")
    prescriber = relationship("Prescriber")
    steps = relationship(
        "PrescriptionStep",
        order_by="PrescriptionStep.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )

    @property
    def patient_as_prescribed(self) -> dict[str, Any]:
        """The patient as this prescription shows them: who (from the record) with the
        details the prescription came with."""
        patient = self.patient
        details = self.patient_details or {
            name: getattr(patient, name) for name in PATIENT_DETAILS
        }
        return {
            "id": patient.id,
            "first_name": patient.first_name,
            "last_name": patient.last_name,
            "date_of_birth": patient.date_of_birth,
            "language": patient.language,
            **{name: details.get(name) for name in PATIENT_DETAILS},
        }


class PrescriptionStep(Base):
    """One step of a titration plan: a daily dose for a number of days."""

    __tablename__ = "prescription_steps"
    __table_args__ = (
        UniqueConstraint("prescription_id", "position", name="uq_prescription_steps_position"),
        CheckConstraint("days >= 1", name="days_positive"),
        CheckConstraint("dose_mg > 0", name="dose_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescriptions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    dose_mg: Mapped[Decimal] = mapped_column(Mass())
    days: Mapped[int] = mapped_column(Integer)
