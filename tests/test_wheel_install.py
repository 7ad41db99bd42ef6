"""The package works as a wheel, not only as an editable checkout: the built wheel carries include/ (SQL,
GX suites, registries), the DAG files and every ``ogi`` and ``ogi_dev`` subpackage; installed with the
``demo`` extra into a fresh venv (from uv's cache, nothing downloaded) it finds them from the installed
package and ``ogi demo`` runs from an unrelated folder with no trace of the repository in its environment.

Cost: the build ~2 s, the venv ~1 s (hard links from uv's cache), the demo (one report year) ~30-40 s.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from testenv import REPO

PROJECT_FILES = ("pyproject.toml", "README.md", "plugins", "include", "dags")


def _uv() -> str:
    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    if not Path(uv).exists() and not shutil.which(uv):
        pytest.skip("uv not found (make install puts it on PATH)")
    return uv


def _tracked_files(prefix: str) -> list[str]:
    out = subprocess.run(["git", "ls-files", prefix], cwd=REPO, capture_output=True, text=True, check=True)
    return [line for line in out.stdout.splitlines() if line]


def _clean_env(**extra: str) -> dict[str, str]:
    """A plain user's environment: none of the test suite's OGI_/AIRFLOW settings, no PYTHONPATH."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "UV_CACHE_DIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built (like ``uv build --wheel``) from a copy of the project files: the tree stays clean."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in PROJECT_FILES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=ignore)
        else:
            src.mkdir(exist_ok=True)
            shutil.copy2(path, src / name)
    p = subprocess.run(
        [_uv(), "build", "--wheel", "--out-dir", str(tmp / "dist"), str(src)],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr[-3000:]
    (whl,) = (tmp / "dist").glob("ogi_reports-*.whl")
    return whl


def test_the_wheel_carries_include_the_dags_and_every_package(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for rel in _tracked_files("include"):
        assert "ogi/" + rel in names, (
            f"{rel} is not in the wheel (pyproject.toml [tool.setuptools.package-data])"
        )
    for rel in _tracked_files("dags"):
        if rel.endswith(".py"):
            assert "ogi/" + rel in names, f"{rel} is not in the wheel"
    assert "ogi/warehouse/migrations/script.py.mako" in names
    # every module of plugins/ (a subpackage missing from [tool.setuptools] packages loses its modules)
    for rel in _tracked_files("plugins"):
        if rel.endswith(".py"):
            assert rel.removeprefix("plugins/") in names, (
                f"{rel} is not in the wheel: list its package in pyproject.toml"
            )


def test_the_installed_wheel_runs_the_demo_from_another_folder(wheel, tmp_path):
    venv = tmp_path / "venv"
    uv = _uv()
    subprocess.run([uv, "venv", "-q", str(venv), "--python", "3.11"], check=True, timeout=120)
    py = venv / "bin" / "python"
    # dependencies as pinned by the lock, from uv's cache: the wheel's own metadata must resolve offline
    p = subprocess.run(
        [
            uv,
            "pip",
            "install",
            "-q",
            "--offline",
            "--python",
            str(py),
            f"{wheel}[demo]",
            "-c",
            str(REPO / "requirements.lock"),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert p.returncode == 0, p.stderr[-3000:]

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = _clean_env()
    where = subprocess.run(
        [str(py), "-m", "ogi.config"], cwd=elsewhere, env=env, capture_output=True, text=True, check=True
    ).stdout
    found = dict(line.split(None, 1) for line in where.splitlines())
    site = str(venv / "lib")
    assert found["project"] == "-" and found["plugins"] == "-", where
    assert found["include"].startswith(site) and found["dags"].startswith(site), where
    assert found["home"] == str(elsewhere / "var"), where

    demo = subprocess.run(
        [str(venv / "bin" / "ogi"), "demo", "--year", "2025"],
        cwd=elsewhere,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]  # 0 only for a successful run
    with sqlite3.connect(elsewhere / "var" / "warehouse.db") as c:
        years = c.execute("select distinct year from reports where is_current").fetchall()
    assert years == [(2025,)]
    assert str(REPO) not in demo.stdout + demo.stderr  # nothing was read from the checkout
    summaries = list((elsewhere / "var" / "runs").glob("*/summary.json"))
    assert len(summaries) == 1


def test_ogi_project_dir_points_an_installed_package_at_a_checkout(tmp_path):
    """The one setting: OGI_PROJECT_DIR wins over the installed package's own files."""
    for name in ("include", "dags"):
        (tmp_path / name).mkdir()
    env = _clean_env(OGI_PROJECT_DIR=str(tmp_path))
    out = subprocess.run(
        [sys.executable, "-m", "ogi.config"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = dict(line.split(None, 1) for line in out.splitlines())
    assert found["include"] == str(tmp_path / "include")
    assert found["dags"] == str(tmp_path / "dags")
    assert found["home"] == str(tmp_path / "var")
