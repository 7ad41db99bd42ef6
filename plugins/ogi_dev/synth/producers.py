"""The synthetic city re-published by the PDF producers real departments use (issue 11).

Departments do not only print their report with one tool: they "save as PDF" from a browser, export
from LibreOffice or WPS, or strip the table borders. Each producer leaves its own traces (no ruling
lines, rows split over an A5 page break, Skia's radical code points in the text layer), and a parser
tested on ReportLab's ruled PDFs alone misreads them. So each ``Producer`` here turns a generated
report into the bytes one such tool writes, crossed with two printing variants (blank-for-zero and
radical code points), and ``producer_matrix`` yields them with their truth: the truth is what the
document prints and never depends on the producer (a radical-variant document still has 人民 in its
truth; a blank-for-zero document has nulls, as ``defects.blank_for_zero`` records them). ``evaluate``
scores the parser on those records the same way for ``ogi bench parse --producers N`` and the tests.

External tools: Chromium (``chromium``) and LibreOffice (``soffice``); ``missing_tools`` says which
producers cannot run here and why. Rendering takes about a second per document, so rendered bytes
are cached on disk (``cache_dir``), keyed by seed, producer, variant, index and ``RENDER_VERSION``.
"""

from __future__ import annotations

import dataclasses
import io
import os
import random
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from ogi import templates as T
from ogi.model import ParseStatus, Report
from ogi_dev.synth.layout import LTable, Options, Page, build_page

#: bump when any producer's output may change for the same (seed, index): cached bytes are keyed by it
RENDER_VERSION = 1

# ---------------------------------------------------------------------------- radical code points

#: CJK Radicals Supplement code points that print exactly like a whole common ideograph (the
#: component-only forms such as ⻈ 讠 or ⺡ 氵 are left out: no report text contains them alone)
SUPPLEMENT_RADICALS: dict[str, str] = {
    "母": "⺟",
    "民": "⺠",
    "西": "⻄",
    "见": "⻅",
    "贝": "⻉",
    "车": "⻋",
    "长": "⻓",
    "门": "⻔",
    "青": "⻘",
    "韦": "⻙",
    "页": "⻚",
    "风": "⻛",
    "飞": "⻜",
    "食": "⻝",
    "马": "⻢",
    "骨": "⻣",
    "鬼": "⻤",
    "鱼": "⻥",
    "鸟": "⻦",
    "卤": "⻧",
    "麦": "⻨",
    "黄": "⻩",
    "齐": "⻬",
    "齿": "⻮",
    "龙": "⻰",
    "龟": "⻳",
}

#: headless Chromium on a machine with no network: no GPU, no sandbox (root), and none of the
#: background connections it would try (refused here, many at a time); used by every Chromium caller
CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def _radical_map() -> dict[int, str]:
    """Unified ideograph -> radical code point: every Kangxi radical (U+2F00–U+2FD5, whose NFKC form is
    the ideograph) plus ``SUPPLEMENT_RADICALS``."""
    out = {}
    for cp in range(0x2F00, 0x2FD6):
        ideograph = unicodedata.normalize("NFKC", chr(cp))
        if ideograph != chr(cp):
            out[ord(ideograph)] = chr(cp)
    out.update({ord(k): v for k, v in SUPPLEMENT_RADICALS.items()})
    return out


RADICALS = _radical_map()


def with_radicals(text: str) -> str:
    """``text`` as a Skia-made text layer spells it: ⼈⺠ for 人民, ⾏ for 行, ⻔ for 门 …"""
    return text.translate(RADICALS)


def radical_count(text: str) -> int:
    """How many characters of ``text`` are in the two radical blocks (U+2E80–U+2FDF)."""
    return sum(1 for ch in text if 0x2E80 <= ord(ch) <= 0x2FDF)


