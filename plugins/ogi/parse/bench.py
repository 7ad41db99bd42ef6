"""``ogi bench parse [PATH ...] [--repeat N]``: parsing speed per format, next to its floor.

Times ``parse_bytes`` on every report of the shared corpus (``$OGI_SHARED/corpus``, default
``../shared/corpus``), on generated reports of every form (``--generated N`` per form) and on any
extra files or folders given, as CPU time of this one process
(one core; other processes' load does not inflate it).
Prints, per format, the median milliseconds per report and reports per second, and beside them
the floor: the bare library call our reader cannot beat (``lxml.html.fromstring`` for HTML,
pdfplumber ``extract_tables`` over every page for PDF) and the ratio ours/floor.
Targets: HTML ≤ 25 ms, flattened text ≤ 5 ms, PDF ≤ 1 s per report.
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
    from ogi.synth.bench import generate_chunk

    out = []
    organs = max(1, -(-per_form // 2))  # two years each
    for form in ("html", "pdf", "docx", "text"):
        docs = generate_chunk(7, organs, [2022, 2023], 1, 0.0, {form: 1.0})[:per_form]
        out += [(f"{spec.id}-{year}.{ext}", data) for spec, year, _form, data, ext, _truth, _d in docs]
    return out


def main(argv: list[str] | None = None) -> int:
    from ogi.bench import record
    from ogi.model import ParseError
    from ogi.parse import parse_bytes
    from ogi.parse.detect import sniff_format

    ap = argparse.ArgumentParser(prog="ogi bench parse", description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", help="extra report files or folders")
    ap.add_argument("--repeat", type=int, default=5, help="runs per file (default 5)")
    ap.add_argument(
        "--generated", type=int, default=10, help="generated reports per form (default 10; 0: corpus only)"
    )
    args = ap.parse_args(argv or [])
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
