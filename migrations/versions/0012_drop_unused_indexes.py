"""drop two indexes no query uses

`ix_patients_last_name` (0001): intake finds a person through ix_patients_identity (0007),
whose first column is the lower-cased last name; nothing looks patients up by the last
name as typed. `ix_audit_events_occurred_at` (0001): nothing reads the audit trail by
time (`pharmacy audit verify` walks it by id, and the chain's order is the order of time).
Each cost every new patient or audit event one more index entry and its WAL record, on the
busiest write there is (bench/RESULTS.md, "Load").

Revision ID: 0012_drop_unused_indexes
Revises: 0011_rx_number_with_patient
Create Date: 2026-12-02 18:10:00
"""

from alembic import op

revision = "0012_drop_unused_indexes"
down_revision = "0011_rx_number_with_patient"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_index("ix_patients_last_name")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_occurred_at")


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_occurred_at", ["occurred_at"], unique=False)
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.create_index("ix_patients_last_name", ["last_name"], unique=False)
