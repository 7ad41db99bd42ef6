"""The distributed topology of docker-compose.yaml, natively: ``airflow api-server``, ``scheduler``,
``dag-processor`` and two ``airflow celery worker`` processes (CeleryExecutor), a fresh Airflow metadata
database and a fresh warehouse database on the local PostgreSQL, a Redis db of their own as the broker
(``ogi.celery_stack``). Runs of ``ogi_annual_reports`` are triggered through the REST API v2 (bearer
token from SimpleAuthManager) for a generated city; the warehouse, reached by the tasks through the
Airflow connection ``ogi_warehouse``, must hold the city's truth. Then a worker is SIGKILLed (with its
whole process tree) while its fetch task runs: the task is retried on the other worker, the run
succeeds, the warehouse equals the truth and nothing is loaded twice. Every process started is
stopped by pid at the end, none left over.

About 2.5-3 minutes on 2 cores (stack start ~20 s, first run ~25 s, the worker-kill run ~100 s: heartbeat
timeout 20 s + the fetch task's own retry delay ~30 s). Deselect with ``-m "not slow"``.
"""

from __future__ import annotations

import os
import time

import pytest
from citykit import make_city, truth_facts, warehouse_facts

from ogi import celery_stack as cs
from ogi_dev.portal import serve_portal

ORGANS = 6
YEARS = (2022, 2023)
DAG = cs.DAG_ID
#: what a dead worker leaves behind is noticed in seconds, not minutes: a task it was running after 20 s
#: without heartbeat (default 300 s); a task it had received but not started stays *queued* with its
#: message unacknowledged in Redis, re-sent by the scheduler after 45 s (default 600 s, checked every 120 s)
FAST_FAILURE = {
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_SEC": "2",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
    "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "2",
    "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "45",
    "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT_CHECK_INTERVAL": "5",
}


def _redis_or_skip() -> str:
    import redis

    url = os.environ.get("OGI_TEST_REDIS_URL", cs.REDIS_URL)
    try:
        redis.Redis.from_url(url + "/0", socket_connect_timeout=2).ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis not reachable at {url} (CI must start it)")
        pytest.skip(f"Redis not reachable at {url}")
    return url


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    out = tmp_path_factory.mktemp("celery-city") / "yunlan"
    return out, make_city(out, organs=ORGANS, years=YEARS)


@pytest.fixture(scope="module")
def native(pg_server, tmp_path_factory):
    """The stack, up once for this module's tests; stopped, databases dropped, Redis db released after."""
    redis_url = _redis_or_skip()
    work = tmp_path_factory.mktemp("celery-stack")
    with cs.native_stack(
        work, workers=2, concurrency=2, pg_admin_url=pg_server, redis_url=redis_url, extra_env=FAST_FAILURE
    ) as n:
        yield n
        stack = n.stack
    assert cs.strays(stack) == [], "processes left running after stop"
    assert all(proc.poll() is not None for proc in stack.procs.values())


def _no_duplicates(url: str, year: int, truth: dict, run_id: str) -> None:
    """One report version per organ-year (a re-loaded document would add none, a re-parsed one would be
    unchanged), one fact row per truth cell (the facts dict would hide duplicate rows)."""
    import sqlalchemy as sa

    from ogi.warehouse.db import get_engine

    engine = get_engine(url)
    with engine.connect() as c:
        versions = c.execute(
            sa.text(
                "select organ_id, count(*), sum(case when is_current then 1 else 0 end) from reports "
                "where year = :y group by organ_id"
            ),
            {"y": year},
        ).all()
        facts = c.execute(
            sa.text(
                "select count(*) from facts f join reports r on r.id = f.report_id "
                "where r.year = :y and r.is_current and f.value_num is not null"
            ),
            {"y": year},
        ).scalar_one()
        inserted = c.execute(
            sa.text("select n_inserted from runs where run_id = :r and kind = 'load'"), {"r": run_id}
        ).scalar_one()
    engine.dispose()
    assert len(versions) == ORGANS and all(n == 1 and current == 1 for _, n, current in versions), versions
    assert facts == len(truth)
    assert inserted == ORGANS  # the run's load inserted each organ's report once


