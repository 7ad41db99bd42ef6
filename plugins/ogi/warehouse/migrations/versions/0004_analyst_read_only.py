"""analyst role strictly read-only (PostgreSQL; nothing to do on SQLite, which has no roles).

* ``ogi_analyst`` stays the NOLOGIN group role that holds the read privileges (USAGE on schema
  public, SELECT on every table and view, revision 0002), and nothing that writes.
* ``ogi_reader`` (``OGI_ANALYST_LOGIN`` names it otherwise) is the LOGIN role analysts use: a member
  of ``ogi_analyst`` and of no other role, no attributes, at most 20 connections, and in this
  database the session defaults ``default_transaction_read_only = on``, ``statement_timeout = 2min``,
  ``idle_in_transaction_session_timeout = 1min``, ``lock_timeout = 10s`` (role settings are not
  inherited from a group role, so they sit on the login). A privileged role of that name is refused.
* Write paths closed in this database: TEMPORARY on the database revoked from PUBLIC (no temp
  tables, no ``pg_temp`` functions), CREATE on schema public revoked from PUBLIC (PostgreSQL 15 does
  that already; said here), EXECUTE on the large-object functions that create, write or remove a
  large object (``lo_from_bytea``, ``lo_create``, ``lo_creat``, ``lowrite``, ``lo_put``, ``lo_truncate``,
  ``lo_truncate64``, ``lo_unlink``, ``lo_import``) revoked from PUBLIC; every table privilege but
  SELECT, and every sequence privilege, revoked from PUBLIC and both roles.

The SQL is frozen here (``UPGRADE``, ``DOWNGRADE``): it never reads ``include/sql``;
``include/sql/analyst_readonly.sql`` documents the same statements (a test keeps them equal).
Revoking on pg_catalog functions and on the database needs a superuser (or the owners); a migrating
user without that right gets a warning in the log naming what is still allowed.

Downgrade: the database's grants go back to their state at 0003 (TEMPORARY and the large-object
functions to PUBLIC again, the explicit CONNECT of ``ogi_analyst`` revoked, the login's settings in
this database reset); the login role is dropped when this revision created it (its comment says so)
and no other database of the cluster still configures it. CREATE on schema public is not given back
to PUBLIC: that is PostgreSQL 15's own default and nothing before 0004 relies on it.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import logging
import os
import re

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)

GROUP_ROLE = "ogi_analyst"
#: the login role's name in the SQL below; ``OGI_ANALYST_LOGIN`` substitutes another one
LOGIN_ROLE = "ogi_reader"
MARKER = "OGI Reports warehouse revision 0004: read-only analyst login"
#: the login's session defaults in the warehouse database (SHOW gives these strings back)
SETTINGS = {
    "default_transaction_read_only": "on",
    "statement_timeout": "2min",
    "idle_in_transaction_session_timeout": "1min",
    "lock_timeout": "10s",
}
#: large-object functions PUBLIC may execute in a fresh database, and which of them create/write/remove
LO_PUBLIC_WRITERS = (
    "lo_creat(integer)",
    "lo_create(oid)",
    "lo_from_bytea(oid, bytea)",
    "lowrite(integer, bytea)",
    "lo_put(oid, bigint, bytea)",
    "lo_truncate(integer, integer)",
    "lo_truncate64(integer, bigint)",
    "lo_unlink(oid)",
)
#: never executable by PUBLIC (superuser only by default): revoked again, never granted back
LO_SERVER_FILES = ("lo_import(text)", "lo_import(text, oid)")

UPGRADE: tuple[str, ...] = (
    # the group role (revision 0002 creates it too; this revision does not depend on that)
    """DO $$
BEGIN
    CREATE ROLE ogi_analyst NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$""",
    # the login role: created once per cluster and marked; refused if privileged or a member of more
    """DO $$
DECLARE
    extra text;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ogi_reader'
               AND (rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls)) THEN
        RAISE EXCEPTION 'role ogi_reader is privileged: it cannot be the read-only analyst login';
    END IF;
    BEGIN
        CREATE ROLE ogi_reader LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
            INHERIT CONNECTION LIMIT 20 IN ROLE ogi_analyst;
        COMMENT ON ROLE ogi_reader IS '"""
    + MARKER
    + """';
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;
    END;
    IF NOT pg_has_role('ogi_reader', 'ogi_analyst', 'MEMBER') THEN
        GRANT ogi_analyst TO ogi_reader;
    END IF;
    SELECT string_agg(rolname, ', ') INTO extra FROM pg_roles
    WHERE rolname NOT IN ('ogi_reader', 'ogi_analyst') AND pg_has_role('ogi_reader', oid, 'MEMBER');
    IF extra IS NOT NULL THEN
        RAISE EXCEPTION USING MESSAGE = 'role ogi_reader is also a member of ' || extra
            || ': it cannot be the read-only analyst login';
    END IF;
END
$$""",
    # this database: no temporary objects, explicit CONNECT, the login's session defaults
    """DO $$
DECLARE
    db text := quote_ident(current_database());
BEGIN
    EXECUTE 'REVOKE TEMPORARY ON DATABASE ' || db || ' FROM PUBLIC';
    EXECUTE 'REVOKE CREATE, TEMPORARY ON DATABASE ' || db || ' FROM ogi_analyst, ogi_reader';
    EXECUTE 'GRANT CONNECT ON DATABASE ' || db || ' TO ogi_analyst';
"""
    + "".join(
        f"    EXECUTE 'ALTER ROLE ogi_reader IN DATABASE ' || db || ' SET {name} = ''{value}''';\n"
        for name, value in SETTINGS.items()
    )
    + """END
$$""",
    # schema public: read, never create (no tables, views, functions, types)
    "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
    "REVOKE CREATE ON SCHEMA public FROM ogi_analyst, ogi_reader",
    "GRANT USAGE ON SCHEMA public TO ogi_analyst",
    # tables and views: SELECT only (also future ones: default privileges of revision 0002)
    "GRANT SELECT ON ALL TABLES IN SCHEMA public TO ogi_analyst",
    (
        "REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public"
        " FROM PUBLIC, ogi_analyst, ogi_reader"
    ),
    "REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM PUBLIC, ogi_analyst, ogi_reader",
    # large objects: nothing that creates, writes or removes one
    "REVOKE EXECUTE ON FUNCTION " + ", ".join(LO_PUBLIC_WRITERS + LO_SERVER_FILES) + " FROM PUBLIC",
    "REVOKE EXECUTE ON FUNCTION "
    + ", ".join(LO_PUBLIC_WRITERS + LO_SERVER_FILES)
    + " FROM ogi_analyst, ogi_reader",
)

