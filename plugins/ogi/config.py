"""Where things live by default, overridable by environment variables.

The project's own files (``include/``: SQL views, GX suites, city registries; ``dags/``: the DAG files)
are found, in this order:

1. ``OGI_PROJECT_DIR``: a folder laid out like this repository (``include/``, ``dags/``, ``plugins/``);
   the one setting for running from a checkout that is not installed, or to point an installed
   package at edited copies;
2. the installed package: a wheel carries them as package data, ``ogi/include/`` and ``ogi/dags/``
   (pyproject.toml ``[tool.setuptools]``);
3. an editable install (``pip install -e``): the source tree it was installed from, read from the
   distribution's PEP 610 ``direct_url.json``.

Never from the location of a source file relative to the repository. ``python -m ogi.config`` prints
what was found.

The embedded default keeps everything the pipeline writes under one folder (``OGI_HOME``, default
``var/`` of the project folder in a checkout, else ``./var``): the raw archive, the SQLite warehouse,
Data Docs sites and run summaries. Each setting can be pointed elsewhere on its own; the warehouse URL
may also come from an Airflow connection (see ``ogi.warehouse``).
"""

from __future__ import annotations

import json
import os
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlsplit

#: the distribution name of this package (pyproject.toml)
DISTRIBUTION = "ogi-reports"
#: the installed ``ogi`` package folder (site-packages/ogi, or plugins/ogi of an editable install)
PACKAGE_DIR = Path(__file__).resolve().parent


def _editable_source() -> Path | None:
    """The source tree of an editable install of this distribution (PEP 610), else None."""
    try:
        text = metadata.distribution(DISTRIBUTION).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    if not text:
        return None
    info = json.loads(text)
    if not info.get("dir_info", {}).get("editable") or not info.get("url", "").startswith("file:"):
        return None
    return Path(unquote(urlsplit(info["url"]).path))


def _project_dir() -> Path | None:
    """``OGI_PROJECT_DIR``, else the source tree of an editable install; None for a wheel install."""
    if os.environ.get("OGI_PROJECT_DIR"):
        return Path(os.environ["OGI_PROJECT_DIR"]).expanduser().resolve()
    if (PACKAGE_DIR / "include").is_dir():  # installed from a wheel: no project folder
        return None
    return _editable_source()


def _find(name: str) -> Path:
    project = _project_dir()
    if project is not None:
        return project / name
    return PACKAGE_DIR / name  # the wheel's package data (absent only from a broken install)


#: a checkout's folder (OGI_PROJECT_DIR or the editable install's source tree); None for a wheel install
PROJECT_DIR = _project_dir()
INCLUDE_DIR = _find("include")
SQL_DIR = INCLUDE_DIR / "sql"
EXPECTATIONS_DIR = INCLUDE_DIR / "expectations"
REGISTRY_DIR = INCLUDE_DIR / "registry"
#: the DAG files (Airflow's dags_folder of the embedded services)
DAGS_DIR = _find("dags")
#: Airflow's plugins folder of a checkout (plugins/, holding the ogi package); None when installed
PLUGINS_DIR = PROJECT_DIR / "plugins" if PROJECT_DIR is not None else None
#: where relative defaults start: the project folder of a checkout, else the working directory
#: (kept under its old name: benchmarks look for ``../shared`` beside it)
REPO_ROOT = PROJECT_DIR if PROJECT_DIR is not None else Path.cwd()


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


def describe() -> dict[str, str | None]:
    """Where the project's files were found (``python -m ogi.config``)."""
    return {
        "OGI_PROJECT_DIR": os.environ.get("OGI_PROJECT_DIR"),
        "project": str(PROJECT_DIR) if PROJECT_DIR else None,
        "package": str(PACKAGE_DIR),
        "include": str(INCLUDE_DIR),
        "dags": str(DAGS_DIR),
        "plugins": str(PLUGINS_DIR) if PLUGINS_DIR else None,
        "home": str(home()),
    }


if __name__ == "__main__":
    for key, value in describe().items():
        print(f"{key:16} {value if value is not None else '-'}")
