"""one data path: the audit head moved by the writer, no intake function, events by time

- Drops migration 0011's function (intake's Rx number and patient look-up in one round
  trip): intake runs the two statements itself on both databases. The look-up is its own
  statement after the counter's row lock, so under READ COMMITTED it sees the record a
  concurrent intake for the same person committed, and twins stay impossible.
- Drops migration 0008's trigger: the audit writer (pharmacy/audit.py) moves the chain
  head itself, in the same transaction and under the same lock as the events it appends,
  so the trail has one writer on both databases.
- Restores the index on the audit events' time (0012 dropped it): an inspector asks
  "what happened on that day".

Revision ID: 0013_one_data_path
Revises: 0012_drop_unused_indexes
Create Date: 2026-12-03 11:00:00
"""

import importlib.util
from pathlib import Path
from typing import Any

from alembic import op

revision = "0013_one_data_path"
down_revision = "0012_drop_unused_indexes"
branch_labels = None
depends_on = None

HEAD_TRIGGER = "audit_events_move_head"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION IF EXISTS pharmacy_take_number_and_find_patient("
            "varchar, integer, varchar, varchar, date)"
        )
        op.execute(f"DROP TRIGGER IF EXISTS {HEAD_TRIGGER} ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS pharmacy_audit_move_head()")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {HEAD_TRIGGER}")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_occurred_at", ["occurred_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_occurred_at")
    # 0008's trigger and 0011's function, as those revisions create them.
    for name in ("0008_audit_head_follows", "0011_rx_number_with_patient"):
        _revision(name).upgrade()


def _revision(name: str) -> Any:
    path = Path(__file__).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"pharmacy_migration_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
