-- PostgreSQL only. The analyst role made strictly read-only: the statements of Alembic revision 0004
-- (plugins/ogi/warehouse/migrations/versions/0004_analyst_read_only.py), which holds them frozen and
-- never reads this file; tests/warehouse/test_warehouse_analyst_role.py checks the two stay equal.
-- analyst_role.sql (revision 0002) creates the group role and its SELECT grants; this file adds the
-- login role and closes every other write path. Run as a superuser (revoking on pg_catalog functions
-- and on the database needs one, or their owners). Idempotent.
--
-- Roles: ogi_analyst (NOLOGIN group, holds the read privileges); ogi_reader (LOGIN, member of
-- ogi_analyst only; the revision takes another name from OGI_ANALYST_LOGIN). Give it a password:
--     ALTER ROLE ogi_reader PASSWORD '...';
-- More logins for people: role settings are not inherited from a group role, so each login gets
-- the same session defaults in the warehouse database:
--     CREATE ROLE alice LOGIN PASSWORD '...' IN ROLE ogi_analyst;
--     ALTER ROLE alice IN DATABASE warehouse SET default_transaction_read_only = 'on';
--     ALTER ROLE alice IN DATABASE warehouse SET statement_timeout = '2min';
--     ALTER ROLE alice IN DATABASE warehouse SET idle_in_transaction_session_timeout = '1min';
--     ALTER ROLE alice IN DATABASE warehouse SET lock_timeout = '10s';
-- The session defaults bound accidents (a runaway query, a forgotten open transaction holding its
-- locks); a login can change its own defaults, so they are not the boundary: the privileges are
-- (every write path below is denied even with read-only transactions switched off).

-- The group role (revision 0002 creates it too).
DO $$
BEGIN
    CREATE ROLE ogi_analyst NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

-- The login role: created once per cluster and marked with a comment (a downgrade drops only a role
-- revision 0004 created); refused if it is privileged or a member of any other role.
DO $$
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
        COMMENT ON ROLE ogi_reader IS 'OGI Reports warehouse revision 0004: read-only analyst login';
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
$$;

-- This database: no temporary tables or pg_temp functions for anyone but the owner and superusers,
-- an explicit CONNECT for the group, and the login's session defaults here.
DO $$
DECLARE
    db text := quote_ident(current_database());
BEGIN
    EXECUTE 'REVOKE TEMPORARY ON DATABASE ' || db || ' FROM PUBLIC';
    EXECUTE 'REVOKE CREATE, TEMPORARY ON DATABASE ' || db || ' FROM ogi_analyst, ogi_reader';
    EXECUTE 'GRANT CONNECT ON DATABASE ' || db || ' TO ogi_analyst';
    EXECUTE 'ALTER ROLE ogi_reader IN DATABASE ' || db || ' SET default_transaction_read_only = ''on''';
    EXECUTE 'ALTER ROLE ogi_reader IN DATABASE ' || db || ' SET statement_timeout = ''2min''';
    EXECUTE 'ALTER ROLE ogi_reader IN DATABASE ' || db || ' SET idle_in_transaction_session_timeout = ''1min''';
    EXECUTE 'ALTER ROLE ogi_reader IN DATABASE ' || db || ' SET lock_timeout = ''10s''';
END
$$;

-- Schema public: read, never create (tables, views, functions, types). PostgreSQL 15 already
-- revokes CREATE from PUBLIC; said here for databases created otherwise.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM ogi_analyst, ogi_reader;
GRANT USAGE ON SCHEMA public TO ogi_analyst;

-- Tables and views: SELECT only (future tables too: default privileges from analyst_role.sql).
GRANT SELECT ON ALL TABLES IN SCHEMA public TO ogi_analyst;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM PUBLIC, ogi_analyst, ogi_reader;

-- Sequences: no nextval/setval.
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM PUBLIC, ogi_analyst, ogi_reader;

-- Large objects: nothing that creates, writes or removes one (lo_import was superuser-only already).
REVOKE EXECUTE ON FUNCTION lo_creat(integer), lo_create(oid), lo_from_bytea(oid, bytea), lowrite(integer, bytea), lo_put(oid, bigint, bytea), lo_truncate(integer, integer), lo_truncate64(integer, bigint), lo_unlink(oid), lo_import(text), lo_import(text, oid) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION lo_creat(integer), lo_create(oid), lo_from_bytea(oid, bytea), lowrite(integer, bytea), lo_put(oid, bigint, bytea), lo_truncate(integer, integer), lo_truncate64(integer, bigint), lo_unlink(oid), lo_import(text), lo_import(text, oid) FROM ogi_analyst, ogi_reader;
