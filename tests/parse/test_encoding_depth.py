"""Wrong refusals of issue 13: UTF-16/32 pages with a BOM, and reports nested deep in ``<div>``s.

A generated report (synthetic city, known truth) and the real corpus pages are re-encoded as
UTF-16/32 LE/BE with a BOM: each must parse to exactly the UTF-8 parse. A real report wrapped in
240+ ``<div>``s must parse as it does unwrapped; one nested beyond the depth limit (ours, or
libxml2's own 2048) must be refused with the limit named, never silently cut.
"""

from __future__ import annotations

import codecs
import random

import pytest
from reportbuilder import report_html
from testenv import CORPUS

from ogi.model import ParseError
from ogi.parse import detect, parse_bytes
from ogi.parse import limits as L

WIDE = {
    "utf-16-le": codecs.BOM_UTF16_LE,
    "utf-16-be": codecs.BOM_UTF16_BE,
    "utf-32-le": codecs.BOM_UTF32_LE,
    "utf-32-be": codecs.BOM_UTF32_BE,
}


@pytest.fixture(scope="module")
def generated():
    """A generated HTML report and a flattened-text one, with their truth."""
    from ogi_dev.bench.national import generate_chunk

    out = {}
    for form in ("html", "text"):
        docs = generate_chunk(0, 1, [2022], 11, 0.0, {form: 1.0})
        _, _, _, data, _, truth, _ = docs[0]
        out[form] = (data, truth)
    return out


def _same(a, b) -> None:
    assert a.report.to_canonical() == b.report.to_canonical()
    assert a.sections == b.sections and a.status == b.status


@pytest.mark.parametrize("encoding", list(WIDE))
@pytest.mark.parametrize("form", ["html", "text"])
def test_wide_encodings_with_bom_parse_like_utf8(generated, form, encoding):
    from ogi_dev.synth.numbers import diff_cells

    data, truth = generated[form]
    wide = WIDE[encoding] + data.decode("utf-8").encode(encoding)
    assert detect.sniff_format(wide, f"report.{form}") == (detect.HTML if form == "html" else detect.TEXT)
    utf8, other = parse_bytes(data, filename=f"r.{form}"), parse_bytes(wide, filename=f"r.{form}")
    _same(utf8, other)
    assert diff_cells(truth, other.report) == []


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-32-be"])
def test_wide_encoding_of_real_corpus_pages(encoding):
    pages = sorted(CORPUS.glob("pingtan_20*.html")) if CORPUS.is_dir() else []
    if not pages:
        pytest.skip(f"real-report corpus not found at {CORPUS}")
    for page in pages:
        data = page.read_bytes()
        wide = WIDE[encoding] + detect.decode_html(data).encode(encoding)
        _same(parse_bytes(data, filename=page.name), parse_bytes(wide, filename=page.name))


def test_bom_decoding_and_sniffing():
    s = "一、总体情况 | 0 |"
    for enc, bom in WIDE.items():
        assert detect.decode_text(bom + s.encode(enc)) == s
        assert detect.bom_encoding(bom + s.encode(enc)) == (enc, len(bom))
    assert detect.sniff_format(codecs.BOM_UTF16_LE + "<html><body>x".encode("utf-16-le")) == detect.HTML
    with pytest.raises(ParseError, match="empty"):
        detect.sniff_format(codecs.BOM_UTF32_LE + "  \n".encode("utf-32-le"))
    with pytest.raises(ParseError, match="binary"):  # NULs without a BOM are still binary
        detect.sniff_format(b"ab\x00\x00cd" * 10)


def _wrapped(depth: int) -> bytes:
    page = report_html(year=2021)
    head, rest = page.split("<body>", 1)
    body, tail = rest.rsplit("</body>", 1)
    return (head + "<body>" + "<div>" * depth + body + "</div>" * depth + "</body>" + tail).encode()


@pytest.mark.parametrize("depth", [240, 300, 900])
def test_a_report_nested_deep_in_divs_parses_whole(depth):
    plain = parse_bytes(report_html(year=2021).encode())
    _same(plain, parse_bytes(_wrapped(depth)))


def test_nesting_beyond_libxml2_fails_loudly():
    with pytest.raises(ParseError) as e:
        parse_bytes(_wrapped(2100))
    assert e.value.reason == L.LIMIT_EXCEEDED and "OGI_PARSE_MAX_DEPTH limit (1,000)" in e.value.message


def test_nesting_beyond_the_configured_limit_fails_loudly(monkeypatch):
    monkeypatch.setenv("OGI_PARSE_MAX_DEPTH", "200")
    with pytest.raises(ParseError) as e:
        parse_bytes(_wrapped(240))
    assert e.value.reason == L.LIMIT_EXCEEDED
    assert "OGI_PARSE_MAX_DEPTH limit (200)" in e.value.message and "\n" not in e.value.message
    lim = L.Limits(max_depth=200)
    with pytest.raises(ParseError, match="OGI_PARSE_MAX_DEPTH"):
        L.parse_bytes_bounded(_wrapped(240), limits=lim)


def test_control_characters_in_html_do_not_crash_the_reader():
    """Found by the fuzz: a flipped byte gave a control character in a <br> tail, and lxml refused
    to set the tail (ValueError) instead of the page parsing."""
    page = report_html(year=2021).replace("</p>", "<br>\x01\x0b\x00</p>", 3)
    assert parse_bytes(page.encode()).report.year == 2021
    rng = random.Random(5)
    chars = [chr(c) for c in (*range(9), 11, 12, *range(14, 32), 0xFFFE, 0xFFFF)]
    noisy = "".join(ch + (rng.choice(chars) if rng.random() < 0.01 else "") for ch in page)
    try:
        parse_bytes(noisy.encode())
    except ParseError:
        pass  # a refusal is fine; a ValueError is not
