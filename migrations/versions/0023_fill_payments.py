"""fill payments: what was paid at hand-over, how, who took it and when (issue 24)

`fill_payments`: one row a fill (the hand-over happens once), amount in whole cents,
method cash/card/check/other, the currency, who took it (user id and name) and when.
Append-only like the other records of money and dispensing: UPDATE and DELETE are refused
on both databases, TRUNCATE on PostgreSQL (as 0019 does for every such table).

Revision ID: 0023_fill_payments
Revises: 0022_clinical_context
Create Date: 2026-12-03 13:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_fill_payments"
down_revision = "0022_clinical_context"
branch_labels = None
depends_on = None

TABLE = "fill_payments"
MESSAGE = f"{TABLE} is append-only: UPDATE and DELETE are refused"


def _guard(name: str, when: str, message: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        scope = "STATEMENT" if when == "TRUNCATE" else "ROW"
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {when} ON {TABLE} FOR EACH {scope} "
            f"EXECUTE FUNCTION pharmacy_refuse_change('{message}')"
        )
    elif when != "TRUNCATE":
        op.execute(
            f"CREATE TRIGGER {name} BEFORE {when} ON {TABLE} FOR EACH ROW "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fill_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2, asdecimal=True), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_by_user_id", sa.Integer(), nullable=True),
        sa.Column("taken_by_name", sa.String(length=200), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_fill_payments_amount_not_negative")),
        sa.CheckConstraint(
            "method IN ('cash', 'card', 'check', 'other')",
            name=op.f("ck_fill_payments_method_known"),
        ),
        sa.ForeignKeyConstraint(
            ["fill_id"], ["fills.id"], name=op.f("fk_fill_payments_fill_id_fills")
        ),
        sa.ForeignKeyConstraint(
            ["taken_by_user_id"], ["users.id"], name=op.f("fk_fill_payments_taken_by_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fill_payments")),
        sa.UniqueConstraint("fill_id", name=op.f("uq_fill_payments_fill_id")),
    )
    _guard(f"{TABLE}_no_update", "UPDATE", MESSAGE)
    _guard(f"{TABLE}_no_delete", "DELETE", MESSAGE)
    _guard(f"{TABLE}_no_truncate", "TRUNCATE", f"{TABLE} is never truncated: its history is kept")


def downgrade() -> None:
    op.drop_table(TABLE)
