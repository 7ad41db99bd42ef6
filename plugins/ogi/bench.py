"""``ogi bench STAGE``: benchmarks that print figures (never part of CI).

Each stage keeps its benchmark next to its code as ``ogi/<stage>/bench.py`` with a
``main(argv) -> int`` that prints a table; ``ogi bench all`` runs them in order.
Figures go into ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import importlib

#: stage name -> module with main(argv)
BENCHES: dict[str, str] = {
    "parse": "ogi.parse.bench",
    "validate": "ogi.validate.bench",
    "load": "ogi.warehouse.bench",
    "fetch": "ogi.fetch.bench",
    "dags": "ogi.pipeline_bench",
    "national": "ogi.synth.bench",
}


def run(args: argparse.Namespace) -> int:
    stages = list(BENCHES) if args.stage == "all" else [args.stage]
    status = 0
    for stage in stages:
        print(f"== bench {stage} ==", flush=True)
        status |= importlib.import_module(BENCHES[stage]).main(args.rest)
    return status


def register(sub) -> None:
    p = sub.add_parser("bench", help="run a benchmark and print its figures (see docs/benchmarks.md)")
    p.add_argument("stage", choices=[*BENCHES, "all"], help="which benchmark")
    p.add_argument("rest", nargs=argparse.REMAINDER, help="options passed to the stage's benchmark")
    p.set_defaults(func=run)
