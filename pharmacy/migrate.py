"""Run Alembic from the app: `pharmacy db upgrade` and the migration test use this."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


# What migrations make for one database only, outside the models: SQLite's FTS5 search
# table (and the shadow tables FTS5 keeps) and PostgreSQL's pg_trgm indexes (0015).
SEARCH_TABLE_PREFIX = "patient_search"
TRIGRAM_INDEX_PREFIX = "ix_trgm_"


def include_name(name: str | None, type_: str, _parent_names: object) -> bool:
    """Alembic's `include_name`: leave the per-database search objects out of the
    comparison of the models with the database."""
    if type_ == "table" and name and name.startswith(SEARCH_TABLE_PREFIX):
        return False
    return not (type_ == "index" and name and name.startswith(TRIGRAM_INDEX_PREFIX))


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    from pharmacy.db import private_sqlite_file

    private_sqlite_file(database_url)
    command.upgrade(alembic_config(database_url), revision)


def revision(database_url: str, message: str, rev_id: str) -> None:
    command.revision(
        alembic_config(database_url), message=message, autogenerate=True, rev_id=rev_id
    )
