"""Airflow test plumbing: a fresh metadata DB once per session (the root conftest already points
AIRFLOW_HOME, the SQLite metadata DB, DAGS_FOLDER and PLUGINS_FOLDER at temp folders / the repo)."""

from __future__ import annotations

from pathlib import Path

import pytest

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", "slow: runs real Airflow services (deselect with -m 'not slow'; runs in CI by default)"
    )


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """Create the Airflow metadata tables once (``dag.test()`` needs them)."""
    from airflow.utils import db

    db.resetdb()


@pytest.fixture(scope="session")
def dagbag():
    """Every DAG file of the repo, parsed the way the dag-processor does."""
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_DIR))
