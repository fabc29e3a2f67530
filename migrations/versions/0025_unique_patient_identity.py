"""one record per person, held by the database: ix_patients_identity becomes UNIQUE

Intake finds a person by name (any case) and date of birth. Until now a lock on the Rx
number's counter, taken before that look-up and held to COMMIT, kept two intakes for the
same new person from making two records; that lock then covered the look-up and the
patient's INSERT as well, and every intake queued behind it. With the index unique, the
database itself refuses a second record for the same person, whoever writes it, and intake
looks the person up before it takes the Rx number (pharmacy.services.prescriptions.patients).

A database that already holds two records of one person cannot take the index: the
upgrade stops and says how many, and the records must be merged by a pharmacist first.

Revision ID: 0025_unique_patient_identity
Revises: 0024_refills_due
Create Date: 2026-12-03 16:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_unique_patient_identity"
down_revision = "0024_refills_due"
branch_labels = None
depends_on = None

_COLUMNS = [sa.text("lower(last_name)"), sa.text("lower(first_name)"), "date_of_birth"]

_TWINS = sa.text(
    "SELECT count(*) FROM (SELECT 1 FROM patients "
    "GROUP BY lower(last_name), lower(first_name), date_of_birth HAVING count(*) > 1) AS twins"
)


def upgrade() -> None:
    twins = op.get_bind().execute(_TWINS).scalar_one()
    if twins:
        raise RuntimeError(
            f"{twins} person(s) have more than one patient record (same name in any case and "
            "date of birth); merge them before upgrading (ix_patients_identity becomes unique)"
        )
    op.drop_index("ix_patients_identity", table_name="patients")
    op.create_index("ix_patients_identity", "patients", _COLUMNS, unique=True)


def downgrade() -> None:
    op.drop_index("ix_patients_identity", table_name="patients")
    op.create_index("ix_patients_identity", "patients", _COLUMNS, unique=False)
