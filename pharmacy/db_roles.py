"""The PostgreSQL grants of the app's restricted role, as code: the README's
`pharmacy db grant ROLE`, `pharmacy db upgrade --grant-to ROLE`, the test suite and
`pharmacy restore` all apply this one list.

The app reads and writes rows; it never truncates, never changes the schema and owns
nothing, so it cannot drop the triggers that keep clinical history (migrations 0003,
0016, 0019). It may delete only what is meant to expire (the sign-in throttle's rows)."""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.engine import Connection

APP_ROLE_ENV = "PHARMACY_APP_ROLE"

# Tables whose rows the app may delete: expiring sign-in failures, nothing clinical.
DELETABLE_TABLES = ("login_failures",)

_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class RoleError(ValueError):
    """A role name that is not a plain PostgreSQL identifier."""


def checked_role(role: str) -> str:
    """The role name, if it is a plain lower-case identifier (so it needs no quoting)."""
    if not _ROLE_NAME.match(role):
        raise RoleError(
            "role: use a plain PostgreSQL role name (lower-case letters, digits and _, "
            "starting with a letter or _, at most 63 characters)"
        )
    return role


def app_grants(role: str) -> list[str]:
    """The statements that give `role` exactly the app's rights on the current schema,
    after taking back anything granted before (a restored dump may carry wider grants)."""
    name = checked_role(role)
    statements = [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {name}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {name}",
        f"REVOKE CREATE ON SCHEMA public FROM {name}",
        f"GRANT USAGE ON SCHEMA public TO {name}",
        f"GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO {name}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {name}",
    ]
    statements += [f"GRANT DELETE ON {table} TO {name}" for table in DELETABLE_TABLES]
    return statements


class GrantNotTaken(RuntimeError):
    """PostgreSQL only warns when a role that does not own the tables grants on them."""


_OWNS_TABLES = text(
    "SELECT pg_has_role(relowner, 'USAGE') FROM pg_class "
    "WHERE oid = 'public.audit_events'::regclass"
)
_CAN_WRITE_AUDIT = text("SELECT has_table_privilege(:role, 'public.audit_events', 'INSERT')")


def grant_app_role(connection: Connection, role: str) -> None:
    """Apply `app_grants(role)` in the connection's transaction. Run as the owner: any
    other role's GRANT is silently empty, which this refuses."""
    checked_role(role)
    if not connection.execute(_OWNS_TABLES).scalar_one():
        raise GrantNotTaken(
            f"the grants to {role} would not take: run this as the owner of the tables "
            "(the role that ran `pharmacy db upgrade`)"
        )
    for statement in app_grants(role):
        connection.execute(text(statement))
    if not connection.execute(_CAN_WRITE_AUDIT, {"role": role}).scalar_one():
        raise GrantNotTaken(
            f"the grants to {role} did not take: run this as the owner of the tables "
            "(the role that ran `pharmacy db upgrade`)"
        )


_GRANTEES = text(
    """
    SELECT DISTINCT acl.grantee::regrole::text AS role
      FROM pg_class c, aclexplode(c.relacl) AS acl
     WHERE c.relname = 'audit_events' AND c.relnamespace = 'public'::regnamespace
       AND acl.privilege_type = 'INSERT' AND acl.grantee <> c.relowner
       AND acl.grantee <> 0
    """
)


def app_roles_in_use(connection: Connection) -> list[str]:
    """Roles other than the owner that may write audit events today: the app's roles,
    whose grants a restore must give back."""
    return sorted(
        role for role in connection.execute(_GRANTEES).scalars() if _ROLE_NAME.match(role)
    )
