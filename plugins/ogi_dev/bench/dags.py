"""``ogi bench dags``: wall time of ``airflow dags test ogi_annual_reports`` on a generated city, with the
per-stage split (task instance durations from the Airflow metadata DB), and the DAG file parse time.

Everything runs in a temp folder: its own OGI_HOME, AIRFLOW_HOME (SQLite) and warehouse; the city is
served on 127.0.0.1 from this process.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path


def _parse_ms(env: dict) -> list[tuple[str, float]]:
    """DagBag's own per-file parse durations, measured in a fresh interpreter (no warm imports)."""
    code = (
        "from airflow.dag_processing.dagbag import DagBag;"
        f"b=DagBag(dag_folder={str(Path(env['AIRFLOW__CORE__DAGS_FOLDER']))!r});"
        "print(__import__('json').dumps([[s.file, s.duration.total_seconds()*1000] for s in b.dagbag_stats]))"
    )
    from ogi.airflow_services import airflow_bin

    py = Path(airflow_bin()).with_name("python")
    out = subprocess.run([str(py), "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    return [tuple(x) for x in json.loads(out.strip().splitlines()[-1])]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="ogi bench dags")
    ap.add_argument("--organs", type=int, default=60, help="organs in the generated city (default 60)")
    ap.add_argument("--year", type=int, default=2023, help="report year to run (default 2023)")
    ap.add_argument("--batch-size", type=int, default=25, help="organs per mapped task (default 25)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the work folder (city, logs, warehouse)")
    args = ap.parse_args(argv)

    from ogi import airflow_services
    from ogi_dev.portal import serve_portal
    from ogi_dev.synth.city import generate_city

    work = Path(tempfile.mkdtemp(prefix="ogi-bench-dags-"))
    t0 = time.perf_counter()
    generate_city(
        work / "city", organs=args.organs, years=range(args.year - 1, args.year + 1), seed=args.seed
    )
    t_gen = time.perf_counter() - t0
    env = airflow_services.airflow_env(
        work / "airflow",
        extra={"OGI_HOME": str(work / "ogi"), "OGI_WAREHOUSE_URL": f"sqlite:///{work / 'warehouse.db'}"},
    )
    airflow_services.airflow(env, "db", "migrate")
    parse = _parse_ms(env)
    with serve_portal(work / "city" / "portal") as portal:
        conf = {
            "registry": str(work / "city" / "registry.yaml"),
            "via": portal.base_url,
            "years": [args.year],
            "batch_size": args.batch_size,
        }
        t0 = time.perf_counter()
        airflow_services.airflow(
            env, "dags", "test", "ogi_annual_reports", f"{args.year + 1}-02-01", "-c", json.dumps(conf)
        )
        wall = time.perf_counter() - t0

    db = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].removeprefix("sqlite:///")
    with sqlite3.connect(db) as c:
        rows = c.execute(
            "select task_id, map_index, (julianday(end_date) - julianday(start_date)) * 86400.0 from task_instance "
            "where dag_id = 'ogi_annual_reports' order by start_date"
        ).fetchall()
    stages: dict[str, list[float]] = defaultdict(list)
    for task_id, _map_index, seconds in rows:
        stages[task_id].append(seconds or 0.0)
    summary = json.loads(next((work / "ogi" / "runs").glob("*/summary.json")).read_text("utf-8"))

    print(
        f"city: {args.organs} organs, report year {args.year}, batch size {args.batch_size} (generated in {t_gen:.1f} s)"
    )
    for file, ms in parse:
        print(f"DAG file parse (DagBag stats, fresh interpreter): {Path(file).name} {ms:.0f} ms")
    print(f"airflow dags test wall time: {wall:.1f} s  ({len(rows)} task instances)")
    print(f"{'stage':34} {'tis':>4} {'sum s':>8} {'max s':>7}")
    for task_id, secs in stages.items():
        print(f"{task_id:34} {len(secs):>4} {sum(secs):>8.2f} {max(secs):>7.2f}")
    print(
        f"outside tasks (dags test start-up, scheduling): {wall - sum(sum(s) for s in stages.values()):.1f} s"
    )
    print("outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(summary["outcomes"].items())))
    from ogi_dev.bench import record

    record("dags", f"airflow dags test, {args.organs}-organ city", f"{wall:.1f} s")
    for file, ms in parse:
        record("dags", f"DAG file parse, {Path(file).name}", f"{ms:.0f} ms")
    if args.keep:
        print(f"work folder: {work}")
    else:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return 0
