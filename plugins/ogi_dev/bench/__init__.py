"""``ogi bench STAGE``: benchmarks that print figures (never part of CI).

Each stage's benchmark is a module of this package (``BENCHES``: ``ogi_dev.bench.<stage>``) with a
``main(argv) -> int`` that prints its own detailed table and ``record``s its headline figures;
``ogi bench all`` runs the stages in order and ends with one table of those headline figures.
The national-scale run takes hours, so ``all`` includes it only when asked (``--national N``).
Figures go into ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import time

#: stage name -> module with main(argv)
BENCHES: dict[str, str] = {
    "parse": "ogi_dev.bench.parse",
    "validate": "ogi_dev.bench.validate",
    "load": "ogi_dev.bench.load",
    "fetch": "ogi_dev.bench.fetch",
    "dags": "ogi_dev.bench.dags",
    "national": "ogi_dev.bench.national",
    "celery": "ogi_dev.bench.celery",
}

#: headline figures recorded by the stages run in this process: (stage, what, figure)
FIGURES: list[tuple[str, str, str]] = []


def record(stage: str, what: str, figure: str) -> None:
    """Note one headline figure for the combined table that ``ogi bench all`` prints at the end."""
    FIGURES.append((stage, what, figure))


def print_figures() -> None:
    """The recorded figures as one table, with when and where they were measured."""
    load = os.getloadavg()[0]
    print(
        f"\n== headline figures ({time.strftime('%Y-%m-%d %H:%M')}, {platform.node()}, "
        f"{os.cpu_count()} CPUs, load average now {load:.1f}) =="
    )
    w1 = max((len(s) for s, _, _ in FIGURES), default=5)
    w2 = max((len(w) for _, w, _ in FIGURES), default=4)
    print(f"{'stage':<{w1}}  {'what':<{w2}}  figure")
    for stage, what, figure in FIGURES:
        print(f"{stage:<{w1}}  {what:<{w2}}  {figure}")


def run(args: argparse.Namespace) -> int:
    if args.stage != "all":
        return importlib.import_module(BENCHES[args.stage]).main(args.rest)
    ap = argparse.ArgumentParser(prog="ogi bench all", description="every stage's benchmark, then one table")
    ap.add_argument(
        "--national",
        type=int,
        default=0,
        metavar="N",
        help="also run the national-scale benchmark with N reports (hours at 100000; default: skip it)",
    )
    ap.add_argument("--quick", action="store_true", help="smaller sizes (a check that every stage runs)")
    opts = ap.parse_args(args.rest)
    stage_args: dict[str, list[str]] = {
        "parse": ["--repeat", "2"] if opts.quick else [],
        "validate": ["--sizes", "1,100"] if opts.quick else [],
        # the summary-query figure needs a 100,000-report warehouse (minutes): `ogi bench load` alone
        "load": ["--reports", "500" if opts.quick else "10000", "--skip-summary"],
        "fetch": ["--organs", "20"] if opts.quick else [],
        "dags": ["--organs", "6"] if opts.quick else [],
    }
    if opts.national:
        stage_args["national"] = ["--reports", str(opts.national)]
    status = 0
    for stage, argv in stage_args.items():
        print(f"== bench {stage} ==", flush=True)
        status |= importlib.import_module(BENCHES[stage]).main(argv)
    print_figures()
    return status


def register(sub) -> None:
    p = sub.add_parser("bench", help="run a benchmark and print its figures (see docs/benchmarks.md)")
    p.add_argument("stage", choices=[*BENCHES, "all"], help="which benchmark ('all': every stage, one table)")
    p.add_argument("rest", nargs=argparse.REMAINDER, help="options passed to the stage's benchmark")
    p.set_defaults(func=run)
