"""Hostile documents are bounded and refused clearly (issue 13, parsing side).

Each hostile document of the issue is generated here (``hostile_docs``) and must be refused by
``parse_bytes_bounded`` within 60 s and 2 GB with one sentence naming the limit it hit. With the
cheap checks lifted, the worker's time and memory limits still stop them (the backstops), and the
worker recovers for the next document. Then each limit on its own: settings, cells, zip
directory, pages, and the bounded parse giving the very same report as the in-process one.
"""

from __future__ import annotations

import io
import resource
import time
import zipfile

import hostile_docs as H
import pytest
from reportbuilder import report_html

from ogi.model import ParseError
from ogi.parse import limits as L
from ogi.parse import parse_bytes

GB = 10**9
HOSTILE = {
    "nested_forms_pdf": (H.nested_forms_pdf, "OGI_PARSE_MAX_FORM_DRAWS"),
    "inflating_pdf": (H.inflating_pdf, "OGI_PARSE_MAX_STREAM_BYTES"),
    "docx_bomb": (H.docx_bomb, "OGI_PARSE_MAX_UNZIPPED"),
    "html_table_50mb": (H.html_table, "OGI_PARSE_MAX_MARKUP_BYTES"),
}


def _one_sentence(msg: str, setting: str) -> None:
    assert setting in msg and "\n" not in msg and msg.endswith(".") and msg.count(". ") == 0, msg


def _children_peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_document_is_refused_within_60s_and_2gb(name):
    make, setting = HOSTILE[name]
    data = make()
    self_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    t0 = time.monotonic()
    with pytest.raises(ParseError) as e:
        L.parse_bytes_bounded(data, filename=f"hostile.{name.split('_')[-1]}", fresh=True)
    assert time.monotonic() - t0 < 60
    assert e.value.reason in (L.TOO_LARGE, L.LIMIT_EXCEEDED)
    _one_sentence(e.value.message, setting)
    assert _children_peak_rss() < 2 * GB  # every worker reaped so far (fresh=True reaps this one)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - self_before < 2 * GB
    if name == "nested_forms_pdf":
        assert len(data) < 8000  # a few KB (the issue's was 5.6 KB)
    if name == "inflating_pdf":
        assert len(data) < 2 * 10**6  # ~1 MB for a 1 GiB content stream


def test_in_process_readers_refuse_the_docx_bomb_and_big_html_too():
    """The zip directory and markup size are checked by the readers themselves, so the pipeline's
    in-process ``parse_bytes`` is protected from these two even before it switches to the bounded parse."""
    for data, setting in (
        (H.docx_bomb(), "OGI_PARSE_MAX_UNZIPPED"),
        (H.html_table(), "OGI_PARSE_MAX_MARKUP_BYTES"),
    ):
        with pytest.raises(ParseError) as e:
            parse_bytes(data)
        _one_sentence(e.value.message, setting)


BIG = 1 << 40  # a limit lifted


def test_backstop_time_limit_stops_the_forms_pdf_and_the_worker_recovers():
    lim = L.Limits(max_form_draws=BIG, max_seconds=3)
    t0 = time.monotonic()
    with pytest.raises(ParseError) as e:
        L.parse_bytes_bounded(H.nested_forms_pdf(), limits=lim)
    assert 3 <= time.monotonic() - t0 < 15
    assert e.value.reason == L.LIMIT_EXCEEDED
    _one_sentence(e.value.message, "OGI_PARSE_MAX_SECONDS")
    assert L.parse_bytes_bounded(report_html(year=2021).encode(), limits=lim).report.year == 2021


def test_backstop_memory_limit_stops_the_inflating_pdf():
    lim = L.Limits(max_stream_bytes=BIG, max_memory=384 * L.MiB, max_seconds=50)
    with pytest.raises(ParseError) as e:
        L.parse_bytes_bounded(H.inflating_pdf(), limits=lim, fresh=True)
    assert e.value.reason == L.LIMIT_EXCEEDED
    _one_sentence(e.value.message, "OGI_PARSE_MAX_MEMORY")
    assert _children_peak_rss() < 2 * GB


def test_bounded_parse_equals_in_process_parse_and_reuses_its_worker():
    data = report_html(year=2022).encode()
    url = "https://x.gov.cn/art/2023/1/20/a.html"
    a, b = parse_bytes(data, url=url), L.parse_bytes_bounded(data, url=url)
    assert b.report.to_canonical() == a.report.to_canonical() and b.warnings == a.warnings
    assert b.provenance == a.provenance and b.sections == a.sections
    L.parse_bytes_bounded(data)
    w = next(iter(L._workers.values()))
    L.parse_bytes_bounded(data)
    assert next(iter(L._workers.values())) is w and w.served >= 2  # one worker, many documents
    with pytest.raises(ParseError) as e:  # an ordinary refusal comes back as it was raised
        L.parse_bytes_bounded("会议纪要\n今天开会。".encode())
    assert e.value.reason == "not_a_report"


