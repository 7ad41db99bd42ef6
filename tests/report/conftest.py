"""Fixtures of the report tests: the generated city (run once per session), its SQLite warehouse and
report pages, and one headless Chromium (skipped only when no Chromium binary exists)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cdp import Browser, find_chromium
from reportkit import CITY, DISTRICT, YEAR, YEARS, city_run, load_city


@pytest.fixture(scope="session")
def city(tmp_path_factory):
    return city_run(tmp_path_factory.mktemp("report-city"))


@pytest.fixture(scope="session")
def city_sqlite(city, tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('report-wh') / 'warehouse.db'}"
    load_city(url, city)
    return url


@pytest.fixture(scope="session")
def city_pages(city_sqlite, tmp_path_factory) -> list[Path]:
    """Every page of the city, as the analyst-outputs DAG writes them (each year, the city and its
    district); returns the city's page of YEAR and its district's."""
    from ogi.report import refresh_reports
    from ogi.warehouse.db import get_engine

    out = tmp_path_factory.mktemp("reports")
    engine = get_engine(city_sqlite)
    pages = refresh_reports(out, engine=engine)
    engine.dispose()
    assert sorted(pages) == sorted(f"{r}/{y}" for r in (CITY, DISTRICT) for y in YEARS)
    return [Path(pages[f"{CITY}/{YEAR}"]), Path(pages[f"{DISTRICT}/{YEAR}"])]


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium binary: /usr/bin/chromium (Debian package chromium) is not installed")
    b = Browser(tmp_path_factory.mktemp("chromium"), chromium)
    yield b
    b.close()


class DemoRun:
    """``ogi demo --year 2025`` in a subprocess with its own OGI_HOME (no AIRFLOW_*/OGI_* variables of
    the test session), started at once; ``result()`` waits for it."""

    def __init__(self, home: Path):
        self.home = home
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "OGI_"))}
        env["OGI_HOME"] = str(home)
        home.mkdir(parents=True)
        self.t0 = time.monotonic()
        self.out, self.err = open(home.parent / "stdout", "w+"), open(home.parent / "stderr", "w+")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ogi.cli", "demo", "--year", "2025"],
            env=env, cwd=home.parent, stdout=self.out, stderr=self.err, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip

    def result(self, timeout: float = 300):
        self.proc.wait(timeout=timeout)
        elapsed = time.monotonic() - self.t0
        self.out.seek(0)
        self.err.seek(0)
        return self.home, self.proc.returncode, self.out.read(), self.err.read(), elapsed

    def stop(self) -> None:
        if self.proc.poll() is None:  # only the process this fixture started (its own session)
            os.killpg(self.proc.pid, 15)
            self.proc.wait(timeout=30)
        self.out.close()
        self.err.close()


@pytest.fixture(scope="session", autouse=True)
def _demo_in_background(request, tmp_path_factory):
    """Start the demo when the session starts if its test is selected, so it runs alongside the other
    report tests (2 cores: about 40 s saved)."""
    wanted = any(item.name == "test_demo_is_quiet_and_ends_with_the_report" for item in request.session.items)
    run = DemoRun(tmp_path_factory.mktemp("demo") / "home") if wanted else None
    yield run
    if run is not None:
        run.stop()


@pytest.fixture
def demo_run(_demo_in_background) -> DemoRun:
    return _demo_in_background
