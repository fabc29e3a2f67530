"""external identifiers: an electronic order keeps the sender's identifiers

- prescriptions.external_identifier: the FHIR MedicationRequest.identifier list (system
  and value of each) as the sender gave it.
- prescriptions.group_identifier: the FHIR MedicationRequest.groupIdentifier.

Revision ID: 0014_external_identifiers
Revises: 0013_one_data_path
Create Date: 2026-12-03 10:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_external_identifiers"
down_revision = "0013_one_data_path"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("prescriptions") as batch:
        batch.add_column(sa.Column("external_identifier", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("group_identifier", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("prescriptions") as batch:
        batch.drop_column("group_identifier")
        batch.drop_column("external_identifier")
