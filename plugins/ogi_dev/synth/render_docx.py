"""DOCX reports as an office clerk types them in Word/WPS: ruled tables with merged cells.

python-docx builds the full grid and merges the template's spans (``cell.merge``), so a merged
cell is one ``<w:tc>`` with ``gridSpan`` / ``vMerge`` exactly as Word writes it; broken labels are
separate paragraphs inside the cell; headings are bold paragraphs, the title centred.
"""

from __future__ import annotations

import io

from ogi_dev.synth.layout import LTable, Page, place

_EAST_ASIA_FONT = "宋体"


def _font(run, size: float | None = None, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = _EAST_ASIA_FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), _EAST_ASIA_FONT)
    if size:
        run.font.size = Pt(size)
    run.bold = bold or None


def _table(doc, t: LTable) -> None:
    table = doc.add_table(rows=len(t.rows), cols=t.ncols)
    table.style = "Table Grid"
    grid = table._cells  # one snapshot: table.cell() rescans the whole table on every call
    n = t.ncols
    for gc in place(t):
        c = gc.cell
        cell = grid[gc.row * n + gc.col]
        if c.rowspan > 1 or c.colspan > 1:
            cell = cell.merge(grid[(gc.row + c.rowspan - 1) * n + gc.col + c.colspan - 1])
        lines = c.text.split("\n") if c.text else []
        for i, line in enumerate(lines):
            par = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
            _font(par.add_run(line), 9)


def render_docx(page: Page) -> bytes:
    """The report as a .docx document."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = Document()
    doc.core_properties.title = page.title
    doc.core_properties.author = page.organ
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run(page.title), 16, bold=True)
    _font(doc.add_paragraph().add_run(page.preamble), 12)
    for b in page.blocks:
        if isinstance(b, LTable):
            _table(doc, b)
        else:
            heading = len(b) < 40 and b[:2] in {f"{x}、" for x in "一二三四五六"}
            _font(doc.add_paragraph().add_run(b), 12, bold=heading)
    if page.published_on:
        y, m, d = page.published_on.split("-")
        for line in (page.organ, f"{y}年{int(m)}月{int(d)}日"):
            p = doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _font(p.add_run(line), 12)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
