"""Parse one report document (HTML, PDF, DOCX, legacy DOC/WPS, flattened text) into a ``ParsedReport``.

The format is sniffed from the content (the file name is only a hint); each reader turns the
document into a ``grid.Document`` and the one mapper (``mapper.map_document``) turns that into
the canonical report. Readers for PDF/DOCX/legacy formats are imported only when needed, so
HTML and text parsing never load pdfplumber or python-docx.
"""

from __future__ import annotations

from pathlib import Path

from ogi.model import ParsedReport, ParseError

#: bump when parsing output may change for the same input (warehouse rows record it)
PARSER_VERSION = "1.0.0"

__all__ = ["PARSER_VERSION", "ParseError", "parse_bytes", "parse_path", "read_document"]


def read_document(data: bytes, *, filename: str | None = None):
    """The ``grid.Document`` of any supported input (format sniffed from the content), its text
    normalised once here for every reader (``normalise``: radical code points → ideographs)."""
    from ogi.parse.normalise import normalise_document

    return normalise_document(_read(data, filename))


def _read(data: bytes, filename: str | None):
    from ogi.parse import detect

    fmt = detect.sniff_format(data, filename)
    try:
        if fmt == detect.HTML:
            from ogi.parse.html import read_html

            return read_html(data)
        if fmt == detect.TEXT:
            from ogi.parse.text import read_text

            return read_text(data)
        if fmt == detect.PDF:
            from ogi.parse.limits import check_pdf_once
            from ogi.parse.pdf import read_pdf

            check_pdf_once(data)  # page count, stream sizes, form nesting: before pdfplumber reads a page
            return read_pdf(data)
        if fmt in (detect.DOC, detect.WPS, detect.RTF):
            from ogi.parse.convert import convert_legacy

            data = convert_legacy(data, "." + fmt)
        from ogi.parse.docx import read_docx

        return read_docx(data)
    except ImportError as e:  # a reader (or its library) is not installed
        raise ParseError(
            "unsupported_format", f"Reading {fmt} files is not available here ({e.name} is missing)."
        )


def parse_bytes(data: bytes, *, filename: str | None = None, url: str | None = None) -> ParsedReport:
    """Parse a report document; raises ``ParseError(reason, message)`` when it is not usable."""
    from ogi.parse.mapper import map_document

    return map_document(read_document(data, filename=filename), url=url)


def parse_path(path: str | Path) -> ParsedReport:
    """Parse a report file from disk (see ``parse_bytes``)."""
    p = Path(path)
    return parse_bytes(p.read_bytes(), filename=p.name)
