"""money: a lot's purchase cost and invoice, a batch's cost, a fill's price (issue 24)

Revision ID: 0017_money
Revises: 0016_dispensing
Create Date: 2026-12-03 11:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_money"
down_revision = "0016_dispensing"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(12, 2, asdecimal=True)


def upgrade() -> None:
    with op.batch_alter_table("ingredient_lots") as batch_op:
        batch_op.add_column(sa.Column("purchase_cost", MONEY, nullable=True))
        batch_op.add_column(
            sa.Column("invoice_reference", sa.String(80), nullable=False, server_default="")
        )
        batch_op.create_check_constraint(
            "cost_not_negative", "purchase_cost IS NULL OR purchase_cost >= 0"
        )
    with op.batch_alter_table("batches") as batch_op:
        batch_op.add_column(sa.Column("cost_total", MONEY, nullable=True))
        batch_op.add_column(
            sa.Column("unit_cost", sa.Numeric(14, 6, asdecimal=True), nullable=True)
        )
        batch_op.add_column(sa.Column("cost_breakdown", sa.JSON(), nullable=True))
    with op.batch_alter_table("fills") as batch_op:
        batch_op.add_column(sa.Column("price", MONEY, nullable=True))
        batch_op.add_column(sa.Column("currency", sa.String(3), nullable=True))
        batch_op.add_column(sa.Column("cost", MONEY, nullable=True))
        batch_op.add_column(sa.Column("price_breakdown", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fills") as batch_op:
        for name in ("price_breakdown", "cost", "currency", "price"):
            batch_op.drop_column(name)
    with op.batch_alter_table("batches") as batch_op:
        for name in ("cost_breakdown", "unit_cost", "cost_total"):
            batch_op.drop_column(name)
    with op.batch_alter_table("ingredient_lots") as batch_op:
        batch_op.drop_constraint("cost_not_negative", type_="check")
        batch_op.drop_column("invoice_reference")
        batch_op.drop_column("purchase_cost")
