"""A real backfill of three years: scheduler (LocalExecutor), dag-processor and api-server running as
subprocesses on a temp AIRFLOW_HOME (``ogi.airflow_services.up``), ``airflow backfill create``, then the
warehouse holds all three years. Slow (about 2–3 minutes): deselect with ``-m "not slow"``; CI runs it."""

from __future__ import annotations

import sqlite3
import time

import pytest
from citykit import YEARS, make_city, truth_facts, warehouse_facts

from ogi import airflow_services
from ogi_dev.portal import serve_portal

POLL_TIMEOUT = 130  # s, after the services are up (up to 90 s): the test stays under 4 minutes


def _runs(env) -> list[tuple[str, str]]:
    db = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].removeprefix("sqlite:///")
    with sqlite3.connect(db, timeout=30) as c:
        return c.execute(
            "select logical_date, state from dag_run where dag_id = 'ogi_annual_reports' "
            "and run_type = 'backfill' order by logical_date"
        ).fetchall()


@pytest.mark.slow
def test_backfill_of_three_years_with_the_scheduler(tmp_path):
    city_dir = tmp_path / "city"
    manifest = make_city(city_dir, organs=3, years=YEARS)
    warehouse = f"sqlite:///{tmp_path / 'warehouse.db'}"
    home = tmp_path / "airflow"
    with serve_portal(city_dir / "portal") as portal:
        extra = {
            "OGI_HOME": str(tmp_path / "ogi"),
            "OGI_REGISTRY": str(city_dir / "registry.yaml"),
            "OGI_FETCH_VIA": portal.base_url,
            "OGI_WAREHOUSE_URL": warehouse,
        }
        state = airflow_services.up(home, extra_env=extra, pool_slots=2, timeout=90)
        try:
            env = airflow_services.airflow_env(home, port=state["port"], extra=extra)
            # 1 February of 2022, 2023, 2024 (China time) -> report years 2021, 2022, 2023
            airflow_services.backfill(env, "2022-01-01", "2024-12-31", dag_id="ogi_annual_reports")
            deadline = time.monotonic() + POLL_TIMEOUT
            runs = _runs(env)
            while time.monotonic() < deadline and not (
                len(runs) == 3 and all(s in ("success", "failed") for _, s in runs)
            ):
                time.sleep(2)
                runs = _runs(env)
        finally:
            airflow_services.down(home)
    assert not airflow_services.status(home)
    for name, pid in state["pids"].items():
        assert not airflow_services._alive(pid), f"{name} still running"
    assert [s for _, s in runs] == ["success"] * 3, runs
    for year in YEARS:
        truth = truth_facts(city_dir, manifest, year)
        assert truth and warehouse_facts(warehouse, year) == truth, year