DOWNGRADE: tuple[str, ...] = (
    """DO $$
DECLARE
    db text := quote_ident(current_database());
BEGIN
    EXECUTE 'GRANT TEMPORARY ON DATABASE ' || db || ' TO PUBLIC';
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ogi_analyst') THEN
        EXECUTE 'REVOKE CONNECT ON DATABASE ' || db || ' FROM ogi_analyst';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ogi_reader') THEN
        EXECUTE 'ALTER ROLE ogi_reader IN DATABASE ' || db || ' RESET ALL';
    END IF;
END
$$""",
    "GRANT EXECUTE ON FUNCTION " + ", ".join(LO_PUBLIC_WRITERS) + " TO PUBLIC",
    """DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles r
               JOIN pg_shdescription d ON d.objoid = r.oid AND d.classoid = 'pg_authid'::regclass
               WHERE r.rolname = 'ogi_reader'
                 AND d.description = '"""
    + MARKER
    + """')
       AND NOT EXISTS (SELECT 1 FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
                       WHERE r.rolname = 'ogi_reader') THEN
        BEGIN
            DROP ROLE ogi_reader;
        EXCEPTION WHEN dependent_objects_still_exist OR undefined_object THEN
            NULL;  -- privileges or objects elsewhere in the cluster still name it: kept
        END;
    END IF;
END
$$""",
)

#: what the login must not be able to do once upgraded (checked after the upgrade; a warning if it can)
_STILL_ALLOWED = """
SELECT 'TEMPORARY on the database' WHERE has_database_privilege(:login, current_database(), 'TEMPORARY')
UNION ALL
SELECT 'CREATE on the database' WHERE has_database_privilege(:login, current_database(), 'CREATE')
UNION ALL
SELECT 'CREATE on schema public' WHERE has_schema_privilege(:login, 'public', 'CREATE')
UNION ALL
SELECT 'EXECUTE on ' || p.oid::regprocedure::text FROM pg_proc p
WHERE p.pronamespace = 'pg_catalog'::regnamespace
  AND p.proname IN ('lo_creat', 'lo_create', 'lo_from_bytea', 'lowrite', 'lo_put', 'lo_truncate',
                    'lo_truncate64', 'lo_unlink', 'lo_import')
  AND has_function_privilege(:login, p.oid, 'EXECUTE')
UNION ALL
SELECT privilege || ' on ' || c.oid::regclass::text
FROM pg_class c CROSS JOIN unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS privilege
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'v', 'p', 'm', 'f')
  AND has_table_privilege(:login, c.oid, privilege)
"""


def login_role() -> str:
    """Name of the analyst login role: ``OGI_ANALYST_LOGIN`` or ``ogi_reader`` (a plain identifier)."""
    name = os.environ.get("OGI_ANALYST_LOGIN") or LOGIN_ROLE
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name) or name == GROUP_ROLE:
        raise ValueError(
            f"OGI_ANALYST_LOGIN={name!r}: give a plain lower-case role name other than {GROUP_ROLE}"
        )
    return name


def statements(sql: tuple[str, ...], login: str = LOGIN_ROLE) -> list[str]:
    """The frozen statements for the login role ``login``."""
    return [s.replace(LOGIN_ROLE, login) for s in sql]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return  # SQLite has no roles: analysts get a read-only copy (docs/warehouse.md)
    login = login_role()
    for stmt in statements(UPGRADE, login):
        bind.exec_driver_sql(stmt)
    left = [r[0] for r in bind.execute(sa.text(_STILL_ALLOWED), {"login": login})]
    if left:
        log.warning(
            "analyst login %s can still write here (%s): run revision 0004 as a superuser "
            "(include/sql/analyst_readonly.sql)",
            login,
            "; ".join(left),
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for stmt in statements(DOWNGRADE, login_role()):
        bind.exec_driver_sql(stmt)
