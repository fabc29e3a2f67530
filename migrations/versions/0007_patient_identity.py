"""patients found by name (any case) and date of birth through one index

Revision ID: 0007_patient_identity
Revises: 0006_fill_courses
Create Date: 2026-11-22 02:10:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0007_patient_identity'
down_revision = '0006_fill_courses'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Intake looks a person up by lower(last name), lower(first name) and date of birth;
    # the date-of-birth index alone leaves every patient born that day to be filtered.
    op.create_index(
        'ix_patients_identity',
        'patients',
        [sa.text('lower(last_name)'), sa.text('lower(first_name)'), 'date_of_birth'],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index('ix_patients_identity', table_name='patients')