def test_a_run_on_two_celery_workers_loads_the_truth(native, city):
    city_dir, manifest = city
    year = YEARS[0]
    queue = native.stack.env["AIRFLOW__OPERATORS__DEFAULT_QUEUE"]
    workers = {f"{name}@{os.uname().nodename}" for name in native.stack.workers()}
    with serve_portal(city_dir / "portal") as portal:
        run_id = native.api.trigger(
            DAG, cs.run_conf(city_dir, portal.base_url, year, 3), logical_date=f"{year + 1}-02-01T00:00:00Z"
        )
        state = native.api.wait_for_run(
            DAG, run_id, timeout=240, check=lambda: cs.check_running(native.stack)
        )
    tis = native.api.task_instances(DAG, run_id)
    assert state == "success", [(t["task_id"], t["map_index"], t["state"]) for t in tis]
    assert {t["state"] for t in tis} == {"success"}
    assert {t["queue"] for t in tis} == {queue}  # through the broker, on this stack's own queue
    assert {t["hostname"] for t in tis} <= workers  # every task ran on a Celery worker
    truth = truth_facts(city_dir, manifest, year)
    assert truth and warehouse_facts(native.warehouse_url, year) == truth
    _no_duplicates(native.warehouse_url, year, truth, run_id)
    # the tasks reached the warehouse through the Airflow connection, not a local default
    assert not (native.stack.home.parent / "ogi" / "warehouse.db").exists()


def test_a_worker_killed_mid_run_its_task_retried_on_the_other(native, city):
    city_dir, manifest = city
    year = YEARS[1]
    workers = native.stack.workers()
    assert len(workers) == 2, "needs both workers (run the whole module)"
    killed: dict = {}

    def kill_when_a_fetch_runs(run_id: str) -> None:
        if killed:
            return
        for ti in native.api.task_instances(DAG, run_id):
            if ti["task_id"] == "collect.fetch_batch" and ti["state"] == "running" and ti["hostname"]:
                victim = ti["hostname"].split("@")[0]
                killed.update(
                    name=victim, map_index=ti["map_index"], pids=cs.kill_worker(native.stack, victim)
                )
                return

    # every portal answer takes 2 s: a fetch task (2 organs) runs for ~10 s, long enough to be caught
    with serve_portal(city_dir / "portal", latency=2.0) as portal:
        run_id = native.api.trigger(
            DAG, cs.run_conf(city_dir, portal.base_url, year, 2), logical_date=f"{year + 1}-02-01T00:00:00Z"
        )
        deadline = time.monotonic() + 120
        while not killed and time.monotonic() < deadline:
            kill_when_a_fetch_runs(run_id)
            time.sleep(0.3)
        assert killed, "no fetch task was seen running"
        state = native.api.wait_for_run(DAG, run_id, timeout=300)
    victim = killed["name"]
    survivor = next(w for w in workers if w != victim)
    assert not any(cs.alive(p) for p in killed["pids"]), "the killed worker's processes are gone"
    assert native.stack.procs[victim].returncode == -9

    tis = native.api.task_instances(DAG, run_id)
    assert state == "success", [(t["task_id"], t["map_index"], t["state"], t["try_number"]) for t in tis]
    tries = native.api.tries(DAG, run_id, "collect.fetch_batch", killed["map_index"])
    by_try = {t["try_number"]: t for t in tries}
    assert by_try[1]["hostname"].startswith(victim + "@") and by_try[1]["state"] == "failed"
    last = by_try[max(by_try)]
    assert last["state"] == "success" and last["hostname"].startswith(survivor + "@"), tries
    # after the kill only the survivor ran tasks
    retried = [t for t in tis if t["try_number"] > 1]
    assert retried and all(t["hostname"].startswith(survivor + "@") for t in retried)

    truth = truth_facts(city_dir, manifest, year)
    assert truth and warehouse_facts(native.warehouse_url, year) == truth
    _no_duplicates(native.warehouse_url, year, truth, run_id)
