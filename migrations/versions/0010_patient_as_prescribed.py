"""keep each prescription's patient details as its prescriber sent them

A person has one patient record, matched by name and date of birth, that every new
prescription brings up to date. What a prescription shows (and what its pharmacist
verified) must not change when a later prescription, perhaps from another prescriber,
updates that record: each prescription now keeps the address, phone, allergies and
current medications it came with. Existing prescriptions take the record as it is now,
the best that is known of what they came with.

Revision ID: 0010_patient_as_prescribed
Revises: 0009_drop_birth_date_index
Create Date: 2026-11-22 07:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_patient_as_prescribed"
down_revision = "0009_drop_birth_date_index"
branch_labels = None
depends_on = None

DETAILS = ("address", "phone", "allergies", "current_medications")


def upgrade() -> None:
    with op.batch_alter_table("prescriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("patient_details", sa.JSON(), nullable=True))
    prescriptions = sa.table(
        "prescriptions",
        sa.column("id", sa.Integer),
        sa.column("patient_id", sa.Integer),
        sa.column("patient_details", sa.JSON),
    )
    patients = sa.table(
        "patients",
        sa.column("id", sa.Integer),
        *(sa.column(name, sa.JSON if name in ("allergies", "current_medications") else sa.Text)
          for name in DETAILS),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(prescriptions.c.id, *(patients.c[name] for name in DETAILS)).join(
            patients, patients.c.id == prescriptions.c.patient_id
        )
    ).all()
    if rows:
        connection.execute(
            prescriptions.update()
            .where(prescriptions.c.id == sa.bindparam("rx_id"))
            .values(patient_details=sa.bindparam("details")),
            [
                {
                    "rx_id": row.id,
                    "details": {
                        "address": row.address or "",
                        "phone": row.phone or "",
                        "allergies": list(row.allergies or []),
                        "current_medications": list(row.current_medications or []),
                    },
                }
                for row in rows
            ],
        )


def downgrade() -> None:
    with op.batch_alter_table("prescriptions", schema=None) as batch_op:
        batch_op.drop_column("patient_details")