def radical_page(page: Page) -> Page:
    """A copy of ``page`` whose every printed text (title, organ, prose, headings, table labels) uses
    radical code points; numbers are untouched."""

    def block(b):
        if isinstance(b, LTable):
            rows = [[dataclasses.replace(c, text=with_radicals(c.text)) for c in row] for row in b.rows]
            return LTable(b.key, rows, b.ncols)
        return with_radicals(b)

    return Page(
        with_radicals(page.title),
        with_radicals(page.organ),
        page.published_on,
        with_radicals(page.preamble),
        [block(b) for b in page.blocks],
    )


# ---------------------------------------------------------------------------- the documents

VARIANTS: tuple[str, ...] = ("plain", "blank-zero", "radicals", "blank-zero+radicals")

_ORGANS: tuple[tuple[str, str], ...] = (
    ("government", "人民政府"),
    ("department", "人民政府办公室"),
    ("department", "市场监督管理局"),
    ("department", "人力资源和社会保障局"),
    ("department", "交通运输局"),
    ("department", "住房和城乡建设局"),
    ("department", "民政局"),
    ("department", "行政审批局"),
    ("department", "卫生健康委员会"),
    ("township", "龙门镇人民政府"),
    ("subdistrict", "长青街道办事处"),
)
_PLACES = ("云澜市", "澜青区", "临安县", "长兴市", "西湖区", "青山县")
#: HTML portal styles the browser and LibreOffice producers start from (render_html.STYLES)
_STYLES = ("trs", "hanweb", "plain")


@dataclass
class Doc:
    """One generated report, as printed (``page``) and as truth."""

    index: int
    variant: str
    page: Page
    truth: Report
    style: str  # the portal style of its HTML article page
    city: str

    @property
    def stem(self) -> str:
        return f"{self.index:04d}-{self.variant}"


def variant_of(seed: int, index: int) -> str:
    """The variant of document ``index``: each run of four consecutive documents holds every variant
    once, in an order drawn from the seed (so a sample of four per producer covers them all)."""
    block = list(VARIANTS)
    random.Random(f"{seed}/variants/{index // len(VARIANTS)}").shuffle(block)
    return block[index % len(VARIANTS)]


def make_doc(seed: int, index: int) -> Doc:
    """Document ``index`` of the matrix for ``seed`` (the same for every producer)."""
    from ogi_dev.synth.defects import inject
    from ogi_dev.synth.numbers import OrganSpec, draw_scale, generate_series

    rng = random.Random(seed * 1_000_003 + index)
    kind, suffix = _ORGANS[index % len(_ORGANS)]
    place = _PLACES[rng.randrange(len(_PLACES))]
    if kind in ("township", "subdistrict"):
        place = place[:2]
    spec = OrganSpec(
        f"pm{index:04d}",
        place + suffix,
        kind,
        "pm",
        draw_scale(rng) + rng.choice((0, 5, 40)),
        kind == "government",
    )
    year = rng.randint(2019, 2025)
    truth = generate_series(spec, [year], rng)[year]
    variant = variant_of(seed, index)
    opts = Options(break_labels=rng.random() < 0.7)
    if "blank-zero" in variant:  # zeros printed blank: the truth holds what is printed (nulls)
        truth, _ = inject("blank_for_zero", truth, opts, rng, prev=None, organ_type=kind)
    page = build_page(truth, opts)
    if "radicals" in variant:
        page = radical_page(page)
    return Doc(index, variant, page, truth, _STYLES[rng.randrange(len(_STYLES))], place)


# ---------------------------------------------------------------------------- producers


class ToolError(RuntimeError):
    """An external converter failed or produced nothing."""


