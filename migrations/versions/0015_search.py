"""search: folded search text on patients and prescribers, its index per database
(pg_trgm GIN on PostgreSQL, an FTS5 trigram table on SQLite), the day each fill's supply
runs out, and refill requests

PostgreSQL: `CREATE EXTENSION pg_trgm` needs a role allowed to create extensions (the
database owner on PostgreSQL 13+ for this trusted extension, or a superuser); README says so.

Revision ID: 0015_search
Revises: 0014_external_identifiers
Create Date: 2026-12-03 10:50:00
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0015_search"
down_revision = "0014_external_identifiers"
branch_labels = None
depends_on = None

# The folding of pharmacy.models.search as it stands at this revision (migrations never
# import app code): existing rows get the same search text new rows will.
SPELT_OUT = str.maketrans({
    "ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d",
    "ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "þ": "th",
    "Þ": "th", "ı": "i", "ħ": "h", "Ħ": "h", "ŋ": "n", "Ŋ": "n",
})
NOT_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(SPELT_OUT))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return NOT_WORD.sub(" ", bare.translate(SPELT_OUT).casefold()).strip()


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isascii() and ch.isdigit())


FTS_TRIGGERS = {
    "patients_search_ai": "AFTER INSERT ON patients BEGIN "
    "INSERT INTO patient_search(rowid, search_name) VALUES (new.id, new.search_name); END",
    "patients_search_ad": "AFTER DELETE ON patients BEGIN "
    "INSERT INTO patient_search(patient_search, rowid, search_name) "
    "VALUES ('delete', old.id, old.search_name); END",
    "patients_search_au": "AFTER UPDATE OF search_name ON patients BEGIN "
    "INSERT INTO patient_search(patient_search, rowid, search_name) "
    "VALUES ('delete', old.id, old.search_name); "
    "INSERT INTO patient_search(rowid, search_name) VALUES (new.id, new.search_name); END",
}


def _backfill() -> None:
    bind = op.get_bind()
    patients = bind.execute(
        sa.text("SELECT id, first_name, last_name, date_of_birth, phone FROM patients")
    ).all()
    for pid, first, last, born, phone in patients:
        born_text = born.isoformat() if hasattr(born, "isoformat") else str(born or "")
        parts = [fold(first or ""), fold(last or ""), born_text, _digits(phone or "")]
        bind.execute(
            sa.text("UPDATE patients SET search_name = :s WHERE id = :i"),
            {"s": " ".join(p for p in parts if p), "i": pid},
        )
    for pid, name, npi in bind.execute(sa.text("SELECT id, full_name, npi FROM prescribers")):
        bind.execute(
            sa.text("UPDATE prescribers SET search_name = :s WHERE id = :i"),
            {"s": " ".join(p for p in (fold(name or ""), npi) if p), "i": pid},
        )
    if bind.dialect.name == "postgresql":
        op.execute("UPDATE fills SET supply_ends_on = filled_on + days_supply "
                   "WHERE days_supply IS NOT NULL")
    else:
        op.execute("UPDATE fills SET supply_ends_on = date(filled_on, '+' || days_supply "
                   "|| ' days') WHERE days_supply IS NOT NULL")


def _refill_requests() -> None:
    op.create_table(
        "refill_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prescription_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("requested_by_name", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by_user_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by_user_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status = 'open' OR (closed_at IS NOT NULL AND closed_by_user_id IS NOT NULL)",
            name=op.f("ck_refill_requests_closed_has_who"),
        ),
        sa.CheckConstraint(
            "source IN ('phone', 'prescriber_portal', 'fax', 'in_person')",
            name=op.f("ck_refill_requests_source_known"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'done', 'declined')", name=op.f("ck_refill_requests_status_known")
        ),
        sa.ForeignKeyConstraint(["closed_by_user_id"], ["users.id"],
                                name=op.f("fk_refill_requests_closed_by_user_id_users")),
        sa.ForeignKeyConstraint(["prescription_id"], ["prescriptions.id"],
                                name=op.f("fk_refill_requests_prescription_id_prescriptions")),
        sa.ForeignKeyConstraint(["recorded_by_user_id"], ["users.id"],
                                name=op.f("fk_refill_requests_recorded_by_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refill_requests")),
    )
    with op.batch_alter_table("refill_requests", schema=None) as batch_op:
        batch_op.create_index("ix_refill_requests_prescription_id", ["prescription_id"])
        batch_op.create_index("ix_refill_requests_status_requested", ["status", "requested_at"])


def upgrade() -> None:
    for table in ("patients", "prescribers"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("search_name", sa.Text(), server_default="", nullable=False)
            )
    with op.batch_alter_table("fills", schema=None) as batch_op:
        batch_op.add_column(sa.Column("supply_ends_on", sa.Date(), nullable=True))
        batch_op.create_index("ix_fills_supply_ends_on", ["supply_ends_on"], unique=False)
    _refill_requests()
    _backfill()
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_trgm_patients_search_name ON patients "
                   "USING gin (search_name gin_trgm_ops)")
        return
    op.execute("CREATE VIRTUAL TABLE patient_search USING fts5(search_name, "
               "content='patients', content_rowid='id', tokenize='trigram')")
    for name, body in FTS_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.execute("INSERT INTO patient_search(patient_search) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_trgm_patients_search_name")
    else:
        for name in FTS_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS patient_search")
    op.drop_table("refill_requests")
    with op.batch_alter_table("fills", schema=None) as batch_op:
        batch_op.drop_index("ix_fills_supply_ends_on")
        batch_op.drop_column("supply_ends_on")
    for table in ("prescribers", "patients"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("search_name")
