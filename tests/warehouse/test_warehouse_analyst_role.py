"""The analyst login is strictly read-only (revision 0004, PostgreSQL; issue 13): connected as the login
role, every write path is denied, with read-only transactions on (its default) and switched off (so
the privileges, not the session default, are the boundary); SELECT on the views works; the session
defaults are set; the downgrade restores the database and drops only what the revision created.

Roles are cluster-wide: each test names its own login role (``OGI_ANALYST_LOGIN``) and drops it."""

from __future__ import annotations

import importlib.util
import time
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from whkit import load_everything

from ogi import config
from ogi.warehouse import db
from ogi.warehouse.db import current_revision, downgrade, get_engine, sql_statements, upgrade

REVISION_FILE = db.MIGRATIONS_DIR / "versions" / "0004_analyst_read_only.py"
INSUFFICIENT_PRIVILEGE = "42501"
READ_ONLY_TRANSACTION = "25006"


def _revision():
    spec = importlib.util.spec_from_file_location("ogi_revision_0004", REVISION_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _drop_role(pg_server: str, *urls: str, role: str) -> None:
    for url in urls:  # objects it might own (none if the test passed), database by database
        eng = sa.create_engine(url, poolclass=NullPool)
        try:
            with eng.begin() as c:
                c.execute(sa.text(f'DROP OWNED BY "{role}"'))
        except sa.exc.DBAPIError:
            pass  # the role or the database is gone already
        eng.dispose()
    admin = sa.create_engine(pg_server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as c:
        c.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))
    admin.dispose()


@pytest.fixture
def login(pg_server, monkeypatch):
    name = f"ogi_reader_t{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("OGI_ANALYST_LOGIN", name)
    return name


@pytest.fixture
def warehouse(pg_url, pg_server, login):
    """A migrated, loaded warehouse; (owner engine, engine connected as the analyst login)."""
    eng = get_engine(pg_url)
    upgrade(eng)
    load_everything(eng, n_gen=2)
    reader = sa.create_engine(make_url(pg_url).set(username=login), poolclass=NullPool)
    yield eng, reader
    reader.dispose()
    eng.dispose()
    _drop_role(pg_server, pg_url, role=login)


def _views() -> list[str]:
    return [v for f in db.SQL_FILES for v in db.view_names(config.SQL_DIR / f)]


def _write_paths(eng) -> list[str]:
    """Every way to write, create, lock for writing or keep something that we know of."""
    insp = sa.inspect(eng)
    tables = insp.get_table_names()
    assert {"reports", "facts", "validation_results", "run_outcomes", "alembic_version"} <= set(tables)
    out = []
    for t in tables:
        col = insp.get_columns(t)[0]["name"]
        out += [
            f"INSERT INTO {t} DEFAULT VALUES",
            f"INSERT INTO {t} ({col}) SELECT {col} FROM {t}",
            f"UPDATE {t} SET {col} = {col}",
            f"DELETE FROM {t}",
            f"TRUNCATE {t}",
            f"TRUNCATE {t} CASCADE",
            f"SELECT * FROM {t} FOR UPDATE",
            f"SELECT * FROM {t} FOR NO KEY UPDATE",
            f"SELECT * FROM {t} FOR SHARE",
            f"SELECT * FROM {t} FOR KEY SHARE",
            f"LOCK TABLE {t} IN ROW SHARE MODE",
            f"LOCK TABLE {t} IN ROW EXCLUSIVE MODE",
            f"LOCK TABLE {t} IN SHARE UPDATE EXCLUSIVE MODE",
            f"LOCK TABLE {t} IN SHARE MODE",
            f"LOCK TABLE {t} IN SHARE ROW EXCLUSIVE MODE",
            f"LOCK TABLE {t} IN EXCLUSIVE MODE",
            f"LOCK TABLE {t} IN ACCESS EXCLUSIVE MODE",
            f"ALTER TABLE {t} ADD COLUMN analyst_x int",
            f"CREATE INDEX ON {t} ({col})",
            f"COMMENT ON TABLE {t} IS 'x'",
            f"DROP TABLE {t}",
            f"COPY {t} TO '/tmp/ogi_analyst_copy.csv'",
            f"COPY {t} FROM PROGRAM 'true'",
        ]
    for seq in insp.get_sequence_names():
        out += [f"SELECT nextval('{seq}')", f"SELECT setval('{seq}', 1)"]
    assert len(insp.get_sequence_names()) >= 2
    out += [
        "CREATE TABLE analyst_t (x int)",
        "CREATE UNLOGGED TABLE analyst_t (x int)",
        "CREATE TABLE analyst_t AS SELECT 1 AS x",
        "SELECT 1 AS x INTO analyst_t",
        "CREATE TEMP TABLE analyst_t (x int)",
        "CREATE TEMPORARY TABLE analyst_t AS SELECT * FROM facts",
        "CREATE TEMP VIEW analyst_v AS SELECT 1 AS x",
        "CREATE VIEW analyst_v AS SELECT 1 AS x",
        "CREATE MATERIALIZED VIEW analyst_v AS SELECT 1 AS x",
        "CREATE FUNCTION analyst_f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE FUNCTION pg_temp.analyst_f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE FUNCTION public.analyst_f() RETURNS int LANGUAGE plpgsql AS 'BEGIN RETURN 1; END'",
        "CREATE PROCEDURE analyst_p() LANGUAGE sql AS 'SELECT 1'",
        "CREATE TYPE analyst_type AS (x int)",
        "CREATE DOMAIN analyst_domain AS int",
        "CREATE SEQUENCE analyst_seq",
        "CREATE SCHEMA analyst_schema",
        "CREATE ROLE analyst_role",
        "DO $$ BEGIN CREATE TABLE analyst_t (x int); END $$",
        "DO $$ BEGIN EXECUTE 'ALTER DATABASE ' || quote_ident(current_database()) || ' SET work_mem = 1'; END $$",
        "ALTER SCHEMA public RENAME TO analyst_schema",
        # large objects
        "SELECT lo_from_bytea(0, 'x')",
        "SELECT lo_create(0)",
        "SELECT lo_creat(-1)",
        "SELECT lo_import('/etc/hostname')",
        "SELECT lo_import('/etc/hostname', 424242)",
        "SELECT lowrite(0, 'x')",
        "SELECT lo_put(424242, 0, 'x')",
        "SELECT lo_truncate(0, 0)",
        "SELECT lo_truncate64(0, 0)",
        "SELECT lo_unlink(424242)",
        # server files
        "SELECT pg_read_file('/etc/hostname')",
    ]
    for v in _views():
        out += [f"DELETE FROM {v}", f"INSERT INTO {v} DEFAULT VALUES", f"DROP VIEW {v}"]
    return out


