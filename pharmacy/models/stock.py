"""Ingredient catalog, received lots, master formulation records, compounded batches and
their components, fills, and recalls (DOMAIN.md §2, §10)."""

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
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pharmacy.db import Base
from pharmacy.models._types import Mass, Money, UnitCost, UTCDateTime, utcnow

ITEM_KINDS = (
    "api_powder",
    "api_tablet",
    "filler",
    "capsule_shell",
    "vehicle",
    "preservative",
    "excipient",
)
BASE_UNITS = ("mg", "mL", "each")
LOT_STATUSES = ("quarantine", "released", "rejected", "recalled", "expired")
FILL_STATUSES = (
    "filled",
    "labeled",
    "product_verified",
    "ready",
    "dispensed",
    "returned",
)
BATCH_STATUSES = ("in_progress", "recorded", "released", "rejected", "quarantined", "recalled")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Item(Base):
    """A catalog item with a stable code (`naltrexone-hcl`, `mcc`, `capsule-3`…)."""

    __tablename__ = "items"
    __table_args__ = (
        CheckConstraint(_in("kind", ITEM_KINDS), name="kind_known"),
        CheckConstraint(_in("base_unit", BASE_UNITS), name="base_unit_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    base_unit: Mapped[str] = mapped_column(String(10))
    engine_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    capsule_size: Mapped[str | None] = mapped_column(String(5), nullable=True)
    contains_lactose: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IngredientLot(Base):
    """One received lot. Quantities are in the item's base unit (mg, mL or each)."""

    __tablename__ = "ingredient_lots"
    __table_args__ = (
        CheckConstraint(_in("status", LOT_STATUSES), name="status_known"),
        CheckConstraint("quantity_received > 0", name="received_positive"),
        CheckConstraint("quantity_on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint(
            "coa_assay_basis IS NULL OR coa_assay_basis IN ('anhydrous', 'as_is')",
            name="assay_basis_known",
        ),
        CheckConstraint(
            "coa_form IS NULL OR coa_form IN ('hcl', 'hcl_dihydrate', 'base')",
            name="form_known",
        ),
        UniqueConstraint("item_id", "manufacturer", "manufacturer_lot", name="uq_lot_identity"),
        CheckConstraint("purchase_cost IS NULL OR purchase_cost >= 0", name="cost_not_negative"),
        Index("ix_ingredient_lots_fefo", "item_id", "status", "expiry"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    supplier: Mapped[str] = mapped_column(String(200), default="")
    manufacturer: Mapped[str] = mapped_column(String(200))
    manufacturer_lot: Mapped[str] = mapped_column(String(80), index=True)
    expiry: Mapped[date] = mapped_column(Date)
    expiry_text: Mapped[str] = mapped_column(String(10))
    received_quantity: Mapped[Decimal] = mapped_column(Mass())
    received_unit: Mapped[str] = mapped_column(String(10))
    quantity_received: Mapped[Decimal] = mapped_column(Mass())
    quantity_on_hand: Mapped[Decimal] = mapped_column(Mass())
    status: Mapped[str] = mapped_column(String(20), default="quarantine")
    coa_assay_percent: Mapped[Decimal | None] = mapped_column(Mass(), nullable=True)
    coa_assay_basis: Mapped[str | None] = mapped_column(String(12), nullable=True)
    coa_water_percent: Mapped[Decimal | None] = mapped_column(Mass(), nullable=True)
    coa_form: Mapped[str | None] = mapped_column(String(20), nullable=True)
    tablet_powder_mg: Mapped[Decimal | None] = mapped_column(Mass(), nullable=True)
    pack_stats_mg: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    released_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    signature_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    recalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    recalled_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    # What was paid for the whole quantity received (DOMAIN.md §12), in the pharmacy's
    # currency; None for a lot received before costs were kept.
    purchase_cost: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    invoice_reference: Mapped[str] = mapped_column(String(80), default="", server_default="")

    item = relationship("Item", lazy="joined")


class Formula(Base):
    """A master formulation record, versioned: a change adds a row with the next version."""

    __tablename__ = "formulas"
    __table_args__ = (
        UniqueConstraint("code", "version", name="uq_formulas_code_version"),
        CheckConstraint("dosage_form IN ('capsule', 'liquid', 'triturate')", name="form_known"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(60), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(String(200))
    dosage_form: Mapped[str] = mapped_column(String(12))
    lot_letter: Mapped[str] = mapped_column(String(1))
    capsule_size: Mapped[str | None] = mapped_column(String(5), nullable=True)
    preserved: Mapped[bool] = mapped_column(Boolean, default=False)
    aqueous: Mapped[bool] = mapped_column(Boolean, default=False)
    bud_category: Mapped[str] = mapped_column(String(40))
    stability_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    stability_storage: Mapped[str | None] = mapped_column(String(80), nullable=True)
    stability_reference: Mapped[str | None] = mapped_column(Text, nullable=True)
    weighing_tolerance_percent: Mapped[Decimal] = mapped_column(Mass(), default=Decimal(5))
    ingredients: Mapped[list[Any]] = mapped_column(JSON, default=list)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    steps: Mapped[list[Any]] = mapped_column(JSON, default=list)
    container: Mapped[str] = mapped_column(Text, default="")
    labeling: Mapped[list[Any]] = mapped_column(JSON, default=list)
    quality_checks: Mapped[list[Any]] = mapped_column(JSON, default=list)
    reference: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Batch(Base):
    """A compounded batch and its compounding record. `lot_number` is `YYMMDD-F-NNN`."""

    __tablename__ = "batches"
    __table_args__ = (
        CheckConstraint(_in("status", BATCH_STATUSES), name="status_known"),
        CheckConstraint("units_made > 0", name="units_made_positive"),
        CheckConstraint("quantity_on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("quantity_on_hand <= units_made", name="on_hand_at_most_made"),
        Index("ix_batches_status_bud", "status", "bud"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lot_number: Mapped[str] = mapped_column(String(20), unique=True)
    formula_id: Mapped[int] = mapped_column(ForeignKey("formulas.id"), index=True)
    prescription_id: Mapped[int | None] = mapped_column(
        ForeignKey("prescriptions.id"), nullable=True, index=True
    )
    dosage_form: Mapped[str] = mapped_column(String(12))
    dose_basis: Mapped[str] = mapped_column(String(10), default="hcl")
    strength_mg: Mapped[Decimal | None] = mapped_column(Mass(), nullable=True)
    concentration_mg_per_ml: Mapped[Decimal | None] = mapped_column(Mass(), nullable=True)
    potency_fraction: Mapped[Decimal | None] = mapped_column(
        Numeric(12, 8, asdecimal=True), nullable=True
    )
    quantity_requested: Mapped[Decimal] = mapped_column(Mass())
    units_made: Mapped[Decimal] = mapped_column(Mass())
    quantity_on_hand: Mapped[Decimal] = mapped_column(Mass())
    unit: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default="in_progress")
    compounded_on: Mapped[date] = mapped_column(Date)
    bud: Mapped[date] = mapped_column(Date)
    bud_days: Mapped[int] = mapped_column(Integer)
    storage: Mapped[str] = mapped_column(String(80))
    bud_limited_by: Mapped[str] = mapped_column(Text)
    bud_rule: Mapped[str] = mapped_column(String(40))
    calculation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    weight_check: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    capsule_weights_mg: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    deviations: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Mistyped weights corrected at the bench before the final check: each keeps the
    # value first recorded, the corrected one, the reason, who and when.
    weight_corrections: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    checked_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    signature_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # Its cost from what was really weighed (DOMAIN.md §12), set when it is recorded.
    cost_total: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    unit_cost: Mapped[Decimal | None] = mapped_column(UnitCost(), nullable=True)
    cost_breakdown: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    formula = relationship("Formula", lazy="joined")
    components = relationship(
        "BatchComponent",
        order_by="BatchComponent.position",
        foreign_keys="BatchComponent.batch_id",
        lazy="selectin",
        back_populates="batch",
    )


class BatchComponent(Base):
    """One component of a batch: an ingredient lot, or another batch (a triturate)."""

    __tablename__ = "batch_components"
    __table_args__ = (
        CheckConstraint(
            "(ingredient_lot_id IS NOT NULL AND source_batch_id IS NULL) OR "
            "(ingredient_lot_id IS NULL AND source_batch_id IS NOT NULL)",
            name="one_source",
        ),
        CheckConstraint("theoretical_amount >= 0", name="theoretical_not_negative"),
        CheckConstraint("actual_amount IS NULL OR actual_amount >= 0", name="actual_not_negative"),
        CheckConstraint("source_batch_id IS NULL OR source_batch_id <> batch_id", name="not_self"),
        UniqueConstraint("batch_id", "position", name="uq_batch_components_position"),
        # Trace indexes: covering, so the recursive walk reads the index only.
        Index("ix_batch_components_lot_batch", "ingredient_lot_id", "batch_id"),
        Index("ix_batch_components_source_batch", "source_batch_id", "batch_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(200))
    ingredient_lot_id: Mapped[int | None] = mapped_column(
        ForeignKey("ingredient_lots.id"), nullable=True
    )
    source_batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), nullable=True)
    unit: Mapped[str] = mapped_column(String(10))
    theoretical_amount: Mapped[Decimal] = mapped_column(Mass())
    actual_amount: Mapped[Decimal | None] = mapped_column(Mass(), nullable=True)
    deviation: Mapped[str | None] = mapped_column(Text, nullable=True)

    batch = relationship("Batch", foreign_keys=[batch_id], back_populates="components")
    ingredient_lot = relationship("IngredientLot", lazy="joined")
    source_batch = relationship("Batch", foreign_keys=[source_batch_id], lazy="joined")


class Fill(Base):
    """A dispensing of a prescription from a batch. `fill_number` counts every fill (0 is
    the first); `course_number` counts courses of the prescription (0 the original, each
    later one a refill). A titration may be dispensed as one course of several fills, one
    per strength: each such fill lists the plan steps it covers in `step_positions`."""

    __tablename__ = "fills"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("fill_number >= 0", name="fill_number_not_negative"),
        CheckConstraint(_in("status", FILL_STATUSES), name="status_known"),
        CheckConstraint(
            "handover IS NULL OR handover IN ('pickup', 'shipping')", name="handover_known"
        ),
        CheckConstraint(
            "collected_by_relation IS NULL OR collected_by_relation IN ('patient', 'agent')",
            name="collected_by_known",
        ),
        CheckConstraint(
            "status <> 'dispensed' OR dispensed_at IS NOT NULL", name="dispensed_has_time"
        ),
        UniqueConstraint("prescription_id", "fill_number", name="uq_fills_rx_number"),
        Index("ix_fills_status", "status"),
        # Covering index for the trace: batch → every column the trace reads, so the walk
        # from batches to fills never touches the table (an index-only scan).
        Index(
            "ix_fills_batch_trace",
            "batch_id", "id", "prescription_id", "quantity", "filled_on", "fill_number",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prescription_id: Mapped[int] = mapped_column(ForeignKey("prescriptions.id"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    fill_number: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[Decimal] = mapped_column(Mass())
    days_supply: Mapped[int | None] = mapped_column(Integer, nullable=True)
    filled_on: Mapped[date] = mapped_column(Date)
    filled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    filled_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    bud: Mapped[date] = mapped_column(Date)
    bud_warning: Mapped[str | None] = mapped_column(Text, nullable=True)
    bud_acknowledged_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True
    )
    course_number: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    step_positions: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    # USP <17> large print: the label's critical cluster at 14 pt or more.
    large_print: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # What the patient pays, fixed when it is filled (DOMAIN.md §12), and what it cost.
    price: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    cost: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)
    price_breakdown: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # The day this fill's supply runs out (pharmacy.models.search keeps it): refills due.
    supply_ends_on: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    # Dispensing (DOMAIN.md §9): filled → labeled → product_verified → ready → dispensed,
    # who and when at each step; or returned to stock when not collected in time.
    status: Mapped[str] = mapped_column(String(20), default="filled", server_default="filled")
    labeled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    labeled_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    product_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    product_verified_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True
    )
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ready_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    handover: Mapped[str | None] = mapped_column(String(10), nullable=True)
    dispensed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    dispensed_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id"), nullable=True
    )
    collected_by_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    collected_by_relation: Mapped[str | None] = mapped_column(String(10), nullable=True)
    counselling_offered: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    carrier: Mapped[str | None] = mapped_column(String(80), nullable=True)
    tracking_number: Mapped[str | None] = mapped_column(String(80), nullable=True)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    returned_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    return_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    returned_to_batch: Mapped[bool | None] = mapped_column(Boolean, nullable=True)

    batch = relationship("Batch", lazy="joined")
    prescription = relationship("Prescription", lazy="joined")


class Recall(Base):
    """A recall of an ingredient lot or a batch: who, why, when, and what it reached."""

    __tablename__ = "recalls"
    __table_args__ = (
        CheckConstraint(
            "(ingredient_lot_id IS NOT NULL AND batch_id IS NULL) OR "
            "(ingredient_lot_id IS NULL AND batch_id IS NOT NULL)",
            name="one_target",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ingredient_lot_id: Mapped[int | None] = mapped_column(
        ForeignKey("ingredient_lots.id"), nullable=True, index=True
    )
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("batches.id"), nullable=True, index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    recalled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recalled_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    recalled_by_name: Mapped[str] = mapped_column(String(200))
    quarantined_batch_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    affected_fill_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
