"""``ogi bench validate``: GX import time, then 1, 100, 10,000 reports validated in one run each.

Reports are the corpus truth files (when ``../shared/corpus`` is there) plus random valid reports of
both template versions; every 20th report has one table 三/四 cell changed, so failures are mapped too.
Target: 10,000 reports in ≤ 30 s excluding the import.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from ogi import config
from ogi.model import Report

DEFAULT_SIZES = (1, 100, 10_000)


def _truths() -> list[Report]:
    corpus = Path(config.REPO_ROOT).parent / "shared" / "corpus"
    if not corpus.is_dir():
        return []
    return [
        Report.from_canonical(json.loads(p.read_text("utf-8"))) for p in sorted(corpus.glob("*.truth.json"))
    ]


def make_batch(n: int, seed: int = 0) -> dict[str, Report]:
    from ogi_dev.samples import perturbed, random_reports

    truths = _truths()
    reports = (truths + random_reports(max(n - len(truths), 0), seed))[:n]
    return {f"r{i:06d}": perturbed(r, seed + i) if i % 20 == 19 else r for i, r in enumerate(reports)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="ogi bench validate", description=__doc__)
    p.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="comma-separated batch sizes")
    p.add_argument("--no-data-docs", action="store_true", help="skip rendering Data Docs in the timed runs")
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    t0 = time.perf_counter()
    import great_expectations  # noqa: F401

    import ogi.validate.expectations  # noqa: F401

    print(f"import great_expectations + ogi expectations: {time.perf_counter() - t0:6.2f} s (wall)")
    from ogi.validate.run import validate_batch
    from ogi_dev.bench import record

    print(
        f"{'reports':>8} {'seconds':>8} {'cpu s':>7} {'reports/s':>10} {'results':>9} {'failed':>7}  data docs"
    )
    with tempfile.TemporaryDirectory(prefix="ogi-bench-docs-") as tmp:
        for n in sizes:
            items = make_batch(n)
            t, cpu = time.perf_counter(), time.process_time()
            run = validate_batch(items, data_docs=not args.no_data_docs, data_docs_dir=Path(tmp) / str(n))
            dt, dcpu = time.perf_counter() - t, time.process_time() - cpu
            docs = "yes" if run.data_docs_index else "no"
            record(
                "validate", f"batch of {n} reports (Data Docs {docs})", f"{n / dt:.1f} reports/s ({dt:.1f} s)"
            )
            print(
                f"{n:>8} {dt:>8.2f} {dcpu:>7.2f} {n / dt:>10.0f} {len(run.results):>9} {len(run.failed()):>7}  {docs}"
            )
    return 0