def _sqlstate(conn, stmt: str) -> str | None:
    """SQLSTATE of the error ``stmt`` raises (None if it ran), the transaction rolled back either way."""
    try:
        conn.exec_driver_sql(stmt)
        return None
    except sa.exc.DBAPIError as e:
        return getattr(e.orig, "sqlstate", None) or "?"
    finally:
        conn.rollback()


def test_analyst_login_cannot_write_anything(warehouse):
    eng, reader = warehouse
    paths = _write_paths(eng)
    assert len(paths) > 250
    views = set(_views())
    with reader.connect() as c:
        by_default = {stmt: _sqlstate(c, stmt) for stmt in paths}
    with reader.connect() as c:
        # switch the read-only default off: the privileges alone must deny every path
        c.exec_driver_sql("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")
        c.commit()
        assert c.exec_driver_sql("SHOW transaction_read_only").scalar() == "off"
        c.rollback()
        read_write = {stmt: _sqlstate(c, stmt) for stmt in paths}
    ran = [s for s in paths if by_default[s] is None or read_write[s] is None]
    assert not ran, ran
    assert {by_default[s] for s in paths} <= {INSUFFICIENT_PRIVILEGE, READ_ONLY_TRANSACTION, "55000"}
    # with read-write transactions: insufficient privilege everywhere, except writing into a view that
    # cannot be written at all (55000: not automatically updatable)
    wrong = {
        s: read_write[s]
        for s in paths
        if read_write[s] != INSUFFICIENT_PRIVILEGE
        and not (read_write[s] == "55000" and s.split()[0] in ("DELETE", "INSERT") and s.split()[2] in views)
    }
    assert not wrong, wrong
    # and nothing changed
    with eng.connect() as c:
        assert c.execute(sa.text("SELECT COUNT(*) FROM facts")).scalar() > 0
        assert not c.execute(sa.text("SELECT oid FROM pg_largeobject_metadata")).all()
        assert not c.execute(
            sa.text("SELECT relname FROM pg_class WHERE relname LIKE 'analyst%' OR relname = 'analyst_x'")
        ).all()


def test_analyst_login_reads_views_and_tables(warehouse):
    _, reader = warehouse
    with reader.connect() as c:
        for v in _views():
            c.exec_driver_sql(f"SELECT * FROM {v} LIMIT 5").all()
        assert c.exec_driver_sql("SELECT COUNT(*) FROM v_region_t3").scalar() > 0
        assert c.exec_driver_sql("SELECT COUNT(*) FROM facts").scalar() > 0
        # a plain SELECT's lock (ACCESS SHARE) is what an analyst may take, no more
        c.exec_driver_sql("LOCK TABLE facts IN ACCESS SHARE MODE")
        c.rollback()


