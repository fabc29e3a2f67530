"""dispensing: the fill's life after filling, print stations and jobs, product checks

- fills: status (filled → labeled → product_verified → ready → dispensed, or returned),
  who and when at each step, the hand-over (pick-up by whom and counselling offered, or
  shipping with carrier and tracking) and a return to stock with its reason. Fills whose
  patient label was printed before this migration start as `labeled`.
- print_stations: the printers the admin set up (IPP/CUPS queue or ZPL on TCP 9100).
- print_jobs and product_checks: append-only logs, as print_log is.

Revision ID: 0016_dispensing
Revises: 0015_search
Create Date: 2026-12-03 11:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_dispensing"
down_revision = "0015_search"
branch_labels = None
depends_on = None

APPEND_ONLY = ("print_jobs", "product_checks")
TS = sa.DateTime(timezone=True)
MASS = sa.Numeric(14, 4, asdecimal=True)


def _user(name: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([name], ["users.id"], name=op.f(f"fk_{table}_{name}_users"))


FILL_COLUMNS = (
    ("labeled_at", TS),
    ("labeled_by_user_id", sa.Integer()),
    ("product_verified_at", TS),
    ("product_verified_by_user_id", sa.Integer()),
    ("ready_at", TS),
    ("ready_by_user_id", sa.Integer()),
    ("handover", sa.String(length=10)),
    ("dispensed_at", TS),
    ("dispensed_by_user_id", sa.Integer()),
    ("collected_by_name", sa.String(length=200)),
    ("collected_by_relation", sa.String(length=10)),
    ("counselling_offered", sa.Boolean()),
    ("carrier", sa.String(length=80)),
    ("tracking_number", sa.String(length=80)),
    ("returned_at", TS),
    ("returned_by_user_id", sa.Integer()),
    ("return_reason", sa.Text()),
    ("returned_to_batch", sa.Boolean()),
)
FILL_CHECKS = (
    (
        "status_known",
        "status IN ('filled', 'labeled', 'product_verified', 'ready', 'dispensed', 'returned')",
    ),
    ("handover_known", "handover IS NULL OR handover IN ('pickup', 'shipping')"),
    (
        "collected_by_known",
        "collected_by_relation IS NULL OR collected_by_relation IN ('patient', 'agent')",
    ),
    ("dispensed_has_time", "status <> 'dispensed' OR dispensed_at IS NOT NULL"),
)
FILL_USERS = (
    "labeled_by_user_id",
    "product_verified_by_user_id",
    "ready_by_user_id",
    "dispensed_by_user_id",
    "returned_by_user_id",
)


def _create_tables() -> None:
    op.create_table(
        "print_stations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("uri", sa.String(length=300), nullable=False),
        sa.Column("protocol", sa.String(length=10), nullable=False),
        sa.Column("stock", sa.String(length=20), nullable=False),
        sa.Column("dpi", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("protocol IN ('ipp', 'zpl')", name=op.f("ck_print_stations_protocol_known")),
        sa.CheckConstraint("dpi > 0", name=op.f("ck_print_stations_dpi_positive")),
        _user("created_by_user_id", "print_stations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_print_stations")),
        sa.UniqueConstraint("name", name=op.f("uq_print_stations_name")),
    )
    op.create_table(
        "print_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("copies", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=120), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("sent_at", TS, nullable=False),
        sa.Column("sent_by_user_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("outcome IN ('sent', 'failed')", name=op.f("ck_print_jobs_outcome_known")),
        sa.CheckConstraint(
            "outcome <> 'sent' OR job_id IS NOT NULL", name=op.f("ck_print_jobs_sent_has_job_id")
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["print_stations.id"], name=op.f("fk_print_jobs_station_id_print_stations")
        ),
        _user("sent_by_user_id", "print_jobs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_print_jobs")),
    )
    with op.batch_alter_table("print_jobs") as batch_op:
        batch_op.create_index("ix_print_jobs_document_entity", ["document", "entity_id"])
        batch_op.create_index(op.f("ix_print_jobs_station_id"), ["station_id"])
    op.create_table(
        "product_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fill_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("scanned_label", sa.String(length=120), nullable=False),
        sa.Column("scanned_lot", sa.String(length=120), nullable=False),
        sa.Column("quantity", MASS, nullable=True),
        sa.Column("checked_at", TS, nullable=False),
        sa.Column("checked_by_user_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('verified', 'refused')", name=op.f("ck_product_checks_outcome_known")
        ),
        sa.ForeignKeyConstraint(["fill_id"], ["fills.id"], name=op.f("fk_product_checks_fill_id_fills")),
        _user("checked_by_user_id", "product_checks"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_checks")),
    )
    with op.batch_alter_table("product_checks") as batch_op:
        batch_op.create_index(op.f("ix_product_checks_fill_id"), ["fill_id"])


def _append_only(table: str) -> None:
    for operation in ("UPDATE", "DELETE"):
        name = f"{table}_no_{operation.lower()}"
        message = f"{table} is append-only: UPDATE and DELETE are refused"
        if op.get_bind().dialect.name == "postgresql":
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {operation} ON {table} FOR EACH ROW "
                f"EXECUTE FUNCTION pharmacy_refuse_change('{message}')"
            )
        else:
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {operation} ON {table} FOR EACH ROW "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )


def upgrade() -> None:
    with op.batch_alter_table("fills") as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=20), server_default="filled", nullable=False)
        )
        for name, type_ in FILL_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
        for name, condition in FILL_CHECKS:
            batch_op.create_check_constraint(op.f(f"ck_fills_{name}"), condition)
        for name in FILL_USERS:
            batch_op.create_foreign_key(op.f(f"fk_fills_{name}_users"), "users", [name], ["id"])
        batch_op.create_index("ix_fills_status", ["status"])
    # A fill whose patient label was printed before is labeled (by its first print).
    op.execute(
        "UPDATE fills SET status = 'labeled', "
        "labeled_at = (SELECT MIN(printed_at) FROM print_log WHERE document = 'patient_label' "
        "AND entity_id = fills.id), "
        "labeled_by_user_id = (SELECT printed_by_user_id FROM print_log "
        "WHERE document = 'patient_label' AND entity_id = fills.id ORDER BY id LIMIT 1) "
        "WHERE EXISTS (SELECT 1 FROM print_log WHERE document = 'patient_label' "
        "AND entity_id = fills.id)"
    )
    _create_tables()
    for table in APPEND_ONLY:
        _append_only(table)


def downgrade() -> None:
    for table in APPEND_ONLY:
        for operation in ("update", "delete"):
            if op.get_bind().dialect.name == "postgresql":
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation} ON {table}")
            else:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation}")
    op.drop_table("product_checks")
    op.drop_table("print_jobs")
    op.drop_table("print_stations")
    with op.batch_alter_table("fills") as batch_op:
        batch_op.drop_index("ix_fills_status")
        for name in FILL_USERS:
            batch_op.drop_constraint(op.f(f"fk_fills_{name}_users"), type_="foreignkey")
        for name, _condition in FILL_CHECKS:
            batch_op.drop_constraint(op.f(f"ck_fills_{name}"), type_="check")
        for name, _type in reversed(FILL_COLUMNS):
            batch_op.drop_column(name)
        batch_op.drop_column("status")
