"""What a document is, sniffed from its bytes: format, text encoding, template version.

The file name is only a hint (portals serve PDFs as ``.htm`` and HTML as ``.pdf``); the
content decides. Chinese portals still serve GBK/GB2312 pages, sometimes without any charset
declaration, so text decoding tries the declared charset, then UTF-8, then GB18030 (the
superset of GBK and GB2312). A byte-order mark wins over everything: UTF-8, UTF-16 and UTF-32
(LE/BE) pages and text files (Windows "Unicode" exports) are sniffed and decoded by their BOM.

Sniffing also applies the cheap per-document limits (``ogi.parse.limits``): the document's size,
and a DOCX's zip directory (member count, uncompressed sizes, ratios) before anything is inflated.
"""

from __future__ import annotations

import codecs
import re

from ogi import templates as T
from ogi.model import ParseError

HTML = "html"
PDF = "pdf"
DOCX = "docx"
DOC = "doc"
WPS = "wps"
RTF = "rtf"
TEXT = "text"

_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*")
_HTML_HINT = re.compile(rb"<(?:!doctype\s+html|html|head|body|table|div|p|meta|title)\b", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_\-]+)""", re.IGNORECASE)


#: byte-order marks, longest first (the UTF-32 LE mark begins with the UTF-16 LE one)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """(codec, BOM length) of a byte-order mark at the start of ``data``, else None."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return enc, len(bom)
    return None


def _wide_head(data: bytes) -> bytes | None:
    """The first characters of a UTF-16/32 document (with a BOM) re-encoded as UTF-8, else None."""
    found = bom_encoding(data)
    if found is None or found[0] == "utf-8":
        return None
    enc, n = found
    unit = 4 if "32" in enc else 2
    head = data[n : n + 16384]
    return head[: len(head) - len(head) % unit].decode(enc, errors="replace").encode("utf-8")


def sniff_format(data: bytes, filename: str | None = None, *, limits=None) -> str:
    """One of html, pdf, docx, doc, wps, rtf, text; raises ParseError for empty/unsupported input
    and for a document over a size limit (``ogi.parse.limits``)."""
    from ogi.parse import limits as L

    lim = limits or L.current()
    L.check_size(data, lim)
    if not data or not data.strip():
        raise ParseError("empty", "The file is empty.")
    head = data[:2048]
    if b"%PDF-" in head[:1024]:
        return PDF
    if head.startswith(b"PK\x03\x04"):
        import zipfile

        try:
            names = L.check_zip(data, lim).namelist()
        except zipfile.BadZipFile as e:
            raise ParseError("corrupt", f"The file looks like a ZIP/DOCX archive but cannot be opened ({e}).")
        if "word/document.xml" in names:
            return DOCX
        raise ParseError("unsupported_format", "The file is a ZIP archive, not a report document.")
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # OLE2: Word 97-2003 or WPS
        return WPS if (filename or "").lower().endswith((".wps", ".et")) else DOC
    if head.startswith(b"{\\rtf"):
        return RTF
    if head.startswith(_IMAGE_MAGIC):
        raise ParseError("needs_ocr", "The file is an image, not a text document; it needs OCR.")
    wide = _wide_head(data)
    if wide is not None:  # UTF-16/32 with a BOM: sniff the characters, not the bytes
        if not wide.strip(b" \t\r\n"):
            raise ParseError("empty", "The file is empty.")
        return HTML if wide.lstrip(b" \t\r\n").startswith(b"<") and _HTML_HINT.search(wide[:8192]) else TEXT
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<") and _HTML_HINT.search(head[:2048].lower() + data[2048:8192].lower()):
        return HTML
    if b"\x00" in head:
        raise ParseError("unsupported_format", "The file is binary data in an unknown format.")
    return TEXT


def _decodes(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _gb(encoding: str) -> str:
    """GB2312/GBK labels are decoded as GB18030, their superset (pages declare gb2312 and use GBK)."""
    return (
        "gb18030"
        if encoding.lower().replace("-", "").replace("_", "")
        in ("gb2312", "gbk", "gb18030", "xgbk", "cp936", "euccn")
        else encoding
    )


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Decode document bytes: BOM (UTF-8/16/32), then UTF-8, then the declared charset, then GB18030."""
    found = bom_encoding(data)
    if found is not None:
        enc, n = found
        return data[n:].decode(enc, errors="replace").lstrip("\ufeff")
    s = _decodes(data, "utf-8")  # valid UTF-8 is almost never GBK text, whatever the page declares
    if s is not None:
        return s
    if declared:
        s = _decodes(data, _gb(declared))
        if s is not None:
            return s
    s = _decodes(data, "gb18030")
    if s is not None:
        return s
    return data.decode("utf-8", errors="replace")


def decode_html(data: bytes) -> str:
    """Decode an HTML page using its <meta charset> / XML declaration when present."""
    m = _META_CHARSET.search(data[:4096]) or _XML_ENCODING.search(data[:512])
    return decode_text(data, m.group(1).decode("ascii") if m else None)


# ---------------------------------------------------------------------------- template version (§3.5)


def t2_version_votes(header_texts: list[str]) -> dict[str, int]:
    """How many table 二 version markers (T2_VERSION_MARKERS) the normalised header texts contain."""
    from ogi.parse.labels import norm

    joined = "|".join(norm(t) for t in header_texts)
    return {v: sum(1 for m in marks if norm(m) in joined) for v, marks in T.T2_VERSION_MARKERS.items()}


def _t2_vote(t2_votes: dict[str, int]) -> str | None:
    v19, v21 = t2_votes.get(T.V2019, 0), t2_votes.get(T.V2021, 0)
    return None if v19 == v21 else (T.V2019 if v19 > v21 else T.V2021)


def detect_version(t2_votes: dict[str, int], t3_shape: str | None, expected: str | None) -> str:
    """§3.5 in priority order: table 三's shape (rowspan 22 / 逾期未按收费通知… ⇒ v2021, a single
    （六）其他处理 row ⇒ v2019), then table 二's markers, then the version expected for the year."""
    return t3_shape or _t2_vote(t2_votes) or expected or T.V2021


def canonical_version(t2_votes: dict[str, int], t3_shape: str | None, expected: str | None) -> str:
    """The canonical ``template_version`` (schema): the template whose table 二 layout is printed;
    without table 二, the detected version."""
    return _t2_vote(t2_votes) or detect_version(t2_votes, t3_shape, expected)
