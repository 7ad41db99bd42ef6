"""Hostile documents of issue 13, generated on the fly (nothing big is committed).

- ``nested_forms_pdf``: a ~6.5 KB PDF of 30 nested Form XObjects, each drawing the next twice
  (2^30 leaf draws: pdfminer runs for minutes past 2 GB; the issue's was 5.6 KB);
- ``chain_forms_pdf``: forms drawing each other once, a chain of any depth or a cycle;
- ``inflating_pdf``: a ~1 MB PDF whose page content stream inflates to ~1 GiB (built from one
  compressed block repeated: deflate blocks after a full flush are independent);
- ``docx_bomb``: a DOCX whose ``word/document.xml`` inflates to > 1 GiB (zipfile, compresslevel 9,
  written from a generator);
- ``html_table``: a ~50 MB HTML page of one table;
- ``minimal_pdf``: the smallest valid PDF around given objects (xref computed).
"""

from __future__ import annotations

import functools
import io
import zipfile
import zlib

GiB = 1 << 30


def minimal_pdf(objects: list[bytes]) -> bytes:
    """A PDF of ``objects`` (object 1 must be the catalog), with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(dict_body: bytes, data: bytes) -> bytes:
    return b"<< " + dict_body + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def nested_forms_pdf(levels: int = 30) -> bytes:
    """One page drawing form 1; form k draws form k+1 twice (shifted); the last form draws text."""
    first_form = 5
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 %d 0 R >> /XObject << /X %d 0 R >> >> >>"
        % (first_form + levels, first_form),
        _stream(b"", b"q /X Do Q"),
    ]
    for k in range(levels):
        num = first_form + k
        if k + 1 < levels:
            res = b"/Resources << /XObject << /X %d 0 R >> >>" % (num + 1)
            content = b"q /X Do Q q 1 0 0 1 0.5 0 cm /X Do Q"
        else:
            res = b"/Resources << /Font << /F1 %d 0 R >> >>" % (first_form + levels)
            content = b"BT /F1 9 Tf 72 720 Td (0) Tj ET"
        objs.append(_stream(b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] " + res, content))
    objs.append(_FONT)
    return minimal_pdf(objs)


def chain_forms_pdf(levels: int, *, cycle: bool = False) -> bytes:
    """Form k draws form k+1 once (a chain ``levels`` deep); with ``cycle`` the last draws the first."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
            b" /Resources << /XObject << /X 5 0 R >> >> >>"
        ),
        _stream(b"", b"/X Do"),
    ]
    for k in range(levels):
        nxt = 6 + k if k + 1 < levels else 5 if cycle else None
        res = b"/Resources << /XObject << /X %d 0 R >> >>" % nxt if nxt else b""
        objs.append(
            _stream(b"/Type /XObject /Subtype /Form /BBox [0 0 1 1] " + res, b"/X Do" if nxt else b"")
        )
    return minimal_pdf(objs)


def _zlib_repeated(prefix: bytes, block: bytes, times: int) -> bytes:
    """A zlib stream of ``prefix`` + ``block`` × ``times`` without compressing it all: each block is
    compressed once and ended with a full flush, which makes the compressed block independent of
    what precedes it, so it can be repeated as is."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    body = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    assert c.compress(block) + c.flush(zlib.Z_FULL_FLUSH) == body  # independent: repeatable
    tail = c.flush(zlib.Z_FINISH)
    adler = zlib.adler32(prefix)
    for _ in range(times):
        adler = zlib.adler32(block, adler)
    return b"\x78\xda" + head + body * times + tail + adler.to_bytes(4, "big")


def inflating_pdf(inflated: int = GiB) -> bytes:
    """One page whose content stream (FlateDecode) draws a word, then inflates to ``inflated`` bytes of
    blanks: ~1 MB on disk for 1 GiB."""
    block = b" " * (1 << 20)
    data = _zlib_repeated(b"BT /F1 12 Tf 72 720 Td (report) Tj ET\n", block, inflated // len(block))
    return minimal_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            (
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
                b" /Resources << /Font << /F1 5 0 R >> >> >>"
            ),
            _stream(b"/Filter /FlateDecode", data),
            _FONT,
        ]
    )


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/></Relationships>'
)


@functools.cache  # 3 MB, ~3 s to compress: made once per test session
def docx_bomb(inflated: int = GiB + (100 << 20)) -> bytes:
    """A DOCX whose document.xml is ``inflated`` bytes of paragraphs, written from a generator."""
    head = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    )
    para = b"<w:p><w:r><w:t>0</w:t></w:r></w:p>"
    chunk = para * ((1 << 20) // len(para))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            f.write(head)
            written = len(head)
            while written < inflated:
                f.write(chunk)
                written += len(chunk)
            f.write(b"</w:body></w:document>")
    return buf.getvalue()


def html_table(size: int = 50 * 10**6) -> bytes:
    """An HTML page of one table of ``size`` bytes (rows of ten cells)."""
    row = b"<tr>" + b"<td>0</td>" * 10 + b"</tr>\n"
    n = size // len(row)
    return b"<html><body><table>\n" + row * n + b"</table></body></html>"


def cells_html(cells: int) -> bytes:
    """A small page with ``cells`` table cells (short markup: under the size limit)."""
    return b"<html><body><table><tr>" + b"<td>0" * cells + b"</table></body></html>"
