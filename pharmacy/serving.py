"""How `pharmacy serve` runs: gunicorn's threaded workers, and the database role it must
not run as in production.

A sync worker serves one connection at a time, so a client that sends its headers and
then trickles its body holds a whole worker; two such clients stalled both workers and
every other request waited about 30 s. gthread workers hand each connection to one of
their threads, and idle keep-alive connections are closed after a few seconds, so a few
slow clients take a few threads while the rest keep answering. Facing the internet, put a
buffering proxy (nginx) in front as well: it reads whole requests before passing them on.
"""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

THREADS_PER_WORKER = 8
KEEP_ALIVE_SECONDS = 2
TIMEOUT_SECONDS = 30
GRACEFUL_TIMEOUT_SECONDS = 10
# Each request's line in the access log: method, path and status, never the query string
# or the referring page's address. A search (`/api/v1/search?q=`) and the patient list
# (`?q=&date_of_birth=`) carry a patient's name or date of birth there, and gunicorn's
# default line ("%(r)s", the whole request line) would keep them in the log. `%(M)s` is
# the time taken, in milliseconds.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'


def gunicorn_argv(
    gunicorn: str, bind: str, workers: int, threads: int, app: str = "wsgi:app"
) -> list[str]:
    """The command `pharmacy serve` runs (`app`: another WSGI app under the same settings,
    the load benchmark's floor)."""
    return [
        gunicorn,
        "--bind", bind,
        "--workers", str(workers),
        "--worker-class", "gthread",
        "--threads", str(threads),
        "--keep-alive", str(KEEP_ALIVE_SECONDS),
        "--timeout", str(TIMEOUT_SECONDS),
        "--graceful-timeout", str(GRACEFUL_TIMEOUT_SECONDS),
        "--access-logfile", "-",
        "--access-logformat", ACCESS_LOG_FORMAT,
        app,
    ]  # fmt: skip


_ROLE = text(
    """
    SELECT current_user AS name, r.rolsuper AS superuser,
           pg_get_userbyid(d.datdba) = current_user AS owns_database,
           EXISTS (SELECT 1 FROM pg_tables t WHERE t.schemaname = current_schema()
                   AND t.tableowner = current_user) AS owns_tables,
           has_schema_privilege(current_schema(), 'CREATE') AS can_create,
           EXISTS (SELECT 1 FROM pg_tables t WHERE t.schemaname = current_schema()
                   AND has_table_privilege(format('%I.%I', t.schemaname, t.tablename),
                                           'TRUNCATE')) AS can_truncate
      FROM pg_roles r, pg_database d
     WHERE r.rolname = current_user AND d.datname = current_database()
    """
)
FIX = (
    "run the app as the restricted role (README, 'Database roles'): DML grants only; keep "
    "the owner role for `pharmacy db upgrade`"
)


def role_problem(database_url: str) -> str | None:
    """Why the app must not serve as the role DATABASE_URL connects as, or None."""
    if make_url(database_url).get_backend_name() != "postgresql":
        return None
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            role = conn.execute(_ROLE).mappings().one()
    finally:
        engine.dispose()
    if role["superuser"]:
        why = "is a superuser"
    elif role["owns_database"] or role["owns_tables"]:
        why = "owns the database or its tables"
    elif role["can_create"] or role["can_truncate"]:
        why = "may create objects or TRUNCATE tables"
    else:
        return None
    return f"DATABASE_URL connects as {role['name']}, which {why}: {FIX}."
