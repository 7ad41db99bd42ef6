"""``ogi bench national``: N generated reports (mixed formats) through parse → validate → load (PostgreSQL).

Outside Airflow: work is cut into chunks of whole organs (all their years), and a pool of 1 or 2
worker processes each generates a chunk (timed apart, not counted in throughput), then runs the
stage core the way the DAG's tasks do: archives every document's bytes (``ogi.fetch.archive``), parses
it through the parse store (``ogi.parse.store.parse_archived``: the bounded worker of
``ogi.parse.limits``, the parse written as JSON) and reads the stored parse back, validates the chunk
in one GX run keyed by document (``ogi.stages``), and loads it in one transaction into a fresh
PostgreSQL database per worker setting. Printed: reports/s end to end and per stage, parse ms per format, cell accuracy against
the truth per format, peak RSS (getrusage) of the workers, and throughput early vs late in the run
(constant means cost grows linearly with N).
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from collections import defaultdict

from ogi_dev.synth.defects import DEFECTS

_ENGINE = None
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
#: printed defects injected into the bench reports (late/missing/duplicate reports concern the portal or
#: the calendar, not parsing)
BENCH_DEFECTS = tuple(
    d for d in DEFECTS if d not in ("late_publication", "missing_report", "duplicate_report")
)


def _engine(url: str):
    global _ENGINE
    if _ENGINE is None:
        from ogi.warehouse.db import get_engine

        _ENGINE = get_engine(url)
    return _ENGINE


def generate_chunk(
    chunk: int, organs: int, years: list[int], seed: int, defect_rate: float, weights: dict[str, float]
):
    """The documents of one chunk: (organ spec, year, form, bytes, ext, truth, defect)."""
    from ogi_dev.synth import defects as D
    from ogi_dev.synth import render_html as RH
    from ogi_dev.synth.city import render_document
    from ogi_dev.synth.layout import Options, build_page
    from ogi_dev.synth.numbers import OrganSpec, draw_scale, generate_series

    rng = random.Random(seed * 1_000_003 + chunk)
    forms, w = list(weights), list(weights.values())
    out = []
    for j in range(organs):
        kind = ("department", "government", "township", "subdistrict")[j % 4]
        spec = OrganSpec(
            f"nb{chunk:05d}-{j:03d}",
            f"第{chunk}片区{j}号{('局', '人民政府', '镇人民政府', '街道办事处')[j % 4]}",
            kind,
            f"nb{chunk:05d}",
            draw_scale(rng),
            makes_rules=kind == "government",
        )
        prev = None
        for y, report in generate_series(spec, years, rng).items():
            opts = Options(break_labels=rng.random() < 0.7)
            defect = None
            if rng.random() < defect_rate:
                defect = rng.choice([d for d in BENCH_DEFECTS if D.applicable(d, report, prev)])
                report, _ = D.inject(defect, report, opts, rng, prev=prev, organ_type=kind)
            form = "html" if opts.image_tables else rng.choices(forms, w)[0]
            page = build_page(report, opts)
            style = RH.STYLES[j % 3]
            if form == "html":
                images = ["t1.png", "t2.png", "t3.png"] if opts.image_tables else None
                body = RH.body_html(page, style, images=images)
                data, ext = (
                    RH.article_html(
                        page, style=style, city_name="全国", url="https://www.x.gov.cn/", body=body
                    ),
                    "html",
                )
            else:
                data, ext = render_document(page, form)
            out.append((spec, y, form, data, ext, report, defect))
            prev = report
    return out


def _documents(
    chunk: int,
    organs: int,
    years: list[int],
    seed: int,
    defect_rate: float,
    weights: dict[str, float],
    cache: str | None,
):
    """A chunk's documents, generated or (with ``--cache DIR``) read back from an earlier run with the
    same settings, so that several worker settings parse the very same documents and pay generation once."""
    if cache is None:
        return generate_chunk(chunk, organs, years, seed, defect_rate, weights)
    import hashlib
    import pickle
    from pathlib import Path

    key = repr((organs, years, seed, defect_rate, sorted(weights.items()), BENCH_DEFECTS))
    path = Path(cache) / f"chunk-{hashlib.sha256(key.encode()).hexdigest()[:12]}-{chunk:05d}.pickle"
    if path.exists():
        return pickle.loads(path.read_bytes())
    docs = generate_chunk(chunk, organs, years, seed, defect_rate, weights)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{chunk}")
    tmp.write_bytes(pickle.dumps(docs, protocol=pickle.HIGHEST_PROTOCOL))
    tmp.replace(path)
    return docs


def _work(task: tuple) -> dict:
    """Generate, parse, validate and load one chunk through the stage core (``ogi.stages``); return
    timings and counts."""
    from ogi import config, stages
    from ogi.fetch.archive import Archive
    from ogi.model import ParseStatus
    from ogi.parse import store
    from ogi.warehouse.load import LoadItem, RunInfo
    from ogi_dev.synth.numbers import diff_cells

    chunk, organs, years, seed, defect_rate, weights, url, run_id, cache = task
    r: dict = {
        "parse_s": defaultdict(float),
        "n": defaultdict(int),
        "exact": defaultdict(int),
        "parsed": defaultdict(int),
        "errors": defaultdict(int),
        "chunk": chunk,
    }
    t0 = time.perf_counter()
    docs = _documents(chunk, organs, years, seed, defect_rate, weights, cache)
    r["gen_s"] = time.perf_counter() - t0
    items = []
    archive = Archive(config.archive_dir())
    t1 = time.perf_counter()
    for spec, y, form, data, ext, truth, defect in docs:
        ts = time.perf_counter()
        doc_url = f"https://bench.invalid/{spec.id}/{y}"
        sha = archive.put(data, {"url": doc_url, "status": 200})  # as fetch does, before any parsing
        # as the DAG's parse task does: bounded worker, parse stored as JSON ...
        outcome = store.parse_archived(sha, filename=f"report.{ext}", url=doc_url)
        if outcome["status"] == ParseStatus.QUARANTINED:
            p, reason = None, f"{outcome['reason']}: {outcome['message']}"  # as the DAG's load task says
            r["errors"][
                f"{form}:{outcome['reason']}" + (" (expected)" if defect == "image_tables" else "")
            ] += 1
        else:  # ... and read back by the validate task
            p, reason = store.read_parsed(outcome["path"]), None
        r["parse_s"][form] += time.perf_counter() - ts
        r["n"][form] += 1
        if p is not None:
            r["parsed"][form] += 1
            r["exact"][form] += not diff_cells(truth, p.report)
        items.append(
            LoadItem(
                spec.id,
                y,
                p,
                doc_url,
                sha,
                None,
                quarantine_reason=None if p else reason,
                organ_name=spec.name,
                region_id=spec.region,
            )
        )
    r["parse_total_s"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    parsed = {it.document_key: it.parsed for it in items if it.parsed is not None}
    results = stages.validate_documents(parsed).results if parsed else []
    r["validate_s"] = time.perf_counter() - t2
    t3 = time.perf_counter()
    items = stages.with_results(items, stages.results_by_document(results))
    stages.load_documents(_engine(url), items, run=RunInfo(run_id))
    r["load_s"] = time.perf_counter() - t3
    r["pipeline_s"] = time.perf_counter() - t1
    r["reports"] = len(docs)
    r["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    r["done_at"] = time.perf_counter()
    for k in ("parse_s", "n", "exact", "parsed", "errors"):
        r[k] = dict(r[k])
    return r


def _fresh_db(admin_url: str, name: str) -> str:
    from sqlalchemy import create_engine, text

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    from ogi.warehouse.db import get_engine, upgrade

    eng = get_engine(url)
    upgrade(eng)
    eng.dispose()
    return url


def _init_worker(home: str) -> None:
    """A pool worker starts without the parent's engine, with its own ``OGI_HOME`` (the run's archive
    and parse store), and with SIGTERM's default action: a handler the parent process installed
    (Airflow's task runner, say) would otherwise survive the fork and make ``Pool.terminate`` wait
    forever for a worker that ignores it."""
    import os
    import signal

    global _ENGINE
    _ENGINE = None
    os.environ["OGI_HOME"] = home
    os.environ.pop("OGI_ARCHIVE_DIR", None)  # the archive too: never a user's archive
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def run_once(
    n: int,
    workers: int,
    *,
    years: list[int],
    chunk_reports: int,
    seed: int,
    defect_rate: float,
    weights: dict[str, float],
    cache: str | None = None,
    admin_url: str = ADMIN_URL,
    db_prefix: str = "ogi_bench_national",
    home: str | None = None,
) -> dict:
    """One worker setting: a fresh warehouse database, and a fresh ``OGI_HOME`` (archive and parse
    store) under ``home`` (default: a temporary folder, removed afterwards), so every document is
    archived and parsed in this run."""
    import multiprocessing as mp
    import os
    import shutil
    import tempfile

    organs_per_chunk = max(1, chunk_reports // len(years))
    n_chunks = max(1, round(n / (organs_per_chunk * len(years))))
    url = _fresh_db(admin_url, f"{db_prefix}_w{workers}")
    tasks = [
        (c, organs_per_chunk, years, seed, defect_rate, weights, url, f"bench-w{workers}", cache)
        for c in range(n_chunks)
    ]
    out: list[dict] = []
    start = time.perf_counter()
    ctx = mp.get_context("fork")
    if home is None:
        run_home, keep = tempfile.mkdtemp(prefix=f"ogi-bench-national-w{workers}-"), False
    else:
        run_home, keep = os.path.join(home, f"w{workers}"), True
        shutil.rmtree(run_home, ignore_errors=True)
    try:
        with ctx.Pool(workers, initializer=_init_worker, initargs=(run_home,)) as pool:
            for i, r in enumerate(pool.imap_unordered(_work, tasks)):
                out.append(r)
                done = sum(x["reports"] for x in out)
                if (i + 1) % max(1, n_chunks // 10) == 0 or i + 1 == n_chunks:
                    el = time.perf_counter() - start
                    print(
                        f"  [{workers} worker(s)] {done} reports, {el:.0f} s, {done / el:.1f} reports/s "
                        f"(incl. generation), worker peak RSS {max(x['maxrss_mb'] for x in out):.0f} MB",
                        flush=True,
                    )
    finally:
        if not keep:
            shutil.rmtree(run_home, ignore_errors=True)
    wall = time.perf_counter() - start
    return {"workers": workers, "wall_s": wall, "chunks": out, "url": url}


def _report(res: dict) -> None:
    ch = res["chunks"]
    n = sum(c["reports"] for c in ch)
    tot = {k: sum(c[k] for c in ch) for k in ("gen_s", "parse_total_s", "validate_s", "load_s", "pipeline_s")}
    w = res["workers"]
    print(f"\n== {n} reports, {w} worker process(es): wall {res['wall_s']:.0f} s ==")
    print(f"  generation or cache read (not counted)  {tot['gen_s']:.0f} s")
    pipe = tot["pipeline_s"] / w  # per-worker busy time, workers run in parallel
    print(f"  parse → validate → load   {n / pipe:.1f} reports/s (busy time {pipe:.0f} s per worker)")
    print(f"    parse    {n / tot['parse_total_s']:.1f} reports/s per process")
    print(f"    validate {n / tot['validate_s']:.1f} reports/s per process")
    print(f"    load     {n / tot['load_s']:.1f} reports/s per process (PostgreSQL)")
    print(f"  end to end incl. generation {n / res['wall_s']:.1f} reports/s")
    print(f"  worker peak RSS            {max(c['maxrss_mb'] for c in ch):.0f} MB")
    from ogi_dev.bench import record

    record(
        "national",
        f"{n} reports, {w} worker process(es), PostgreSQL",
        f"{n / pipe:.1f} reports/s, worker peak RSS {max(c['maxrss_mb'] for c in ch):.0f} MB",
    )
    forms: dict[str, list] = defaultdict(lambda: [0, 0.0, 0, 0])
    errors: dict[str, int] = defaultdict(int)
    for c in ch:
        for f, k in c["n"].items():
            forms[f][0] += k
            forms[f][1] += c["parse_s"].get(f, 0)
            forms[f][2] += c["exact"].get(f, 0)
            forms[f][3] += c["parsed"].get(f, 0)
        for e, k in c["errors"].items():
            errors[e] += k
    print("  form   reports  parse ms/report  parsed  exact (every cell = truth) of parsed")
    for f, (k, s, exact, ok) in sorted(forms.items()):
        print(f"  {f:6} {k:8d}  {1000 * s / k:15.1f}  {ok:6d}  {exact:6d} ({100 * exact / max(ok, 1):.2f} %)")
    if errors:
        print("  parse errors: " + ", ".join(f"{e} {k}" for e, k in sorted(errors.items())))
    ordered = sorted(ch, key=lambda c: c["done_at"])
    tenth = max(1, len(ordered) // 10)
    first, last = ordered[:tenth], ordered[-tenth:]

    def rate(cs):
        return sum(c["reports"] for c in cs) / sum(c["pipeline_s"] for c in cs)

    print(
        f"  linearity: first 10 % of chunks {rate(first):.1f} reports/s/process, last 10 % {rate(last):.1f}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="ogi bench national", description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=int, default=100_000, help="number of reports (default 100000)")
    ap.add_argument("--workers", default="1,2", help="worker process counts to compare (default 1,2)")
    ap.add_argument("--years", default="2021-2025", help="report years per organ (default 2021-2025)")
    ap.add_argument("--chunk", type=int, default=250, help="reports per chunk (one validate run, one load)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--defect-rate", type=float, default=0.1)
    ap.add_argument("--pg", default=ADMIN_URL, help=f"PostgreSQL admin URL (default {ADMIN_URL})")
    ap.add_argument(
        "--db-prefix",
        default="ogi_bench_national",
        help="warehouse databases are (re)created as PREFIX_w1, PREFIX_w2, … (default ogi_bench_national)",
    )
    ap.add_argument(
        "--cache",
        metavar="DIR",
        help="keep generated chunks in DIR and reuse them (same documents for every worker setting)",
    )
    ap.add_argument(
        "--home",
        metavar="DIR",
        help="keep each worker setting's archive and parse store in DIR/wN (default: a temporary folder, removed)",
    )
    ap.add_argument("--forms", default="html:0.55,pdf:0.2,docx:0.15,text:0.1", help="form:weight list")
    args = ap.parse_args(argv or [])
    try:
        a, _, b = args.years.partition("-")
        years = list(range(int(a), int(b or a) + 1))
        workers = [int(x) for x in args.workers.split(",")]
        weights = {f: float(w) for f, w in (x.split(":") for x in args.forms.split(","))}
    except ValueError:
        print("ogi bench national: --years like 2021-2025, --workers like 1,2, --forms like html:0.6,pdf:0.4")
        return 2
    if args.reports < 1 or min(workers) < 1 or min(years) < 2019:
        print("ogi bench national: --reports and --workers must be positive, years from 2019 on")
        return 2
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with create_engine(args.pg).connect() as c:
            c.execute(text("select 1"))
    except SQLAlchemyError as e:  # no server: say so in one line
        print(f"ogi bench national: PostgreSQL at {args.pg} is not usable: {e}"[:300])
        return 1
    print(
        f"national bench: {args.reports} reports, years {years[0]}-{years[-1]}, forms {weights}, "
        f"defect rate {args.defect_rate}, chunks of {args.chunk}"
    )
    for w in workers:
        _report(
            run_once(
                args.reports,
                w,
                years=years,
                chunk_reports=args.chunk,
                seed=args.seed,
                defect_rate=args.defect_rate,
                weights=weights,
                cache=args.cache,
                admin_url=args.pg,
                db_prefix=args.db_prefix,
                home=args.home,
            )
        )
    return 0
