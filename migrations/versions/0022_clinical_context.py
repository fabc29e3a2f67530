"""clinical context: the patient's conditions, the prescription's indication and screen

Issue 25: `patients.conditions` (a JSON list, kept like allergies), `prescriptions.indication`
({"text", "icd10"}) and issue 20: `prescriptions.screen` (the clinical screen's structured
findings beside hold_reasons and warnings).

Revision ID: 0022_clinical_context
Revises: 0021_sign_in_edges
Create Date: 2026-12-03 11:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_clinical_context"
down_revision = "0021_sign_in_edges"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild on SQLite, where patients are referenced by
    # prescriptions and fills): existing patients start with no conditions.
    op.add_column(
        "patients",
        sa.Column("conditions", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )
    op.add_column("prescriptions", sa.Column("indication", sa.JSON(), nullable=True))
    op.add_column("prescriptions", sa.Column("screen", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("prescriptions", "screen")
    op.drop_column("prescriptions", "indication")
    op.drop_column("patients", "conditions")