def test_analyst_login_session_defaults(warehouse):
    rev = _revision()
    _, reader = warehouse
    with reader.connect() as c:
        shown = {name: c.exec_driver_sql(f"SHOW {name}").scalar() for name in rev.SETTINGS}
        assert c.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"
        attributes = c.exec_driver_sql(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolconnlimit"
            " FROM pg_roles WHERE rolname = current_user"
        ).one()
        member_of = c.exec_driver_sql(
            "SELECT string_agg(rolname, ',') FROM pg_roles"
            " WHERE pg_has_role(current_user, oid, 'MEMBER') AND rolname <> current_user"
        ).scalar()
    assert tuple(attributes) == (False, False, False, False, False, 20) and member_of == "ogi_analyst"
    assert shown == {
        "default_transaction_read_only": "on",
        "statement_timeout": "2min",
        "idle_in_transaction_session_timeout": "1min",
        "lock_timeout": "10s",
    }


def test_idle_transaction_holding_a_lock_is_ended(warehouse):
    """The mechanism behind idle_in_transaction_session_timeout (1 min by default; 0.5 s here)."""
    eng, reader = warehouse
    with reader.connect() as c:
        c.exec_driver_sql("SET idle_in_transaction_session_timeout = '500ms'")
        c.commit()
        pid = c.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        c.exec_driver_sql("LOCK TABLE facts IN ACCESS SHARE MODE")
        time.sleep(2)
        with eng.connect() as owner:
            held = owner.execute(
                sa.text("SELECT COUNT(*) FROM pg_locks WHERE pid = :pid AND relation = 'facts'::regclass"),
                {"pid": pid},
            ).scalar()
        assert held == 0
        with pytest.raises(sa.exc.DBAPIError):
            c.exec_driver_sql("SELECT 1")


def _privileges(url: str, login: str) -> dict:
    eng = sa.create_engine(url, poolclass=NullPool)
    with eng.connect() as c:
        row = c.execute(
            sa.text(
                "SELECT has_database_privilege('public', current_database(), 'TEMPORARY'),"
                " has_function_privilege('public', 'lo_from_bytea(oid, bytea)', 'EXECUTE'),"
                " has_function_privilege('public', 'lo_import(text)', 'EXECUTE'),"
                " has_schema_privilege('public', 'public', 'CREATE'),"
                " EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :login),"
                " (SELECT COUNT(*) FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole"
                "   WHERE r.rolname = :login AND s.setdatabase ="
                "   (SELECT oid FROM pg_database WHERE datname = current_database()))"
            ),
            {"login": login},
        ).one()
    eng.dispose()
    keys = (
        "public_temp",
        "public_lo_from_bytea",
        "public_lo_import",
        "public_create",
        "login_exists",
        "settings",
    )
    return dict(zip(keys, row))


def test_downgrade_restores_the_database_and_drops_only_what_it_created(pg_url, pg_server, login):
    other = pg_server.rsplit("/", 1)[0] + f"/ogi_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pg_server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{make_url(other).database}"'))
    try:
        eng, eng2 = get_engine(pg_url), get_engine(other)
        upgrade(eng, "0003")
        before = _privileges(pg_url, login)
        assert before["public_temp"] and before["public_lo_from_bytea"] and not before["login_exists"]
        upgrade(eng)
        upgrade(eng2)
        after = _privileges(pg_url, login)
        assert after == {
            "public_temp": False,
            "public_lo_from_bytea": False,
            "public_lo_import": False,
            "public_create": False,
            "login_exists": True,
            "settings": 1,
        }
        downgrade(eng, "0003")
        assert current_revision(eng) == "0003"
        # this database is back as it was; the login stays: the other database still configures it
        assert _privileges(pg_url, login) == {**before, "login_exists": True}
        downgrade(eng2, "0003")
        assert _privileges(pg_url, login) == before  # no database configures it: dropped
        upgrade(eng)  # and up again
        assert _privileges(pg_url, login) == after
        eng.dispose()
        eng2.dispose()
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{make_url(other).database}" WITH (FORCE)'))
        admin.dispose()
        _drop_role(pg_server, pg_url, role=login)


def test_a_privileged_login_is_refused(pg_url, monkeypatch):
    eng = get_engine(pg_url)
    upgrade(eng, "0003")
    monkeypatch.setenv("OGI_ANALYST_LOGIN", "postgres")  # a superuser
    with pytest.raises(sa.exc.DBAPIError, match="cannot be the read-only analyst login"):
        upgrade(eng)
    assert current_revision(eng) == "0003"
    eng.dispose()
    monkeypatch.setenv("OGI_ANALYST_LOGIN", "Robert'); DROP TABLE facts;--")
    with pytest.raises(ValueError, match="plain lower-case role name"):
        upgrade(get_engine(pg_url))


def test_include_sql_documents_the_frozen_revision():
    text = (config.SQL_DIR / "analyst_readonly.sql").read_text("utf-8")
    assert sql_statements(text) == list(_revision().UPGRADE)
