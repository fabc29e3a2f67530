"""label language and large print: a patient's language (BCP 47, default en) and a fill's
large-print request (issue 19)

Revision ID: 0018_label_language
Revises: 0017_money
Create Date: 2026-12-03 11:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_label_language"
down_revision = "0017_money"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN with a constant default: no table rebuild on SQLite, so the rows
    # that reference these tables are never touched.
    op.add_column(
        "patients", sa.Column("language", sa.String(35), nullable=False, server_default="en")
    )
    op.add_column(
        "fills",
        sa.Column("large_print", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("fills") as batch_op:
        batch_op.drop_column("large_print")
    with op.batch_alter_table("patients") as batch_op:
        batch_op.drop_column("language")
