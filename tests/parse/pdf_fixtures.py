"""Render a report (as ``reportbuilder.report_html`` writes it) to small PDF and DOCX files.

The HTML page is read with ``read_html`` into a ``grid.Document``; its paragraphs and tables are
then drawn in order, so the same report exists as HTML, PDF and DOCX and tests can require the
three to parse to the same tables. The PDF drawing can add the real-world troubles one at a time:
a forced page break inside a table (with or without a closing border, repeated header rows, a
merged label cut in two), merged row labels printed one character per line, fake-bold
(every string drawn twice, offset < 1 pt), and white filled rectangles behind every text line.
reportlab's built-in CID font STSong-Light needs no font file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from ogi.parse.grid import Document, Table

PAGE_W, PAGE_H, MARGIN = 595.0, 842.0, 60.0
FONT = "STSong-Light"


@dataclass
class Placed:
    row: int
    col: int
    rowspan: int
    colspan: int
    text: str


def place(table: Table) -> tuple[list[Placed], int, int]:
    """Printed cells on the full grid (the HTML occupancy rule), with the grid's rows and columns."""
    taken: set[tuple[int, int]] = set()
    out: list[Placed] = []
    for r, row in enumerate(table.rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            out.append(Placed(r, c, cell.rowspan, cell.colspan, cell.text.replace("\n", "")))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
    return out, len(table.rows), max(c for _, c in taken) + 1


def blocks(doc: Document) -> list[str | Table]:
    """The document's paragraphs and tables in order (table rows are the ' | ' lines of its text)."""
    out: list[str | Table] = []
    lines = [ln for ln in doc.text.split("\n") if ln.strip()]
    tables = list(doc.tables)
    i = 0
    while i < len(lines):
        if tables and _row_line(tables[0].rows[0]) == lines[i].strip(" |"):
            out.append(tables.pop(0))
            i += len(out[-1].rows)
        else:
            out.append(lines[i])
            i += 1
    return out


def _row_line(row) -> str:
    return " | ".join(c.text.replace("\n", " ") for c in row).strip(" |")


def html_document(html: str) -> Document:
    from ogi.parse.html import read_html

    return read_html(html.encode("utf-8"))


# ---------------------------------------------------------------------------- PDF


@dataclass
class PdfStyle:
    break_before_row: dict[int, int] | None = None  # table index -> grid row that opens a new page
    close_at_break: bool = False  # draw the table's bottom/top border at a page break
    repeat_header: int = 0  # header rows printed again on the continuation page
    cut_labels: bool = False  # a merged label cut by the break prints partly on each page
    vertical_labels: bool = True  # merged row labels (rowspan > 2) one character per line
    fake_bold: bool = False
    white_rects: bool = False
    font_size: float = 7.0
    running_header: str | None = None  # printed at the top of every page
    page_numbers: bool = False  # "- n -" at the bottom of every page
    borders_as_rects: bool = False  # rulings drawn as thin black filled rectangles (Word exports)
    page_frame: bool = False  # a ruled frame around every page's content
    no_rules: bool = False  # tables printed without any ruling line (borderless)


class _Pdf:
    def __init__(self, style: PdfStyle, encrypt: Any):
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont
        from reportlab.pdfgen import canvas

        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        self.buf = io.BytesIO()
        self.c = canvas.Canvas(self.buf, pagesize=(PAGE_W, PAGE_H), encrypt=encrypt)
        self.s = style
        self.y = PAGE_H - MARGIN  # baseline cursor (reportlab: origin bottom-left)

    def new_page(self) -> None:
        self._decorate()
        self.c.showPage()
        self.y = PAGE_H - MARGIN

    def _decorate(self) -> None:
        self.c.setFillColorRGB(0, 0, 0)
        if self.s.page_frame:
            self.c.setLineWidth(1)
            self.c.rect(MARGIN - 15, 45, PAGE_W - 2 * MARGIN + 30, PAGE_H - 90, stroke=1, fill=0)
        if self.s.running_header:
            self.text(MARGIN, PAGE_H - 35, self.s.running_header, 8)
        if self.s.page_numbers:
            self.text(PAGE_W / 2 - 10, 30, f"- {self.c.getPageNumber()} -", 9)

    def text(self, x: float, y: float, s: str, size: float) -> None:
        c = self.c
        if self.s.white_rects:
            c.setFillColorRGB(1, 1, 1)
            c.rect(x - 1, y - 2, size * len(s) + 2, size + 3, stroke=0, fill=1)
            c.setFillColorRGB(0, 0, 0)
        c.setFont(FONT, size)
        c.drawString(x, y, s)
        if self.s.fake_bold:
            c.drawString(x + 0.3, y, s)

    def paragraph(self, s: str, size: float = 10.0, per_line: int = 44) -> None:
        for i in range(0, len(s), per_line):
            if self.y < MARGIN + 20:
                self.new_page()
            self.y -= size + 6
            self.text(MARGIN, self.y, s[i : i + per_line], size)

    def table(self, t: Table, ti: int) -> None:
        cells, nrows, ncols = place(t)
        fs = self.s.font_size
        width = PAGE_W - 2 * MARGIN
        value_cols = {p.col for p in cells if p.colspan == 1 and p.text.strip().replace(".", "").isdigit()}
        n_label = ncols - len(value_cols)
        vw = min(34.0, width / 2 / max(1, len(value_cols))) if n_label else width / ncols
        lw = (width - vw * len(value_cols)) / n_label if n_label else 0
        xs = [MARGIN]
        for c in range(ncols):
            xs.append(xs[-1] + (vw if c in value_cols else lw))

        def lines_of(p: Placed, vertical: bool = True) -> list[str]:
            if vertical and self.s.vertical_labels and p.rowspan > 2 and p.colspan == 1:
                return list(p.text)
            per = max(1, int((xs[p.col + p.colspan] - xs[p.col] - 4) // fs))
            return [p.text[i : i + per] for i in range(0, len(p.text), per)] or [""]

        heights = [14.0] * nrows
        for p in cells:
            if p.rowspan == 1:
                heights[p.row] = max(heights[p.row], len(lines_of(p)) * (fs + 2) + 4)
        for p in cells:
            need = len(lines_of(p)) * (fs + 2) + 4
            have = sum(heights[p.row : p.row + p.rowspan])
            if need > have:
                heights[p.row + p.rowspan - 1] += need - have
        # rows to pages: (page number in this table, top y, bottom y)
        breaks = (self.s.break_before_row or {}).get(ti)
        pos: list[tuple[int, float, float]] = []
        page, y = 0, self.y - 4
        header = list(range(self.s.repeat_header))
        for r in range(nrows):
            if (breaks is not None and r == breaks) or y - heights[r] < MARGIN:
                page, y = page + 1, PAGE_H - MARGIN
                y -= sum(heights[h] for h in header)  # room for repeated header rows
            pos.append((page, y, y - heights[r]))
            y -= heights[r]
        self._draw_table(cells, pos, xs, lines_of, heights, header)
        self.y = pos[-1][2] - 6

    def _draw_table(self, cells, pos, xs, lines_of, heights, header) -> None:
        c, fs = self.c, self.s.font_size
        pages = sorted({p for p, _, _ in pos})
        for page in pages:
            if page:
                self.new_page()
                if header:  # repeated header rows at the top of the continuation page
                    top = PAGE_H - MARGIN
                    for p in cells:
                        if p.row in header:
                            h = sum(heights[p.row : p.row + p.rowspan])
                            t0 = top - sum(heights[: p.row])
                            self._cell(p, xs, t0, t0 - h, lines_of(p), True, True)
            for p in cells:
                rows = [r for r in range(p.row, p.row + p.rowspan) if pos[r][0] == page]
                if not rows:
                    continue
                top, bottom = pos[rows[0]][1], pos[rows[-1]][2]
                lines = lines_of(p)
                first_seg = rows[0] == p.row
                if p.rowspan > 1 and self.s.cut_labels:
                    first_rows = sum(1 for r in range(p.row, p.row + p.rowspan) if pos[r][0] == pos[p.row][0])
                    k = max(1, round(len(lines) * first_rows / p.rowspan))  # lines on the first page
                    lines = lines[:k] if first_seg else lines[k:]
                elif not first_seg:
                    lines = []
                elif len(rows) < p.rowspan and len(lines) * (fs + 2) + 4 > top - bottom:
                    lines = lines_of(p, vertical=False)  # what fits in the part left on this page
                # at a page break the table is left open (no border) unless close_at_break
                page_top = rows[0] > 0 and pos[rows[0] - 1][0] != page
                page_end = rows[-1] + 1 < len(pos) and pos[rows[-1] + 1][0] != page
                opens = self.s.close_at_break if page_top else first_seg
                closes = self.s.close_at_break if page_end else rows[-1] == p.row + p.rowspan - 1
                self._cell(p, xs, top, bottom, lines, opens, closes)
        c.setFillColorRGB(0, 0, 0)

    def _cell(
        self, p: Placed, xs, top: float, bottom: float, lines: list[str], opens: bool, closes: bool
    ) -> None:
        fs = self.s.font_size
        x0, x1 = xs[p.col], xs[p.col + p.colspan]
        rule = self._rule
        rule(x0, top, x0, bottom)
        rule(x1, top, x1, bottom)
        if opens:
            rule(x0, top, x1, top)
        if closes:
            rule(x0, bottom, x1, bottom)
        block = len(lines) * (fs + 2)
        y = (top + bottom) / 2 + block / 2 - fs
        for ln in lines:
            if ln:
                self.text(x0 + 2, y, ln, fs)
            y -= fs + 2

    def _rule(self, x0: float, y0: float, x1: float, y1: float) -> None:
        c = self.c
        if self.s.no_rules:
            return
        if self.s.borders_as_rects:
            c.setFillColorRGB(0, 0, 0)
            c.rect(
                min(x0, x1) - 0.25,
                min(y0, y1) - 0.25,
                abs(x1 - x0) + 0.5,
                abs(y1 - y0) + 0.5,
                stroke=0,
                fill=1,
            )
        else:
            c.setLineWidth(0.5)
            c.line(x0, y0, x1, y1)

    def bytes(self) -> bytes:
        self._decorate()
        self.c.save()
        return self.buf.getvalue()


def render_pdf(doc: Document, style: PdfStyle | None = None, *, encrypt: Any = None) -> bytes:
    """The document as a text-layer PDF drawn with ruled tables."""
    pdf = _Pdf(style or PdfStyle(), encrypt)
    ti = 0
    for b in blocks(doc):
        if isinstance(b, Table):
            pdf.table(b, ti)
            ti += 1
        else:
            pdf.paragraph(b)
    return pdf.bytes()


def image_only_pdf() -> bytes:
    """A one-page PDF whose only content is a picture (a scanned report)."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    img = Image.new("RGB", (200, 100), "white")
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(PAGE_W, PAGE_H))
    c.drawImage(ImageReader(img), 100, 500, 400, 200)
    c.save()
    return buf.getvalue()


# ---------------------------------------------------------------------------- DOCX


def render_docx(doc: Document, *, merge: bool = True) -> bytes:
    """The document as a DOCX: paragraphs and tables in order, spans as merged cells (``cell.merge``)."""
    import docx

    d = docx.Document()
    for b in blocks(doc):
        if not isinstance(b, Table):
            d.add_paragraph(b)
            continue
        cells, nrows, ncols = place(b)
        t = d.add_table(rows=nrows, cols=ncols)
        t.style = "Table Grid"
        grid = t._cells  # once, before merging: Table.cell() recomputes the whole grid on every call
        for p in cells:
            a = grid[p.row * ncols + p.col]
            if merge and (p.rowspan > 1 or p.colspan > 1):
                a = a.merge(grid[(p.row + p.rowspan - 1) * ncols + p.col + p.colspan - 1])
            a.text = p.text
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()
