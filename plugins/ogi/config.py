"""Where things live by default, overridable by environment variables.

The embedded default keeps everything under one folder (``OGI_HOME``, default ``./var``):
the raw archive, the SQLite warehouse, Data Docs sites and run summaries. Each setting can
be pointed elsewhere on its own; the warehouse URL may also come from an Airflow connection
(see ``ogi.warehouse``).
"""

from __future__ import annotations

import os
from pathlib import Path

#: repository root (plugins/ogi/config.py -> repo)
REPO_ROOT = Path(__file__).resolve().parents[2]
INCLUDE_DIR = REPO_ROOT / "include"
SQL_DIR = INCLUDE_DIR / "sql"
EXPECTATIONS_DIR = INCLUDE_DIR / "expectations"
REGISTRY_DIR = INCLUDE_DIR / "registry"


def home() -> Path:
    """Root folder of the embedded default (archive, SQLite warehouse, Data Docs)."""
    return Path(os.environ.get("OGI_HOME", REPO_ROOT / "var")).resolve()


def archive_dir() -> Path:
    return Path(os.environ.get("OGI_ARCHIVE_DIR", home() / "archive"))


def datadocs_dir() -> Path:
    return Path(os.environ.get("OGI_DATADOCS_DIR", home() / "datadocs"))


def warehouse_url() -> str:
    """``OGI_WAREHOUSE_URL`` if set, else the embedded SQLite file under ``OGI_HOME``."""
    url = os.environ.get("OGI_WAREHOUSE_URL")
    if url:
        return url
    return f"sqlite:///{home() / 'warehouse.db'}"
