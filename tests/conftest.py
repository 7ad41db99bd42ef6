"""Shared test set-up: isolated homes, the real-report corpus, and real databases.

Environment for Airflow and OGI is set here, before anything imports Airflow, so tests never
touch a developer's ``~/airflow`` or the repo's ``var/``.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import pytest
from testenv import CORPUS, REPO, SHARED, corpus_reports, truth_for  # noqa: F401  (re-exported)

_TMP = Path(tempfile.mkdtemp(prefix="ogi-tests-"))
os.environ["OGI_HOME"] = str(_TMP / "ogi")
os.environ.pop("OGI_WAREHOUSE_URL", None)
os.environ["AIRFLOW_HOME"] = str(_TMP / "airflow")
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_TMP / 'airflow' / 'airflow.db'}"
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO / "dags")
os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(REPO / "plugins")
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"
(_TMP / "airflow").mkdir(parents=True, exist_ok=True)

PG_ADMIN_URL = os.environ.get("OGI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


# ----------------------------------------------------------------------------- corpus


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"real-report corpus not found at {CORPUS} (set OGI_SHARED)")
    return CORPUS


# ----------------------------------------------------------------------------- databases


def _pg_available() -> bool:
    import sqlalchemy as sa

    try:
        with sa.create_engine(PG_ADMIN_URL).connect():
            return True
    except sa.exc.OperationalError:
        return False


@pytest.fixture(scope="session")
def pg_server() -> str:
    """Admin URL of a reachable PostgreSQL; skipped locally if none, an error in CI."""
    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL not reachable at {PG_ADMIN_URL} (CI must start it: scripts/services.sh)")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}")
    return PG_ADMIN_URL


@pytest.fixture
def pg_url(pg_server: str):
    """URL of a brand-new PostgreSQL database, dropped after the test."""
    import sqlalchemy as sa

    name = f"ogi_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield pg_server.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'warehouse.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path: Path) -> str:
    """Each warehouse test runs on both embedded SQLite and real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'warehouse.db'}"
    return request.getfixturevalue("pg_url")
