"""The producer matrix (issue 11): the synthetic city re-published by Chromium, LibreOffice and ReportLab.

The structure tests check that each producer really makes what it claims (PDF/DOCX, A5 pages, no
rules, radical code points, blank cells); ``test_producer_matrix_accuracy`` is the issue's criterion
on a small sample. Chromium and LibreOffice are external tools: tests that need them skip, naming
the missing package, only when they are not installed.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections import defaultdict

import pytest

from ogi import templates as T
from ogi_dev.synth import producers as P

SEED = 2026
PER_PRODUCER = 4  # one document of each variant (variant_of cycles them in blocks of four)
MISSING = P.missing_tools()
PDF_PRODUCERS = [p for p, prod in P.PRODUCERS.items() if prod.ext == "pdf"]


def _need(*names: str) -> None:
    gone = {n: MISSING[n] for n in names if n in MISSING}
    if gone:
        pytest.skip("; ".join(f"{n}: {why}" for n, why in gone.items()))


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("producer-cache")


@pytest.fixture(scope="module")
def records(cache) -> dict[str, list[P.Record]]:
    """PER_PRODUCER documents of every producer that can run here, by producer."""
    usable = [p for p in P.PRODUCERS if p not in MISSING]
    out: dict[str, list[P.Record]] = defaultdict(list)
    for r in P.producer_matrix(PER_PRODUCER, seed=SEED, producers=usable, cache_dir=cache):
        out[r.producer].append(r)
    return dict(out)


def _pdf(data: bytes):
    import pdfplumber

    return pdfplumber.open(io.BytesIO(data))


def _pdf_text(data: bytes) -> str:
    with _pdf(data) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def _docx_cells(data: bytes) -> list[str]:
    from docx import Document

    return [c.text.strip() for t in Document(io.BytesIO(data)).tables for row in t.rows for c in row.cells]


def _docx_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("word/document.xml").decode("utf-8")


def _number_rows(page) -> list[list[dict]]:
    """Words of the text lines that hold three or more bare numbers: table rows (prose never does)."""
    words = sorted(
        (w for w in page.extract_words() if re.fullmatch(r"\d+(\.\d+)?", w["text"])), key=lambda w: w["top"]
    )
    rows: list[list[dict]] = []
    for w in words:
        if rows and w["top"] - rows[-1][-1]["top"] <= 2:
            rows[-1].append(w)
        else:
            rows.append([w])
    return [r for r in rows if len(r) >= 3]


def _table_rules(page) -> list[dict]:
    """Ruling edges (lines, rect sides) longer than 5 pt inside the table area of ``page`` (the box
    around its number rows)."""
    words = [w for row in _number_rows(page) for w in row]
    if not words:
        return []
    x0, x1 = min(w["x0"] for w in words) - 20, max(w["x1"] for w in words) + 20
    top, bottom = min(w["top"] for w in words) - 20, max(w["bottom"] for w in words) + 20
    return [
        e
        for e in page.edges
        if e["x1"] >= x0
        and e["x0"] <= x1
        and e["bottom"] >= top
        and e["top"] <= bottom
        and max(e["x1"] - e["x0"], e["bottom"] - e["top"]) > 5
    ]


def _table_numbers(r: P.Record) -> list[str]:
    """The texts of the table cells that print a number or nothing (DOCX), or of the numbers on the
    table rows of every page (PDF: a blank cell prints no word)."""
    if r.name.endswith(".docx"):
        return [t for t in _docx_cells(r.data) if re.fullmatch(r"(\d+(\.\d+)?)?", t)]
    with _pdf(r.data) as pdf:
        return [w["text"] for page in pdf.pages for row in _number_rows(page) for w in row]


# ---------------------------------------------------------------------------- without external tools


def test_missing_tools_names_the_debian_package(monkeypatch):
    monkeypatch.setattr(P.shutil, "which", lambda name: None)
    missing = P.missing_tools()
    assert "reportlab" not in missing
    assert "chromium" in missing["chromium-a5"] and "Debian package chromium" in missing["chromium-a5"]
    assert "libreoffice-writer-nogui" in missing["lo-docx-pdf"]
    assert set(missing) == set(P.PRODUCERS) - {"reportlab"}
    with pytest.raises(P.ToolError, match="chromium"):
        next(P.producer_matrix(1, seed=1, producers=["chromium-a4"]))
    with pytest.raises(ValueError, match="unknown producer"):
        P.missing_tools(["wps"])


def test_documents_are_deterministic_and_the_truth_keeps_unified_ideographs():
    for i in range(8):
        a, b = P.make_doc(SEED, i), P.make_doc(SEED, i)
        assert a.truth == b.truth and a.page == b.page and a.variant == b.variant
        truth = json.dumps(a.truth.to_canonical(), ensure_ascii=False)
        assert P.radical_count(truth) == 0
        if "radicals" in a.variant:
            assert P.radical_count(a.page.organ + a.page.title + a.page.preamble) > 0
            assert "⺠" in a.page.preamble  # 中华人民共和国: a CJK Radicals Supplement code point
    assert {P.variant_of(SEED, i) for i in range(4)} == set(P.VARIANTS)
    assert P.with_radicals("人民行政门") == "⼈⺠⾏政⻔"


def test_names_cell_reads_the_mappers_wording():
    ref = T.CellRef(3, "granted", "total")
    assert P.names_cell("t3.granted.total: cell text 'x' is not a number; stored as null", ref)
    assert P.names_cell("table 三 lacks rows: partial_grant, granted", ref)
    assert not P.names_cell("table 三 lacks rows: partial_grant", ref)
    assert not P.names_cell("table 四 not found", ref)
    assert P.names_cell("table 四 not found", T.CellRef(4, "review_total"))
    assert P.names_cell("table 四: only 12 of 15 values found; the rest are null", T.CellRef(4, "suit_other"))
    assert not P.names_cell("organ name not found in the title, byline or text", ref)


# ---------------------------------------------------------------------------- what each producer makes


def test_every_producer_yields_its_format_for_the_same_documents(records):
    _need(*P.PRODUCERS)
    assert set(records) == set(P.PRODUCERS)
    names = None
    for producer, recs in records.items():
        assert len(recs) == PER_PRODUCER
        assert {r.variant for r in recs} == set(P.VARIANTS)
        magic = b"PK\x03\x04" if P.PRODUCERS[producer].ext == "docx" else b"%PDF"
        assert all(r.data.startswith(magic) for r in recs), producer
        stems = [(r.name.rsplit(".", 1)[0], r.truth) for r in recs]
        names = names or stems
        assert stems == names, f"{producer} renders other documents or other truths"


def test_cached_documents_are_reused(records, cache, monkeypatch):
    _need(*P.PRODUCERS)

    def no_render(*a, **k):
        raise AssertionError("rendered again although cached")

    for prod in P.PRODUCERS.values():
        monkeypatch.setattr(prod, "render_many", no_render)
    again = list(P.producer_matrix(PER_PRODUCER, seed=SEED, cache_dir=cache))
    assert [(r.producer, r.name, r.data) for r in again] == [
        (r.producer, r.name, r.data) for recs in records.values() for r in recs
    ]


def test_a5_breaks_tables_over_more_pages_than_a4(records):
    _need("chromium-a4", "chromium-a5")
    for a4, a5 in zip(records["chromium-a4"], records["chromium-a5"]):
        with _pdf(a4.data) as p4, _pdf(a5.data) as p5:
            assert round(p5.pages[0].width) == 420 and round(p5.pages[0].height) == 595
            assert round(p4.pages[0].width) == 595
            assert len(p5.pages) > len(p4.pages), a5.name


@pytest.mark.parametrize(
    "borderless, ruled", [("chromium-borderless", "chromium-a4"), ("lo-docx-pdf-borderless", "lo-docx-pdf")]
)
def test_borderless_pdfs_have_no_rules_in_the_table_area(records, borderless, ruled):
    _need(borderless, ruled)
    for plain, bare in zip(records[ruled], records[borderless]):
        with _pdf(plain.data) as p1, _pdf(bare.data) as p2:
            assert sum(len(_table_rules(pg)) for pg in p1.pages) > 50, f"{ruled} {plain.name}: no rules found"
            assert [len(_table_rules(pg)) for pg in p2.pages] == [0] * len(p2.pages), bare.name


def test_radical_variant_text_layer_has_radical_code_points(records):
    _need(*P.PRODUCERS)
    for producer, recs in records.items():
        for r in recs:
            text = _docx_xml(r.data) if r.name.endswith(".docx") else _pdf_text(r.data)
            n = P.radical_count(text)
            if "radicals" in r.variant:
                assert n > 0 and "⺠" in text, f"{producer} {r.name}: no radical code points in the text"
            elif not producer.startswith("chromium"):  # Skia prints some radicals on its own
                assert n == 0, f"{producer} {r.name}: radicals in a plain document"


def test_blank_zero_variant_prints_blank_cells(records):
    _need(*P.PRODUCERS)
    for producer, recs in records.items():
        zeros_in_plain = 0
        for r in recs:
            tokens = _table_numbers(r)
            zeros = tokens.count("0")
            if "blank-zero" in r.variant:
                assert zeros == 0, f"{producer} {r.name}: a zero is printed"
                assert any(v is None for _, v in r.truth.cells()), r.name
                if r.name.endswith(".docx"):
                    assert "" in tokens
            else:
                zeros_in_plain += zeros
        assert zeros_in_plain > 0, f"{producer}: the plain documents print no zeros either"


# ---------------------------------------------------------------------------- the criterion


#: producer classes not yet at the issue's accuracy target, each with its measured figures (a strict
#: xfail: the day one reaches the target, the list must shrink). Empty since every class reached it
#: on 50 documents each (docs/benchmarks.md).
BELOW_TARGET: dict[str, str] = {}


def _score_report(scores) -> str:
    lines = []
    for name, s in scores.items():
        lines.append(
            f"{name}: {s.exact}/{s.docs} exact, cells {100 * s.accuracy:.2f} %, 三/四 {100 * s.t34_accuracy:.2f} %, "
            f"unflagged {s.unflagged}, refused {dict(s.refusals)}"
        )
        for d in s.documents:
            if d.wrong:
                lines.append(f"    {d.name} ({d.status or 'refused'}): " + "; ".join(d.wrong[:3]))
    return "\n".join(lines)


def test_no_producer_misread_loads_silently(records):
    """Issue 11, done when (all producers): no document with a wrong cell that is not flagged
    (partial, with a warning naming the cell)."""
    _need(*P.PRODUCERS)
    scores = P.evaluate(r for recs in records.values() for r in recs)
    assert P.total(scores).unflagged == 0, _score_report(scores)


@pytest.mark.parametrize(
    "producer",
    [
        pytest.param(p, marks=pytest.mark.xfail(strict=True, reason=f"issue 11 open: {BELOW_TARGET[p]}"))
        if p in BELOW_TARGET
        else p
        for p in P.PRODUCERS
    ],
)
def test_producer_matrix_accuracy(records, producer):
    """Issue 11, done when: 100 % of table 三/四 cells and ≥ 99.5 % of all cells, per producer class."""
    _need(producer)
    scores = P.evaluate(records[producer])
    s = scores[producer]
    assert s.docs == PER_PRODUCER and not s.refusals, _score_report(scores)
    assert s.t34_accuracy == 1.0, _score_report(scores)
    assert s.accuracy >= 0.995, _score_report(scores)
    assert s.unflagged == 0, _score_report(scores)
