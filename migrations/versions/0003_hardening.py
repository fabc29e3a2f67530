"""hardening: the database refuses to rewrite the audit trail or hard-delete clinical records

The audit table refuses UPDATE and DELETE; clinical tables refuse DELETE (a correction is a
new version and the old one is voided with a reason). On SQLite: BEFORE triggers that
RAISE(ABORT); on PostgreSQL: one plpgsql function raising an exception, attached by
row-level BEFORE triggers. TRUNCATE (an administrator's whole-table operation, used by the
test suite to reset a database) is not a row change and is not covered.

Revision ID: 0003_hardening
Revises: 0002_stock
Create Date: 2026-11-21
"""

from alembic import op

revision = "0003_hardening"
down_revision = "0002_stock"
branch_labels = None
depends_on = None

AUDIT_TABLE = "audit_events"
# Records a pharmacy must keep (DOMAIN.md §10): never hard-deleted.
CLINICAL_TABLES = (
    "patients",
    "prescribers",
    "prescriptions",
    "prescription_steps",
    "items",
    "ingredient_lots",
    "formulas",
    "batches",
    "batch_components",
    "fills",
    "recalls",
)


def _protections() -> list[tuple[str, str]]:
    """(table, operation) pairs the database refuses."""
    pairs = [(AUDIT_TABLE, "UPDATE"), (AUDIT_TABLE, "DELETE")]
    pairs += [(table, "DELETE") for table in CLINICAL_TABLES]
    return pairs


def _message(table: str, operation: str) -> str:
    if table == AUDIT_TABLE:
        return "audit_events is append-only: UPDATE and DELETE are refused"
    return f"{table} rows are never deleted: void them with a reason instead"


def _trigger_name(table: str, operation: str) -> str:
    return f"{table}_no_{operation.lower()}"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            """
            CREATE OR REPLACE FUNCTION pharmacy_refuse_change() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
            END;
            $$
            """
        )
        for table, operation in _protections():
            op.execute(
                f"CREATE TRIGGER {_trigger_name(table, operation)} "
                f"BEFORE {operation} ON {table} FOR EACH ROW "
                f"EXECUTE FUNCTION pharmacy_refuse_change('{_message(table, operation)}')"
            )
    else:
        for table, operation in _protections():
            op.execute(
                f"CREATE TRIGGER {_trigger_name(table, operation)} "
                f"BEFORE {operation} ON {table} FOR EACH ROW "
                f"BEGIN SELECT RAISE(ABORT, '{_message(table, operation)}'); END"
            )


def downgrade() -> None:
    bind = op.get_bind()
    for table, operation in _protections():
        if bind.dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {_trigger_name(table, operation)} ON {table}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {_trigger_name(table, operation)}")
    if bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS pharmacy_refuse_change()")
