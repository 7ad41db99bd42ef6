-- PostgreSQL only (applied by Alembic revision 0002 when the dialect is postgresql; SQLite has no roles).
-- A read-only role for analysts: SELECT on every table and view of schema public, now and in future
-- (default privileges of the migrating user), nothing else. Idempotent: safe to run again, and safe
-- when several databases of one cluster create the cluster-wide role at the same moment.
-- ogi_analyst is the NOLOGIN group role. Revision 0004 (analyst_readonly.sql) adds the login role
-- ogi_reader and closes every other write path (temp tables, functions, large objects, sequences)
-- with session timeouts; see there how to give a person a login of their own.
DO $$
BEGIN
    CREATE ROLE ogi_analyst NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

GRANT USAGE ON SCHEMA public TO ogi_analyst;
REVOKE CREATE ON SCHEMA public FROM ogi_analyst;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO ogi_analyst;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM ogi_analyst;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ogi_analyst;
