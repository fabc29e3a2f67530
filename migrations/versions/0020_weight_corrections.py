"""weight corrections: a mistyped weight corrected at the bench before the final check,
the first value kept beside the corrected one

Revision ID: 0020_weight_corrections
Revises: 0019_truncate_guard
Create Date: 2026-12-03 11:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_weight_corrections"
down_revision = "0019_truncate_guard"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batches") as batch_op:
        batch_op.add_column(sa.Column("weight_corrections", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batches") as batch_op:
        batch_op.drop_column("weight_corrections")
