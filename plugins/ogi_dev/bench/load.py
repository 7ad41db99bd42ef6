"""``ogi bench load``: load throughput (reports/s) on SQLite and PostgreSQL, and the time of the municipal
summary over a large warehouse (default 100,000 reports).

Reports are generated in code (``ogi_dev.samples``: every identity holds): a pool of distinct
reports is reused across organ-years, each with its own sha256, so generation costs little and the
database does the real work. PostgreSQL runs in a scratch database created and dropped here.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from ogi.model import ParsedReport, sha256_hex
from ogi.templates import expected_version

YEARS = tuple(range(2019, 2026))
PG_ADMIN = os.environ.get("OGI_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def bench_registry(n_organs: int, districts: int = 10):
    """A city with ``districts`` districts, one township under each, and ``n_organs`` organs spread over them."""
    from ogi.fetch.registry import Organ, Region, Registry

    regions = [Region("bench", "基准市", "city")]
    for d in range(districts):
        regions += [Region(f"bench-d{d}", f"第{d}区", "district", "bench")]
        regions += [Region(f"bench-d{d}-t", f"第{d}区某镇", "township", f"bench-d{d}")]
    types = ("department", "department", "township", "subdistrict", "government")
    organs = [
        Organ(f"bench-{i:06d}", f"基准机关{i}", regions[1 + i % (2 * districts)].id, types[i % len(types)])
        for i in range(n_organs)
    ]
    return Registry("bench", "基准市", tuple(regions), tuple(organs), ())


def generated_items(n_reports: int, *, pool: int = 300, seed: int = 0):
    """``n_reports`` LoadItems over organs x YEARS (reports reused from a pool of distinct ones)."""
    from ogi.warehouse.load import LoadItem
    from ogi_dev.samples import random_report

    parsed: dict[tuple[int, int], ParsedReport] = {}
    n_organs = -(-n_reports // len(YEARS))
    fetched = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    items = []
    for k in range(n_reports):
        organ, year = k // len(YEARS), YEARS[k % len(YEARS)]
        slot = (k % pool, year)
        if slot not in parsed:
            version = expected_version(year)
            rep = random_report(seed * 7919 + k % pool, version, organ=f"基准机关{k % pool}")
            rep.year = year
            rep.published_on = f"{year + 1}-01-{1 + k % 28:02d}"
            parsed[slot] = ParsedReport(rep, "html", version, version, sections={"overview": "总体情况"})
        items.append(
            LoadItem(
                organ_id=f"bench-{organ:06d}",
                year=year,
                parsed=parsed[slot],
                source_url=f"https://www.bench.gov.cn/{organ}/{year}.html",
                sha256=sha256_hex(f"{seed}/{organ}/{year}".encode()),
                fetched_at=fetched,
            )
        )
    return n_organs, items


@contextlib.contextmanager
def scratch_database(kind: str) -> Iterator[str]:
    """URL of a throw-away warehouse database (SQLite file or PostgreSQL database)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="ogi-bench-") as d:
            yield f"sqlite:///{Path(d) / 'bench.db'}"
        return
    import sqlalchemy as sa

    name = f"ogi_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _load_all(engine, items, batch: int, run_prefix: str) -> float:
    from ogi.warehouse.load import RunInfo, load_batch

    t0 = time.perf_counter()
    for i in range(0, len(items), batch):
        load_batch(engine, items[i : i + batch], run=RunInfo(f"{run_prefix}-{i // batch}"))
    return time.perf_counter() - t0


