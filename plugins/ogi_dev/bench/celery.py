"""``ogi bench celery``: LocalExecutor vs Celery with 1 and 2 workers on the native topology of
``ogi.celery_stack`` (same generated city, same task slots, fresh databases and OGI_HOME each); also
``python -m ogi_dev.bench.celery``. Needs PostgreSQL and Redis; not part of CI (about 12 minutes at 200
organs, two rounds).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

from ogi.celery_stack import DAG_ID, PG_ADMIN_URL, REDIS_URL, check_running, native_stack, run_conf


def main(argv: list[str] | None = None) -> int:
    """Wall time of one ``ogi_annual_reports`` run over a generated city on LocalExecutor, then Celery
    with 1 and 2 workers (same city, same task slots, fresh databases and OGI_HOME each)."""
    ap = argparse.ArgumentParser(prog="ogi bench celery")
    ap.add_argument("--organs", type=int, default=200, help="organs in the generated city (default 200)")
    ap.add_argument("--year", type=int, default=2023, help="report year (default 2023)")
    ap.add_argument("--batch-size", type=int, default=25, help="organs per mapped task (default 25)")
    ap.add_argument("--slots", type=int, default=4, help="task slots in every configuration (default 4)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pg", default=PG_ADMIN_URL, help="PostgreSQL admin URL (fresh databases are created)")
    ap.add_argument("--redis", default=REDIS_URL, help="Redis URL without db number")
    ap.add_argument("--only", help="comma list of local,celery-1,celery-2 (default: all three)")
    ap.add_argument(
        "--repeat", type=int, default=1, help="rounds of all configurations, interleaved (default 1)"
    )
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args(argv)

    from ogi_dev.portal import serve_portal
    from ogi_dev.synth.city import generate_city

    work = Path(tempfile.mkdtemp(prefix="ogi-bench-celery-"))
    t0 = time.perf_counter()
    generate_city(work / "city", organs=args.organs, years=[args.year], seed=args.seed)
    print(
        f"city: {args.organs} organs, report year {args.year} (generated in {time.perf_counter() - t0:.1f} s)"
    )
    configs = {
        "local": {"executor": "LocalExecutor", "workers": 0, "concurrency": args.slots},
        "celery-1": {"executor": "CeleryExecutor", "workers": 1, "concurrency": args.slots},
        "celery-2": {"executor": "CeleryExecutor", "workers": 2, "concurrency": max(1, args.slots // 2)},
    }
    wanted = args.only.split(",") if args.only else list(configs)
    results: list[dict] = []
    with serve_portal(work / "city" / "portal") as portal:
        conf = run_conf(work / "city", portal.base_url, args.year, args.batch_size)
        for round_no in range(1, args.repeat + 1):
            for name in wanted:  # interleaved rounds: a change of machine load hits every configuration
                cfg = configs[name]
                folder = work / f"{name}-{round_no}"
                t_up = time.perf_counter()
                with native_stack(folder, pg_admin_url=args.pg, redis_url=args.redis, log=print, **cfg) as n:
                    up = time.perf_counter() - t_up
                    load: list[float] = []
                    t_run = time.perf_counter()
                    run_id = n.api.trigger(DAG_ID, conf, logical_date=f"{args.year + 1}-02-01T00:00:00Z")
                    state = n.api.wait_for_run(
                        DAG_ID,
                        run_id,
                        timeout=3 * 3600,
                        poll=2,
                        check=lambda s=n.stack: check_running(s),
                        on_poll=lambda load=load: load.append(os.getloadavg()[0]),
                    )
                    wall = time.perf_counter() - t_run
                    tis = n.api.task_instances(DAG_ID, run_id)
                r = {
                    "name": name,
                    "round": round_no,
                    "slots": cfg["concurrency"] * max(1, cfg["workers"]),
                    "up": up,
                    "wall": wall,
                    "state": state,
                    "tis": len(tis),
                    "task_s": sum(ti.get("duration") or 0.0 for ti in tis),
                    "hosts": sorted({ti.get("hostname") or "" for ti in tis}),
                    "stages": _stage_seconds(tis),
                    "load": sum(load) / len(load) if load else os.getloadavg()[0],
                }
                results.append(r)
                print(
                    f"{name} (round {round_no}): run {state} in {wall:.1f} s, {r['tis']} task instances "
                    f"taking {r['task_s']:.0f} s in all; start-up {up:.1f} s; load average {r['load']:.1f}",
                    flush=True,
                )
    labels = {"local": "LocalExecutor", "celery-1": "Celery, 1 worker", "celery-2": "Celery, 2 workers"}
    stages = list(dict.fromkeys(k for r in results for k in r["stages"]))
    print("\nsum of task-instance seconds per task (max of one instance):")
    print(f"{'configuration':20} {'round':>5}  " + "  ".join(f"{k.split('.')[-1]:>17}" for k in stages))
    for r in results:
        cells = "  ".join(f"{r['stages'][k][0]:>9.1f} ({r['stages'][k][1]:>5.1f})" for k in stages)
        print(f"{labels[r['name']]:20} {r['round']:>5}  {cells}")
    print(
        f"\n{args.organs}-organ city, report year {args.year}, batch size {args.batch_size}; "
        f"{os.cpu_count()} CPUs, {socket.gethostname()}, {time.strftime('%Y-%m-%d %H:%M')}"
    )
    print(
        f"{'configuration':20} {'round':>5} {'slots':>5} {'run wall s':>10} {'sum of task s':>13} "
        f"{'start-up s':>10} {'load avg':>8}  state    task instances on"
    )
    for r in results:
        print(
            f"{labels[r['name']]:20} {r['round']:>5} {r['slots']:>5} {r['wall']:>10.1f} {r['task_s']:>13.0f} "
            f"{r['up']:>10.1f} {r['load']:>8.1f}  {r['state']:8} {', '.join(r['hosts'])}"
        )
    from ogi_dev.bench import record

    for name in wanted:
        walls = sorted(r["wall"] for r in results if r["name"] == name)
        record("celery", f"{args.organs}-organ city, {labels[name]}", f"{walls[len(walls) // 2]:.1f} s")
    if args.keep:
        print(f"work folder: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(r["state"] == "success" for r in results) else 1


def _stage_seconds(tis: list[dict]) -> dict[str, tuple[float, float]]:
    """task id -> (sum, max) of its task instances' durations, in run order."""
    out: dict[str, list[float]] = {}
    for ti in sorted(tis, key=lambda t: t.get("start_date") or ""):
        out.setdefault(ti["task_id"], []).append(ti.get("duration") or 0.0)
    return {k: (sum(v), max(v)) for k, v in out.items()}


if __name__ == "__main__":
    raise SystemExit(main())