def _run(cmd: list[str], timeout: float, what: str) -> None:
    try:
        res = subprocess.run(cmd, check=False, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise ToolError(f"{what}: {cmd[0]} did not finish within {timeout:.0f} s") from None
    if res.returncode != 0:
        tail = res.stderr.decode("utf-8", "replace")[-600:]
        raise ToolError(f"{what}: {cmd[0]} exited with {res.returncode}: {tail}")


def article_bytes(doc: Doc, css: str = "") -> bytes:
    """The report's portal article page (site chrome around the report), with ``css`` in its head."""
    from ogi_dev.synth import render_html as RH

    body = RH.body_html(doc.page, doc.style)
    data = RH.article_html(
        doc.page, style=doc.style, city_name=doc.city, url=f"https://www.pm.gov.cn/{doc.stem}.html", body=body
    )
    if css:
        style = f"<style>{css}</style>".encode("ascii")
        data = data.replace(b"</head>", style + b"</head>", 1) if b"</head>" in data else style + data
    return data


def docx_bytes(doc: Doc, *, borders: bool = True) -> bytes:
    """render_docx's DOCX; without ``borders`` its tables lose the "Table Grid" style (no rules at all)."""
    from ogi_dev.synth.render_docx import render_docx

    data = render_docx(doc.page)
    if borders:
        return data
    from docx import Document
    from docx.oxml.ns import qn

    d = Document(io.BytesIO(data))
    for t in d.tables:
        pr = t._tbl.tblPr
        for el in pr.findall(qn("w:tblStyle")) + pr.findall(qn("w:tblBorders")):
            pr.remove(el)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


class Producer:
    """Turns generated documents into the bytes one publishing tool writes."""

    name: str = ""
    ext: str = "pdf"
    tools: tuple[str, ...] = ()

    def render_many(self, docs: Sequence[Doc], workdir: Path) -> list[bytes]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<producer {self.name}>"


class ReportLabPDF(Producer):
    """Today's ``render_pdf``: ReportLab, A4, ruled tables split across pages."""

    name = "reportlab"

    def render_many(self, docs, workdir):
        from ogi_dev.synth.render_pdf import render_pdf

        return [render_pdf(d.page) for d in docs]


_RULED = "table{border-collapse:collapse}td,th{border:0.75pt solid #000 !important;padding:1pt 3pt}"
_BORDERLESS = (
    "table{border-collapse:collapse;border:none !important}"
    "tr,td,th{border:none !important;outline:none !important;padding:1pt 4pt}"
)


class ChromiumPDF(Producer):
    """Headless Chromium's print-to-PDF (Skia) of the article page, as a browser's "save as PDF"."""

    tools = ("chromium",)
    #: concurrent Chromium processes (each takes about a second, mostly start-up)
    jobs = max(1, min(2, os.cpu_count() or 1))

    def __init__(self, name: str, css: str):
        self.name, self.css = name, css

    def _one(self, doc: Doc, workdir: Path) -> bytes:
        src = workdir / f"{doc.stem}.html"
        out = workdir / f"{doc.stem}.pdf"
        src.write_bytes(article_bytes(doc, self.css))
        with tempfile.TemporaryDirectory(prefix="ogi-chromium-") as profile:
            _run(
                [
                    shutil.which("chromium") or "chromium",
                    *CHROMIUM_FLAGS,
                    "--disable-extensions",
                    f"--user-data-dir={profile}",
                    "--no-pdf-header-footer",
                    "--run-all-compositor-stages-before-draw",
                    f"--print-to-pdf={out}",
                    src.resolve().as_uri(),
                ],
                120,
                f"{self.name} {doc.stem}",
            )
        if not out.exists() or not out.read_bytes().startswith(b"%PDF"):
            raise ToolError(f"{self.name} {doc.stem}: chromium wrote no PDF")
        return out.read_bytes()

    def render_many(self, docs, workdir):
        with ThreadPoolExecutor(self.jobs) as pool:
            return list(pool.map(lambda d: self._one(d, workdir), docs))


class LibreOffice(Producer):
    """LibreOffice Writer converting the article page (HTML) or the DOCX, one ``soffice`` call per batch."""

    tools = ("soffice",)
    batch = 40  # files per soffice call (start-up costs seconds; a call converts a file in ~0.3 s)

    def __init__(self, name: str, source: str, target: str):
        self.name, self.source, self.target = name, source, target  # source: html | docx | docx-borderless
        self.ext = "docx" if target == "docx" else "pdf"

    def _input(self, doc: Doc) -> tuple[str, bytes]:
        if self.source == "html":
            return "html", article_bytes(doc)  # Writer needs the .html extension to import HTML
        return "docx", docx_bytes(doc, borders=self.source == "docx")

    def render_many(self, docs, workdir):
        out: list[bytes] = []
        for start in range(0, len(docs), self.batch):
            out += self._batch(docs[start : start + self.batch], workdir)
        return out

    def _batch(self, docs: Sequence[Doc], workdir: Path) -> list[bytes]:
        src = workdir / "in"
        dst = workdir / "out"
        src.mkdir(exist_ok=True)
        dst.mkdir(exist_ok=True)
        files = []
        for d in docs:
            ext, data = self._input(d)
            f = src / f"{d.stem}.{ext}"
            f.write_bytes(data)
            files.append(str(f))
        target = "docx:MS Word 2007 XML" if self.target == "docx" else "pdf"
        with tempfile.TemporaryDirectory(prefix="ogi-soffice-") as profile:
            _run(
                [
                    shutil.which("soffice") or "soffice",
                    "--headless",
                    "--norestore",
                    f"-env:UserInstallation={Path(profile).as_uri()}",
                    "--convert-to",
                    target,
                    "--outdir",
                    str(dst),
                    *files,
                ],
                90 + 10 * len(files),
                f"{self.name} ({len(files)} files)",
            )
        res = []
        for d in docs:
            f = dst / f"{d.stem}.{self.ext}"
            if not f.exists():
                raise ToolError(f"{self.name} {d.stem}: soffice wrote no {self.ext.upper()}")
            res.append(f.read_bytes())
        return res


PRODUCERS: dict[str, Producer] = {
    p.name: p
    for p in (
        ReportLabPDF(),
        ChromiumPDF("chromium-a4", "@page{size:A4;margin:15mm}" + _RULED),
        ChromiumPDF("chromium-a5", "@page{size:A5;margin:12mm}" + _RULED),
        ChromiumPDF("chromium-borderless", "@page{size:A4;margin:15mm}" + _BORDERLESS),
        LibreOffice("lo-html-pdf", "html", "pdf"),
        LibreOffice("lo-docx-pdf", "docx", "pdf"),
        LibreOffice("lo-html-docx", "html", "docx"),
        LibreOffice("lo-docx-pdf-borderless", "docx-borderless", "pdf"),
    )
}


def _producers(names: Iterable[str] | None) -> list[Producer]:
    names = list(PRODUCERS) if names is None else list(names)
    unknown = [n for n in names if n not in PRODUCERS]
    if unknown:
        raise ValueError(f"unknown producer(s) {', '.join(unknown)}; expected some of {', '.join(PRODUCERS)}")
    return [PRODUCERS[n] for n in names]


def missing_tools(producers: Iterable[str] | None = None) -> dict[str, str]:
    """Producer name -> why it cannot run here (an external tool not on PATH); empty when all can."""
    out = {}
    for p in _producers(producers):
        gone = [t for t in p.tools if shutil.which(t) is None]
        if gone:
            pkg = {
                "chromium": "Debian package chromium",
                "soffice": "Debian package libreoffice-writer-nogui",
            }
            out[p.name] = "; ".join(f"{t} not found on PATH ({pkg.get(t, t)})" for t in gone)
    return out


# ---------------------------------------------------------------------------- the matrix


class Record(NamedTuple):
    """One rendered document: ``name`` carries the file extension (``0003-radicals.pdf``)."""

    producer: str
    variant: str
    name: str
    data: bytes
    truth: Report


def cache_path(cache_dir: Path, seed: int, producer: str, doc: Doc) -> Path:
    return (
        Path(cache_dir)
        / f"v{RENDER_VERSION}"
        / f"seed{seed}"
        / producer
        / f"{doc.stem}.{PRODUCERS[producer].ext}"
    )


def producer_matrix(
    per_producer: int,
    *,
    seed: int,
    producers: Iterable[str] | None = None,
    cache_dir: Path | None = None,
) -> Iterator[Record]:
    """``per_producer`` documents rendered by each producer, producer by producer, in index order.

    Document ``i`` (its report, variant, organ and portal style) is the same for every producer and
    depends only on (seed, i). Rendered bytes are read from ``cache_dir`` when present and written
    there otherwise. Raises ``ToolError`` when a tool is missing or fails (check ``missing_tools``)."""
    chosen = _producers(producers)
    missing = missing_tools(p.name for p in chosen)
    if missing:
        raise ToolError("; ".join(f"{k}: {v}" for k, v in missing.items()))
    docs = [make_doc(seed, i) for i in range(per_producer)]
    for p in chosen:
        paths = [cache_path(cache_dir, seed, p.name, d) if cache_dir else None for d in docs]
        todo = [d for d, path in zip(docs, paths) if path is None or not path.exists()]
        rendered: dict[int, bytes] = {}
        if todo:
            with tempfile.TemporaryDirectory(prefix=f"ogi-{p.name}-") as work:
                for d, data in zip(todo, p.render_many(todo, Path(work))):
                    rendered[d.index] = data
                    path = paths[d.index]
                    if path is not None:
                        path.parent.mkdir(parents=True, exist_ok=True)
                        tmp = path.with_name(path.name + ".tmp")
                        tmp.write_bytes(data)
                        tmp.replace(path)
        for d, path in zip(docs, paths):
            data = rendered[d.index] if d.index in rendered else path.read_bytes()
            yield Record(p.name, d.variant, f"{d.stem}.{p.ext}", data, d.truth)


def write_samples(records: Iterable[Record], out: Path) -> list[Path]:
    """``out/<producer>/<name>`` plus ``<stem>.truth.json`` (canonical JSON) for every record."""
    import json

    written = []
    for r in records:
        d = Path(out) / r.producer
        d.mkdir(parents=True, exist_ok=True)
        (d / r.name).write_bytes(r.data)
        stem = r.name.rsplit(".", 1)[0]
        (d / f"{stem}.truth.json").write_text(
            json.dumps(r.truth.to_canonical(), ensure_ascii=False, indent=1), encoding="utf-8"
        )
        written.append(d / r.name)
    return written


# ---------------------------------------------------------------------------- evaluation

_TABLE_NAMES = {
    2: ("二", "table2", "t2.", "T2"),
    3: ("三", "table3", "t3.", "T3"),
    4: ("四", "table4", "t4.", "T4"),
}


def names_cell(warning: str, ref: T.CellRef) -> bool:
    """Whether ``warning`` names the cell ``ref``: its address (``t3.granted.total`` as the mapper writes
    it, or ``table3.granted.total``; table 四 also ``t4.review_total``), its row key with the table named
    (``table 三 lacks rows: granted``), or its whole table as not found / short of values
    (``table 四 not found``, ``table 四: only 12 of 15 values found``)."""
    t = ref.table
    col = "" if ref.col == T.SINGLE_VALUE_COL else f".{ref.col}"
    if f"t{t}.{ref.row}{col}" in warning or f"table{t}.{ref.row}{col}" in warning:
        return True
    marks = _TABLE_NAMES[t]
    if not any(m in warning for m in marks[1:]) and f"table {marks[0]}" not in warning:
        return False
    if re.search(rf"(?<![A-Za-z0-9_]){re.escape(ref.row)}(?![A-Za-z0-9_])", warning):
        return True
    return "not found" in warning or "of 15 values" in warning


@dataclass
class DocScore:
    """The parser against one record's truth."""

    producer: str
    variant: str
    name: str
    cells: int  # truth cells
    right: int
    t34_cells: int
    t34_right: int
    wrong: list[str]  # diff_cells lines (empty: exact); every truth cell when refused
    refused: str | None = None  # ParseError reason
    status: str | None = None  # ParsedReport.status
    unflagged: bool = False  # a wrong cell that the parse result does not flag (see ``flagged``)
    organ_ok: bool = False
    parse_ms: float = 0.0  # CPU (process_time)
    warnings: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return self.refused is None and not self.wrong


def flagged(parsed, wrong_refs: Iterable[T.CellRef]) -> bool:
    """A misread is flagged when the result is ``partial`` and every wrong cell is named by a warning."""
    return parsed.status == ParseStatus.PARTIAL and all(
        any(names_cell(w, r) for w in parsed.warnings) for r in wrong_refs
    )


def evaluate_one(record: Record) -> DocScore:
    from ogi.model import ParseError
    from ogi.parse import parse_bytes
    from ogi_dev.synth.numbers import diff_cells

    truth = record.truth
    cells = truth.cells()
    t34 = [(ref, v) for ref, v in cells if ref.table in (3, 4)]
    base = {"producer": record.producer, "variant": record.variant, "name": record.name, "cells": len(cells)}
    t0 = time.process_time()
    try:
        parsed = parse_bytes(record.data, filename=record.name)
    except ParseError as e:
        ms = (time.process_time() - t0) * 1000
        return DocScore(
            **base,
            right=0,
            t34_cells=len(t34),
            t34_right=0,
            wrong=[f"refused: {e.reason}"],
            refused=e.reason,
            parse_ms=ms,
        )
    ms = (time.process_time() - t0) * 1000
    got = parsed.report
    wrong_refs = [ref for ref, v in cells if got.value(ref) != v]
    truth_refs = {ref for ref, _ in cells}
    wrong_refs += [ref for ref, _ in got.cells() if ref not in truth_refs]  # cells the truth lacks
    bad = set(wrong_refs)
    return DocScore(
        **base,
        right=sum(1 for ref, _ in cells if ref not in bad),
        t34_cells=len(t34),
        t34_right=sum(1 for ref, _ in t34 if ref not in bad),
        wrong=diff_cells(truth, got),
        status=parsed.status,
        unflagged=bool(wrong_refs) and not flagged(parsed, wrong_refs),
        organ_ok=got.organ == truth.organ,
        parse_ms=ms,
        warnings=list(parsed.warnings),
    )


@dataclass
class ProducerScore:
    """One producer's documents scored; ``documents`` keeps every DocScore."""

    producer: str
    documents: list[DocScore] = field(default_factory=list)

    @property
    def docs(self) -> int:
        return len(self.documents)

    @property
    def exact(self) -> int:
        return sum(d.exact for d in self.documents)

    @property
    def accuracy(self) -> float:
        return sum(d.right for d in self.documents) / max(1, sum(d.cells for d in self.documents))

    @property
    def t34_accuracy(self) -> float:
        return sum(d.t34_right for d in self.documents) / max(1, sum(d.t34_cells for d in self.documents))

    @property
    def unflagged(self) -> int:
        return sum(d.unflagged for d in self.documents)

    @property
    def partial(self) -> int:
        return sum(d.status == ParseStatus.PARTIAL for d in self.documents)

    @property
    def organ_ok(self) -> int:
        return sum(d.organ_ok for d in self.documents)

    @property
    def refusals(self) -> Counter:
        return Counter(d.refused for d in self.documents if d.refused)

    @property
    def median_ms(self) -> float:
        return statistics.median(d.parse_ms for d in self.documents) if self.documents else 0.0


def evaluate(records: Iterable[Record]) -> dict[str, ProducerScore]:
    """Parse every record and score it against its truth, grouped by producer (in order met)."""
    out: dict[str, ProducerScore] = {}
    for r in records:
        out.setdefault(r.producer, ProducerScore(r.producer)).documents.append(evaluate_one(r))
    return out


def total(scores: dict[str, ProducerScore]) -> ProducerScore:
    """All producers' documents as one score."""
    return ProducerScore("all", [d for s in scores.values() for d in s.documents])
