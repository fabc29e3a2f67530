"""truncate guard: TRUNCATE is refused on the audit trail and every clinical table

0003 (and 0016) refuse row DELETEs, but TRUNCATE is not a row change and fired no trigger:
as the app's database user `TRUNCATE audit_events CASCADE` or `TRUNCATE prescriptions
CASCADE` emptied the history. On PostgreSQL a statement-level BEFORE TRUNCATE trigger now
refuses it on audit_events, audit_chain_head and every table that refuses DELETE (found
by its `<table>_no_delete` trigger), with the same plpgsql function as 0003. The chain head
row also refuses DELETE on both databases. SQLite has no TRUNCATE (its `DELETE FROM t`
fires the row triggers). Test clean-up, as a superuser, sets session_replication_role to
replica, which skips these triggers (tests/conftest.py).

Revision ID: 0019_truncate_guard
Revises: 0018_label_language
Create Date: 2026-12-03 12:00:00
"""

from alembic import op
from sqlalchemy import text

revision = "0019_truncate_guard"
down_revision = "0018_label_language"
branch_labels = None
depends_on = None

AUDIT_TABLES = ("audit_events", "audit_chain_head")
HEAD_MESSAGE = "audit_chain_head is never deleted: the chain would lose its anchor"
PROTECTED_TABLES = text(
    "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema() AND NOT t.tgisinternal "
    "AND t.tgname = c.relname || '_no_delete' ORDER BY 1"
)


def _truncate_tables() -> list[str]:
    found = [row[0] for row in op.get_bind().execute(PROTECTED_TABLES)]
    return sorted(set(found) | set(AUDIT_TABLES))


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _truncate_tables():
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION "
                f"pharmacy_refuse_change('{table} is never truncated: its history is kept')"
            )
        op.execute(
            "CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head "
            f"FOR EACH ROW EXECUTE FUNCTION pharmacy_refuse_change('{HEAD_MESSAGE}')"
        )
    else:
        op.execute(
            "CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head "
            f"FOR EACH ROW BEGIN SELECT RAISE(ABORT, '{HEAD_MESSAGE}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_chain_head_no_delete ON audit_chain_head")
        rows = op.get_bind().execute(
            text("SELECT tgname, tgrelid::regclass::text FROM pg_trigger "
                 "WHERE tgname LIKE '%\\_no\\_truncate'")
        )
        for name, table in list(rows):
            op.execute(f'DROP TRIGGER IF EXISTS "{name}" ON {table}')
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_chain_head_no_delete")
