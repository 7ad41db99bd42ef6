"""PDF reports laid out by ReportLab: A4, ruled tables that split across pages, a CJK font.

The font is ReportLab's built-in CID font ``STSong-Light`` (Adobe-GB1, no file needed): its text
round-trips through pdfplumber, so a fresh machine needs no system fonts. Tables are platypus
``Table`` objects with the template's row/column spans and a full grid; long tables (三) break
across pages wherever the page ends, spans included, as word processors do.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from ogi_dev import require_reportlab
from ogi_dev.synth.layout import LTable, Page, place

FONT = "STSong-Light"
_WIDTHS = {2: (165, 110, 110, 110), 3: (42, 50, 150) + (36,) * 6 + (37,), 4: (33,) * 15}


def _register() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _table(t: LTable, cell_style):
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    grid = [["" for _ in range(t.ncols)] for _ in t.rows]
    spans = []
    for gc in place(t):
        text = "<br/>".join(escape(x) for x in gc.cell.text.split("\n"))
        grid[gc.row][gc.col] = Paragraph(text, cell_style) if text else ""
        if gc.cell.rowspan > 1 or gc.cell.colspan > 1:
            spans.append(
                ("SPAN", (gc.col, gc.row), (gc.col + gc.cell.colspan - 1, gc.row + gc.cell.rowspan - 1))
            )
    widths = _WIDTHS.get(t.key)
    table = Table(grid, colWidths=widths, splitByRow=1, splitInRow=0)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                *spans,
            ]
        )
    )
    return table


def render_pdf(page: Page) -> bytes:
    """The report as a PDF (text layer in STSong-Light; tables ruled and split across pages)."""
    require_reportlab()
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    _register()
    body = ParagraphStyle(
        "body", fontName=FONT, fontSize=10.5, leading=16, firstLineIndent=21, wordWrap="CJK"
    )
    head = ParagraphStyle("head", parent=body, firstLineIndent=0, spaceBefore=6)
    title = ParagraphStyle(
        "title", fontName=FONT, fontSize=16, leading=24, alignment=TA_CENTER, wordWrap="CJK"
    )
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=8, leading=10, alignment=TA_CENTER, wordWrap="CJK")
    story = [Paragraph(escape(page.title), title), Spacer(1, 8), Paragraph(escape(page.preamble), body)]
    for b in page.blocks:
        if isinstance(b, LTable):
            story += [Spacer(1, 4), _table(b, cell), Spacer(1, 4)]
        elif len(b) < 40 and b[:2] in {f"{x}、" for x in "一二三四五六"}:
            story.append(Paragraph(escape(b), head))
        else:
            story.append(Paragraph(escape(b), body))
    if page.published_on:
        y, m, d = page.published_on.split("-")
        right = ParagraphStyle("right", parent=body, alignment=2, firstLineIndent=0)
        story += [
            Spacer(1, 12),
            Paragraph(escape(page.organ), right),
            Paragraph(f"{y}年{int(m)}月{int(d)}日", right),
        ]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=50,
        rightMargin=50,
        topMargin=60,
        bottomMargin=60,
        title=page.title,
        author=page.organ,
    )
    doc.build(story)
    return buf.getvalue()
