"""one record per person, held by the database: `patients.identity_name` (the name folded
in Python, the same on both databases) and the date of birth under the unique
ix_patients_identity, which replaces 0007's lower()-expression index

Intake finds a person by name (any case and spacing) and date of birth. Until now a lock on
the Rx number's counter, taken before that look-up and held to COMMIT, kept two intakes for
the same new person from making two records; that lock then covered the look-up and the
patient's INSERT as well, and every intake queued behind it. With the key unique, the
database itself refuses a second record for the same person, whoever writes it, and intake
looks the person up before it takes the Rx number (pharmacy.services.prescriptions.patients).
The fold is Python's (pharmacy.models.identity): SQLite's lower() folds only ASCII letters.

A database that already holds two records of one person cannot take the index: the upgrade
stops and says how many, and a pharmacist merges the records first.

Revision ID: 0025_unique_patient_identity
Revises: 0024_refills_due
Create Date: 2026-12-03 16:40:00
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0025_unique_patient_identity"
down_revision = "0024_refills_due"
branch_labels = None
depends_on = None

# As pharmacy.models.identity folds names on this revision (a migration keeps its own copy,
# so that a later change of the model cannot change what this one did).
_SEPARATOR = "\x1f"


def _folded(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def _identity(first_name: str, last_name: str) -> str:
    return _SEPARATOR.join(_folded(name or "") for name in (last_name, first_name))


_PATIENTS = sa.table(
    "patients",
    sa.column("id", sa.Integer),
    sa.column("first_name", sa.String),
    sa.column("last_name", sa.String),
    sa.column("identity_name", sa.Text),
)

_TWINS = sa.text(
    "SELECT count(*) FROM (SELECT 1 FROM patients "
    "GROUP BY identity_name, date_of_birth HAVING count(*) > 1) AS twins"
)


def upgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        batch.add_column(sa.Column("identity_name", sa.Text(), server_default="", nullable=False))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_PATIENTS.c.id, _PATIENTS.c.first_name, _PATIENTS.c.last_name)
    ).all()
    if rows:
        bind.execute(
            _PATIENTS.update()
            .where(_PATIENTS.c.id == sa.bindparam("patient_id"))
            .values(identity_name=sa.bindparam("identity")),
            [{"patient_id": i, "identity": _identity(first, last)} for i, first, last in rows],
        )
    twins = bind.execute(_TWINS).scalar_one()
    if twins:
        raise RuntimeError(
            f"{twins} person(s) have more than one patient record (same name, case and "
            "spacing aside, and date of birth); merge them before upgrading "
            "(ix_patients_identity becomes unique)"
        )
    op.drop_index("ix_patients_identity", table_name="patients")
    op.create_index(
        "ix_patients_identity", "patients", ["identity_name", "date_of_birth"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ix_patients_identity", table_name="patients")
    op.create_index(
        "ix_patients_identity",
        "patients",
        [sa.text("lower(last_name)"), sa.text("lower(first_name)"), "date_of_birth"],
        unique=False,
    )
    with op.batch_alter_table("patients") as batch:
        batch.drop_column("identity_name")
