"""drop the date-of-birth index that ix_patients_identity made redundant

Intake finds a person through ix_patients_identity (0007). The older index on date of birth
alone (0005) served no query any more, and it misled PostgreSQL: a prepared look-up whose
generic plan was made while the table was small could pick it, and from then on filtered
every patient born that day on each intake (bench/RESULTS.md, "Load").

Revision ID: 0009_drop_birth_date_index
Revises: 0008_audit_head_follows
Create Date: 2026-11-22 05:40:00
"""

from alembic import op

revision = "0009_drop_birth_date_index"
down_revision = "0008_audit_head_follows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_index("ix_patients_date_of_birth")


def downgrade() -> None:
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.create_index("ix_patients_date_of_birth", ["date_of_birth"], unique=False)
