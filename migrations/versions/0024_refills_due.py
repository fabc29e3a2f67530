"""refills due by an index: each prescription keeps the day its newest fill's supply runs
out (`prescriptions.supply_ends_on`, kept by pharmacy.models.search as fills are made or
corrected), with a partial index over the prescriptions that can be refilled (refills
left, verified or filled), so the dashboard's refills-due count is one index range count
instead of a look-up per fill in the window (issue 22, bench/bench_search.py); and
`prescriptions (prescriber_id, created_at)` for a prescriber's newest prescriptions
(search by prescriber), and on PostgreSQL a pg_trgm index on prescribers' search text as
patients have (0015).

Revision ID: 0024_refills_due
Revises: 0023_fill_payments
Create Date: 2026-12-03 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_refills_due"
down_revision = "0023_fill_payments"
branch_labels = None
depends_on = None

REFILLABLE = "refills_remaining > 0 AND status IN ('verified', 'filled')"


def upgrade() -> None:
    with op.batch_alter_table("prescriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("supply_ends_on", sa.Date(), nullable=True))
    # The newest fill (highest fill number) of each prescription gives the day.
    op.execute(
        "UPDATE prescriptions SET supply_ends_on = (SELECT f.supply_ends_on FROM fills f "
        "WHERE f.prescription_id = prescriptions.id ORDER BY f.fill_number DESC LIMIT 1)"
    )
    op.create_index(
        "ix_prescriptions_refills_due",
        "prescriptions",
        ["supply_ends_on"],
        postgresql_where=sa.text(REFILLABLE),
        sqlite_where=sa.text(REFILLABLE),
    )
    op.create_index(
        "ix_prescriptions_prescriber_created", "prescriptions", ["prescriber_id", "created_at"]
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_trgm_prescribers_search_name ON prescribers "
            "USING gin (search_name gin_trgm_ops)"
        )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_trgm_prescribers_search_name")
    op.drop_index("ix_prescriptions_prescriber_created", table_name="prescriptions")
    op.drop_index("ix_prescriptions_refills_due", table_name="prescriptions")
    with op.batch_alter_table("prescriptions", schema=None) as batch_op:
        batch_op.drop_column("supply_ends_on")
