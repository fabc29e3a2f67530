"""sign-in edges: failed attempts keyed by account and client address, and their kind

A failed sign-in is now throttled per (account, client address), so someone guessing from
elsewhere cannot lock the real user out; refused e-signatures count against the same
account. Both digests only: no username or address is stored.

Revision ID: 0021_sign_in_edges
Revises: 0020_weight_corrections
Create Date: 2026-12-03 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_sign_in_edges"
down_revision = "0020_weight_corrections"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("client_hash", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("kind", sa.String(length=12), server_default="sign_in", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_column("kind")
        batch_op.drop_column("client_hash")
