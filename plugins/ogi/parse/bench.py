"""``ogi bench parse [PATH ...] [--repeat N]``: parsing speed per format, next to its floor.

Times ``parse_bytes`` on every report of the shared corpus (``$OGI_SHARED/corpus``, default
``../shared/corpus``) and on any extra files or folders given, as CPU time of this one process
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


def main(argv: list[str] | None = None) -> int:
    from ogi.model import ParseError
    from ogi.parse import parse_bytes
    from ogi.parse.detect import sniff_format

    ap = argparse.ArgumentParser(prog="ogi bench parse", description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", help="extra report files or folders")
    ap.add_argument("--repeat", type=int, default=5, help="runs per file (default 5)")
    args = ap.parse_args(argv or [])
    corpus = _corpus()
    files = [f for f in _files([str(corpus)]) if "listing" not in f.name] + _files(args.paths)
    if not files:
        print(f"no report files (corpus not found at {corpus}; pass files or folders)")
        return 1
    ours: dict[str, list[float]] = {}
    floor: dict[str, list[float]] = {}
    counts: dict[str, int] = {}
    for f in files:
        data = f.read_bytes()
        try:
            fmt = sniff_format(data, f.name)
            parse_bytes(data, filename=f.name)  # warm-up, and skip what does not parse
        except (ParseError, ImportError) as e:
            print(f"skip {f.name}: {e}")
            continue
        counts[fmt] = counts.get(fmt, 0) + 1
        ours.setdefault(fmt, []).extend(
            _time(lambda d=data, n=f.name: parse_bytes(d, filename=n), args.repeat)
        )
        if fmt in ("html", "pdf"):
            floor.setdefault(fmt, []).extend(_time(lambda d=data, m=fmt: _floor(m, d), args.repeat))
    print(f"{'format':<7}{'files':>6}{'median ms':>11}{'reports/s':>11}{'floor ms':>10}{'ours/floor':>11}")
    for fmt, times in sorted(ours.items()):
        med = statistics.median(times)
        rate = len(times) / (sum(times) / 1000)
        fl = statistics.median(floor[fmt]) if fmt in floor else None
        fl_s = f"{fl:10.2f}{med / fl:11.1f}" if fl else f"{'-':>10}{'-':>11}"
        print(f"{fmt:<7}{counts[fmt]:>6}{med:11.2f}{rate:11.1f}{fl_s}")
    return 0