def _server_cpu(engine) -> float | None:
    """CPU seconds used so far by the (single pooled) PostgreSQL backend, if the server is local."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as c:
        pid = c.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_load(kind: str, n: int, batch: int) -> dict[str, float]:
    from ogi.warehouse.db import get_engine, upgrade
    from ogi.warehouse.registry_sync import sync_registry

    n_organs, items = generated_items(n)
    with scratch_database(kind) as url:
        # one pooled connection, so the server's CPU time can be read from its backend process
        engine = get_engine(url, **({"pool_size": 1, "max_overflow": 0} if kind == "postgresql" else {}))
        upgrade(engine)
        sync_registry(engine, bench_registry(n_organs))
        cpu0, srv0 = time.process_time(), _server_cpu(engine)
        first = _load_all(engine, items, batch, "bench")
        cpu1, srv1 = time.process_time(), _server_cpu(engine)
        again = _load_all(engine, items, batch, "bench-again")
        engine.dispose()
    server = srv1 - srv0 if srv0 is not None and srv1 is not None else float("nan")
    return {"reports": n, "load_s": first, "reports_per_s": n / first, "reload_s": again,
            "client_cpu_s": cpu1 - cpu0, "server_cpu_s": server}  # fmt: skip


def bench_summary(kind: str, n: int, batch: int) -> dict[str, float]:
    from ogi.warehouse.db import get_engine, upgrade
    from ogi.warehouse.registry_sync import sync_registry
    from ogi.warehouse.summary import municipal_summary

    n_organs, items = generated_items(n, seed=1)
    with scratch_database(kind) as url:
        engine = get_engine(url)
        upgrade(engine)
        sync_registry(engine, bench_registry(n_organs))
        load_s = _load_all(engine, items, batch, "bench")
        with engine.begin() as c:
            c.exec_driver_sql("ANALYZE")
        timings = {}
        for label, region in (("city", "bench"), ("district", "bench-d3"), ("township", "bench-d3-t")):
            t0 = time.perf_counter()
            s = municipal_summary(engine, region, 2023)
            timings[f"summary_{label}_s"] = time.perf_counter() - t0
            timings[f"summary_{label}_reports"] = s["n_reports"]
        engine.dispose()
    return {"reports": n, "load_s": load_s, **timings}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="ogi bench load", description=__doc__)
    p.add_argument("--reports", type=int, default=10_000, help="reports per load benchmark (default 10,000)")
    p.add_argument(
        "--summary-reports", type=int, default=100_000, help="warehouse size for the summary query"
    )
    p.add_argument("--batch", type=int, default=1000, help="reports per load_batch transaction")
    p.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    p.add_argument("--skip-summary", action="store_true")
    args = p.parse_args(argv)
    from ogi_dev.bench import record

    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    print(
        f"(load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; the CPU columns are\n"
        " this process and, on a local PostgreSQL, its server backend: elapsed time on a quiet machine)"
    )
    print(
        f"{'database':12s} {'reports':>8s} {'load s':>8s} {'reports/s':>10s} {'re-load s':>10s} "
        f"{'client CPU s':>13s} {'server CPU s':>13s}"
    )
    for kind in kinds:
        r = bench_load(kind, args.reports, args.batch)
        print(
            f"{kind:12s} {r['reports']:8d} {r['load_s']:8.1f} {r['reports_per_s']:10.0f} {r['reload_s']:10.1f} "
            f"{r['client_cpu_s']:13.1f} {r['server_cpu_s']:13.1f}",
            flush=True,
        )
        record(
            "load",
            f"{kind}, {r['reports']} reports",
            f"{r['reports_per_s']:.0f} reports/s ({r['load_s']:.1f} s)",
        )
    if args.skip_summary:
        return 0
    print(f"\nmunicipal_summary(region, 2023) over {args.summary_reports:,} reports (7 years):")
    for kind in kinds:
        r = bench_summary(kind, args.summary_reports, args.batch)
        print(
            f"{kind:12s} load {r['load_s']:.0f} s; summary city {r['summary_city_s']:.2f} s "
            f"({r['summary_city_reports']} reports), district {r['summary_district_s']:.2f} s, "
            f"township {r['summary_township_s']:.2f} s",
            flush=True,
        )
        record(
            "load",
            f"{kind}, city summary over {args.summary_reports} reports",
            f"{r['summary_city_s']:.1f} s",
        )
    return 0
