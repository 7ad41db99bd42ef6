"""Connecting to the warehouse and migrating it.

The URL is resolved in a fixed order (first match wins): an explicit argument,
``OGI_WAREHOUSE_URL``, the Airflow connection ``ogi_warehouse`` (only if Airflow is importable and
defines it; never required), then the embedded SQLite file under ``OGI_HOME``.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from ogi import config

AIRFLOW_CONN_ID = "ogi_warehouse"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
log = logging.getLogger(__name__)


def _airflow_url() -> str | None:
    """URL of the Airflow connection ``ogi_warehouse``, or None (Airflow absent or no such connection)."""
    wanted = "airflow" in sys.modules or os.environ.get(f"AIRFLOW_CONN_{AIRFLOW_CONN_ID.upper()}")
    if not (
        wanted or os.environ.get("AIRFLOW_HOME")
    ):  # importing Airflow costs seconds: only when it is set up
        return None
    try:
        from airflow.sdk import Connection  # lazy: Airflow is optional here
    except Exception:  # noqa: BLE001 - any failure means "no such connection"
        return None
    try:
        uri = Connection.get(AIRFLOW_CONN_ID).get_uri()
    except Exception:  # noqa: BLE001 - not defined, or no metadata DB / API reachable
        return None
    return normalise_url(uri)


def normalise_url(url: str) -> str:
    """Plain ``postgresql://``/``postgres://`` URLs (Airflow connections) use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def resolve_url(url: str | None = None) -> str:
    if url:
        return normalise_url(url)
    if os.environ.get("OGI_WAREHOUSE_URL"):
        return normalise_url(os.environ["OGI_WAREHOUSE_URL"])
    return _airflow_url() or config.warehouse_url()


def get_engine(url: str | None = None, **kwargs) -> Engine:
    """An engine for the warehouse (see module doc for how the URL is chosen)."""
    url = resolve_url(url)
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60}, **kwargs)
        _sqlite_setup(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_setup(engine: Engine) -> None:
    """Foreign keys, WAL, a busy timeout, and real transactions (pysqlite defers BEGIN otherwise).

    A connection with execution option ``ogi_begin="IMMEDIATE"`` takes the write lock at BEGIN, so
    two loaders serialise instead of failing to upgrade a read lock.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        if engine.url.database and engine.url.database != ":memory:":
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        mode = conn.get_execution_options().get("ogi_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (Alembic, programmatic; idempotent)."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


# ----------------------------------------------------------------------------- include/sql files


def sql_statements(text: str) -> list[str]:
    """Split a commented SQL file into statements: ``;`` at a line end closes one, except inside $$…$$."""
    out: list[str] = []
    buf: list[str] = []
    in_dollar = False
    for line in text.splitlines():
        if not buf and not in_dollar and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buf.append(line)
        in_dollar ^= line.count("$$") % 2 == 1
        if not in_dollar and line.rstrip().endswith(";"):
            out.append("\n".join(buf).rstrip().rstrip(";"))
            buf = []
    if "".join(buf).strip():
        out.append("\n".join(buf))
    return out


def view_names(path: Path) -> list[str]:
    """Views a file creates, in creation order."""
    import re

    return re.findall(r"^CREATE VIEW\s+(\w+)", path.read_text("utf-8"), flags=re.MULTILINE)


def run_sql_file(conn, path: Path) -> None:
    """Execute every statement of ``path`` on ``conn`` (inside the caller's transaction)."""
    for stmt in sql_statements(path.read_text("utf-8")):
        conn.exec_driver_sql(stmt)


#: view files of include/sql in dependency order (each is portable: SQLite and PostgreSQL)
SQL_FILES: tuple[str, ...] = (
    "01_base.sql",
    "02_wide.sql",
    "03_region_summaries.sql",
    "04_harmonised.sql",
    "05_metrics.sql",
    "06_coverage.sql",
)
#: PostgreSQL-only files, applied after the views
PG_SQL_FILES: tuple[str, ...] = ("analyst_role.sql",)


def frozen_sql_dir(revision: str) -> Path:
    """The SQL files a migration revision applies, frozen when it was written
    (``include/migrations/<revision>/``): an upgrade never reads the current ``include/sql``, so a
    fresh warehouse and an upgraded one get the same views. A change to a view file of include/sql
    ships with a revision holding the new files (``tests/warehouse/test_migrations_frozen.py``)."""
    return config.INCLUDE_DIR / "migrations" / revision


def apply_sql_files(conn, sql_dir: Path | None = None) -> None:
    """(Re-)create every view of ``sql_dir`` (default include/sql), then the PostgreSQL grants (used by
    migrations, with their ``frozen_sql_dir``)."""
    sql_dir = sql_dir or config.SQL_DIR
    drop_views(conn, sql_dir)
    for name in SQL_FILES:
        run_sql_file(conn, sql_dir / name)
    if conn.dialect.name == "postgresql":
        for name in PG_SQL_FILES:
            run_sql_file(conn, sql_dir / name)


def drop_views(conn, sql_dir: Path | None = None) -> None:
    """Drop the views of ``sql_dir`` (default include/sql), dependants first (no CASCADE: SQLite has none)."""
    sql_dir = sql_dir or config.SQL_DIR
    names = [v for f in SQL_FILES for v in view_names(sql_dir / f)]
    for v in reversed(names):
        conn.exec_driver_sql(f"DROP VIEW IF EXISTS {v}")
