"""``ogi bench parse [PATH ...] [--repeat N]``: parsing speed per format, next to its floor.

Times ``parse_bytes`` on every report of the shared corpus (``$OGI_SHARED/corpus``, default
``../shared/corpus``), on generated reports of every form (``--generated N`` per form) and on any
extra files or folders given, as CPU time of this one process
(one core; other processes' load does not inflate it).
Prints, per format, the median milliseconds per report and reports per second, and beside them
the floor: the bare library call our reader cannot beat (``lxml.html.fromstring`` for HTML,
pdfplumber ``extract_tables`` over every page for PDF) and the ratio ours/floor.
Targets: HTML ≤ 25 ms, flattened text ≤ 5 ms, PDF ≤ 1 s per report.

``--producers N`` measures accuracy instead: N generated reports re-published by each producer of
``ogi_dev.synth.producers`` (ReportLab, headless Chromium A4/A5/borderless, LibreOffice HTML/DOCX → PDF/DOCX),
each parsed and scored against its truth; one row per producer (documents, exact, cell accuracy,
table 三/四 accuracy, documents with an unflagged wrong cell, refusals, median parse ms). Rendered
documents are cached (``--cache DIR``, default ``$OGI_HOME/cache/producers``).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
from pathlib import Path

from ogi.config import REPO_ROOT

_SKIP_SUFFIXES = (".json", ".md", ".tsv", ".yaml", ".yml")


def _corpus() -> Path:
    return Path(os.environ.get("OGI_SHARED", REPO_ROOT.parent / "shared")) / "corpus"


def _files(paths: list[str]) -> list[Path]:
    out: list[Path] = []
    for p in [Path(x) for x in paths]:
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.is_file() and not f.name.endswith(_SKIP_SUFFIXES))
        elif p.is_file():
            out.append(p)
    return out


def _floor(fmt: str, data: bytes) -> None:
    if fmt == "html":
        import lxml.html

        lxml.html.fromstring(data)
    elif fmt == "pdf":
        import pdfplumber

        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                page.extract_tables()


def _time(fn, repeat: int) -> list[float]:
    """CPU milliseconds of this process per run: one core's work, unaffected by other processes' load."""
    out = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        out.append((time.process_time() - t) * 1000)
    return out


def _generated(per_form: int) -> list[tuple[str, bytes]]:
    """``per_form`` generated reports in each form (no defects), as (file name, bytes): the forms the
    corpus lacks (DOCX) and many more PDFs than it has."""
    from ogi_dev.bench.national import generate_chunk

    out = []
    organs = max(1, -(-per_form // 2))  # two years each
    for form in ("html", "pdf", "docx", "text"):
        docs = generate_chunk(7, organs, [2022, 2023], 1, 0.0, {form: 1.0})[:per_form]
        out += [(f"{spec.id}-{year}.{ext}", data) for spec, year, _form, data, ext, _truth, _d in docs]
    return out


def _producer_bench(args) -> int:
    """``--producers N``: the producer matrix parsed and scored, one row per producer."""
    from ogi.config import home
    from ogi_dev.bench import record
    from ogi_dev.synth import producers as P

    names = args.only.split(",") if args.only else list(P.PRODUCERS)
    try:
        missing = P.missing_tools(names)
    except ValueError as e:
        print(f"ogi bench parse: {e}")
        return 2
    for name, why in missing.items():
        print(f"skip producer {name}: {why}")
    names = [n for n in names if n not in missing]
    cache = Path(args.cache) if args.cache else home() / "cache" / "producers"
    print(f"producer matrix: {args.producers} documents per producer, seed {args.seed}, cache {cache}")
    scores: dict[str, P.ProducerScore] = {}
    render_s: dict[str, float] = {}
    for name in names:
        t = time.perf_counter()
        records = list(P.producer_matrix(args.producers, seed=args.seed, producers=[name], cache_dir=cache))
        render_s[name] = (time.perf_counter() - t) / max(1, len(records))
        if args.samples:
            P.write_samples(records, Path(args.samples))
        scores.update(P.evaluate(records))
    if not scores:
        print("no producer can run here")
        return 1
    print(
        f"{'producer':<24}{'docs':>5}{'exact':>6}{'cells %':>9}{'三/四 %':>9}{'unflagged':>10}{'partial':>8}"
        f"{'organ ok':>9}{'parse ms':>9}{'render s':>9}  refusals"
    )
    for name, s in [*scores.items(), ("all", P.total(scores))]:
        refusals = ", ".join(f"{r} {k}" for r, k in sorted(s.refusals.items())) or "-"
        rs = f"{render_s[name]:9.2f}" if name in render_s else f"{'':9}"
        print(
            f"{name:<24}{s.docs:>5}{s.exact:>6}{100 * s.accuracy:9.2f}{100 * s.t34_accuracy:9.2f}"
            f"{s.unflagged:>10}{s.partial:>8}{s.organ_ok:>9}{s.median_ms:9.1f}{rs}  {refusals}"
        )
        record(
            "parse",
            f"producer {name}, {s.docs} generated docs",
            f"{s.exact}/{s.docs} exact, cells {100 * s.accuracy:.2f} %, 三/四 {100 * s.t34_accuracy:.2f} %, "
            f"{s.unflagged} unflagged wrong, median {s.median_ms:.0f} ms",
        )
    print("(render s: seconds per document in this run, cache reads included; unflagged: a wrong cell")
    print(" and not partial with a warning naming it; cells of refused documents count as wrong)")
    return 0


def main(argv: list[str] | None = None) -> int:
    from ogi.model import ParseError
    from ogi.parse import parse_bytes
    from ogi.parse.detect import sniff_format
    from ogi_dev.bench import record

    ap = argparse.ArgumentParser(prog="ogi bench parse", description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", help="extra report files or folders")
    ap.add_argument("--repeat", type=int, default=5, help="runs per file (default 5)")
    ap.add_argument(
        "--generated", type=int, default=10, help="generated reports per form (default 10; 0: corpus only)"
    )
    ap.add_argument(
        "--producers",
        type=int,
        default=0,
        metavar="N",
        help="instead: accuracy of N generated reports per PDF/DOCX producer (Chromium, LibreOffice, ReportLab)",
    )
    ap.add_argument("--cache", metavar="DIR", help="with --producers: rendered documents cache")
    ap.add_argument("--only", metavar="P1,P2", help="with --producers: these producers only")
    ap.add_argument("--seed", type=int, default=1, help="with --producers: the matrix seed (default 1)")
    ap.add_argument(
        "--samples", metavar="DIR", help="with --producers: also write DIR/<producer>/<doc> + truth"
    )
    args = ap.parse_args(argv or [])
    if args.producers:
        return _producer_bench(args)
    corpus = _corpus()
    files = [f for f in _files([str(corpus)]) if "listing" not in f.name] + _files(args.paths)
    docs = [("corpus", f.name, f.read_bytes()) for f in files]
    docs += [("generated", name, data) for name, data in _generated(args.generated)] if args.generated else []
    if not docs:
        print(f"no report files (corpus not found at {corpus}; pass files or folders)")
        return 1
    ours: dict[tuple[str, str], list[float]] = {}
    floor: dict[tuple[str, str], list[float]] = {}
    counts: dict[tuple[str, str], int] = {}
    for source, name, data in docs:
        try:
            fmt = sniff_format(data, name)
            parse_bytes(data, filename=name)  # warm-up, and skip what does not parse
        except (ParseError, ImportError) as e:
            print(f"skip {name}: {e}")
            continue
        key = (source, fmt)
        counts[key] = counts.get(key, 0) + 1
        ours.setdefault(key, []).extend(_time(lambda d=data, n=name: parse_bytes(d, filename=n), args.repeat))
        if fmt in ("html", "pdf"):
            floor.setdefault(key, []).extend(_time(lambda d=data, m=fmt: _floor(m, d), args.repeat))
    print(
        f"{'source':<10}{'format':<7}{'files':>6}{'median ms':>11}{'reports/s':>11}{'floor ms':>10}{'ours/floor':>11}"
    )
    for (source, fmt), times in sorted(ours.items()):
        n = counts[(source, fmt)]
        med = statistics.median(times)
        rate = len(times) / (sum(times) / 1000)
        fl = statistics.median(floor[(source, fmt)]) if (source, fmt) in floor else None
        fl_s = f"{fl:10.2f}{med / fl:11.1f}" if fl else f"{'-':>10}{'-':>11}"
        print(f"{source:<10}{fmt:<7}{n:>6}{med:11.2f}{rate:11.1f}{fl_s}")
        floor_note = f" (floor {fl:.1f} ms, ours/floor {med / fl:.1f})" if fl else ""
        record("parse", f"{fmt}, {n} {source} file(s), median CPU", f"{med:.1f} ms/report{floor_note}")
    return 0
