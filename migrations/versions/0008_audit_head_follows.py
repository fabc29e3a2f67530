"""the audit chain head follows every appended event, inside the database

Before: a transaction appended its events and then moved the head with an UPDATE of its
own, one more round trip on every write. Now the database moves it as part of the INSERT:
on PostgreSQL a statement-level trigger (one UPDATE per INSERT, from its transition table);
on SQLite, which has no statement-level triggers, a row-level one. The head row is still
locked by the writer before it chains (pharmacy/audit.py), so the newest event is the head.

Revision ID: 0008_audit_head_follows
Revises: 0007_patient_identity
Create Date: 2026-11-22 04:00:00
"""

from alembic import op

revision = "0008_audit_head_follows"
down_revision = "0007_patient_identity"
branch_labels = None
depends_on = None

TRIGGER = "audit_events_move_head"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE OR REPLACE FUNCTION pharmacy_audit_move_head() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE audit_chain_head AS head
                   SET last_event_id = newest.id, last_hash = newest.row_hash
                  FROM (SELECT id, row_hash FROM appended ORDER BY id DESC LIMIT 1) AS newest
                 WHERE head.id = 1;
                RETURN NULL;
            END;
            $$
            """
        )
        op.execute(
            f"CREATE TRIGGER {TRIGGER} AFTER INSERT ON audit_events "
            "REFERENCING NEW TABLE AS appended "
            "FOR EACH STATEMENT EXECUTE FUNCTION pharmacy_audit_move_head()"
        )
    else:
        op.execute(
            f"CREATE TRIGGER {TRIGGER} AFTER INSERT ON audit_events FOR EACH ROW "
            "BEGIN UPDATE audit_chain_head SET last_event_id = NEW.id, "
            "last_hash = NEW.row_hash WHERE id = 1; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS pharmacy_audit_move_head()")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")