def test_a_crash_in_the_worker_is_a_parser_crash_not_a_hang(monkeypatch):
    import os

    from ogi.parse import mapper

    def die(*a, **k):
        os._exit(3)

    monkeypatch.setattr(mapper, "map_document", die)
    L.stop_workers()  # the next worker is forked from this (patched) process
    with pytest.raises(L.ParserCrash, match="exit status 3"):
        L.parse_bytes_bounded(report_html(year=2021).encode())
    monkeypatch.undo()
    L.stop_workers()
    assert L.parse_bytes_bounded(report_html(year=2021).encode()).report.year == 2021


# ---------------------------------------------------------------------------- settings


def test_limits_from_environment():
    lim = L.Limits.from_env(
        {
            "OGI_PARSE_MAX_BYTES": "8M",
            "OGI_PARSE_MAX_SECONDS": "2.5",
            "OGI_PARSE_MAX_CELLS": "50",
            "OTHER": "x",
        }
    )
    assert (lim.max_bytes, lim.max_seconds, lim.max_cells) == (8 * L.MiB, 2.5, 50)
    assert lim.max_pages == L.Limits().max_pages
    assert L.Limits.from_env({"OGI_PARSE_MAX_MEMORY": "2GiB"}).max_memory == 2 << 30
    for bad in (
        {"OGI_PARSE_MAX_PAGES": "many"},
        {"OGI_PARSE_MAX_BYTES": "-1"},
        {"OGI_PARSE_MAX_SECONDS": "0"},
    ):
        with pytest.raises(ValueError, match=next(iter(bad))):
            L.Limits.from_env(bad)


def test_defaults_fit_the_issue():
    d = L.Limits()
    assert d.max_seconds < 60 and d.max_memory < 2 * GB and d.max_depth >= 240


# ---------------------------------------------------------------------------- each limit


def test_cells_limit_html_and_text_in_process(monkeypatch):
    data = H.cells_html(150_001)
    assert len(data) < L.Limits().max_markup_bytes
    with pytest.raises(ParseError) as e:
        parse_bytes(data)
    _one_sentence(e.value.message, "OGI_PARSE_MAX_CELLS limit (100,000)")
    monkeypatch.setenv("OGI_PARSE_MAX_CELLS", "500")
    text = "\n".join(" | ".join(["0"] * 10) for _ in range(60)).encode()
    with pytest.raises(ParseError) as e:
        parse_bytes(text, filename="a.txt")
    assert e.value.reason == L.TOO_LARGE and "OGI_PARSE_MAX_CELLS limit (500)" in e.value.message


def _docx_with(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"<w:document/>")
        for name, body in members.items():
            z.writestr(name, body)
    return buf.getvalue()


def test_zip_directory_limits_members_and_ratio():
    many = _docx_with({f"word/media/{i}.xml": b"x" for i in range(60)})
    with pytest.raises(ParseError) as e:
        L.parse_bytes_bounded(many, limits=L.Limits(max_zip_members=50))
    _one_sentence(e.value.message, "OGI_PARSE_MAX_ZIP_MEMBERS")
    assert L.zip_entries(many) == 61
    dense = _docx_with({"word/styles.xml": b"\0" * (4 * L.MiB)})  # ~1000:1, under the total size limit
    with pytest.raises(ParseError) as e:
        parse_bytes(dense)
    _one_sentence(e.value.message, "OGI_PARSE_MAX_ZIP_RATIO")


def _pages_pdf(n: int) -> bytes:
    kids = " ".join(f"{3 + i} 0 R" for i in range(n)).encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % n]
    objs += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * n
    return H.minimal_pdf(objs)


def test_pages_limit():
    with pytest.raises(ParseError) as e:
        L.parse_bytes_bounded(_pages_pdf(12), limits=L.Limits(max_pages=10))
    _one_sentence(e.value.message, "OGI_PARSE_MAX_PAGES")
    L.check_pdf(_pages_pdf(12), L.Limits(max_pages=12))  # at the limit: fine


def test_form_draw_count_is_exact_for_a_small_nest():
    # the page draws form 1 once, form 1 draws form 2 twice, form 2 draws form 3 twice: 1 + 2 + 4 = 7
    L.check_pdf(H.nested_forms_pdf(3), L.Limits(max_form_draws=7))
    with pytest.raises(ParseError, match="OGI_PARSE_MAX_FORM_DRAWS limit \\(6\\)"):
        L.check_pdf(H.nested_forms_pdf(3), L.Limits(max_form_draws=6))


def test_form_nesting_and_cycles_are_refused_before_pdfminer_recurses():
    L.check_pdf(H.chain_forms_pdf(20))  # a deep-ish but finite chain is fine
    for data, what in (
        (H.chain_forms_pdf(150), "OGI_PARSE_MAX_DEPTH limit (100)"),
        (H.chain_forms_pdf(3, cycle=True), "cycle"),
    ):
        with pytest.raises(ParseError) as e:
            L.parse_bytes_bounded(data, limits=L.Limits(max_seconds=20))
        assert e.value.reason == L.LIMIT_EXCEEDED and what in e.value.message


def test_size_limit_before_anything_is_read():
    with pytest.raises(ParseError) as e:
        L.parse_bytes_bounded(b"<html>" + b" " * 2000, limits=L.Limits(max_bytes=1000))
    _one_sentence(e.value.message, "OGI_PARSE_MAX_BYTES")
