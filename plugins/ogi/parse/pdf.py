"""PDF reader (pdfplumber, imported lazily) → ``grid.Document``.

Why it looks the way it does (ENGINEERING_NOTES.md, pdfplumber):
- fake-bold text draws every glyph twice: ``dedupe_chars(tolerance=1)`` on pages where a cheap
  check finds a glyph drawn twice (pdfplumber's dedupe costs ~10 % of a clean page's parse);
- WPS exports draw white filled rectangles behind text lines, which pdfplumber reads as ruling
  lines: white non-stroked rectangles are dropped before table finding, and single-column
  "tables" (framed paragraphs) stay text;
- table finding is the expensive part: it runs only on pages that have ruling lines;
- merged cells come out as the value in the top-left cell and nothing in covered positions:
  covered positions are dropped and rowspan/colspan are inferred from the cell geometry;
- tables split across pages are joined into one logical table (repeated header rows dropped, a
  label cut in two at the page break rejoined);
- a *tagged* PDF (Chromium, Word and other accessible exports) states its tables in its structure
  tree (Table/TR/TD with RowSpan/ColSpan, blank cells included, a row split over a page break still
  one TR): when the tree has tables they are read from it, whatever the ruling lines look like.

``Document.text`` is the page text in reading order with every table row printed as one
``a | b | c`` line (as the HTML reader does), so narrative sections never mix with table rows.
"""

from __future__ import annotations

import bisect
import io
import itertools
import math
import re
from dataclasses import dataclass
from typing import Any

from ogi.model import ParseError
from ogi.parse.grid import Cell, Document, Table
from ogi.parse.pdf_geometry import ENUMERATED as _ENUMERATED
from ogi.parse.pdf_geometry import geometry_tables, is_caption, is_template_label

#: the default "lines" strategy; tolerances a little wider for WPS/Word exports
TABLE_SETTINGS: dict[str, Any] = {
    "vertical_strategy": "lines",
    "horizontal_strategy": "lines",
    "snap_tolerance": 3,
    "join_tolerance": 3,
    "intersection_tolerance": 3,
}
_TOL = 2.0  # points: geometry comparisons (column edges, spans)
_CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}]) +(?=[{_CJK}])")
_NUMBER = re.compile(r"^[\s+\-−－]?[\d０-９][\d０-９,，.．\s]*(?:万?元)?%?$")


@dataclass
class _Block:
    """A table found on one page, with its placement (for reading order and page joins)."""

    page: int
    top: float
    bottom: float
    rows: list[list[Cell]]
    col_edges: list[float]  # x of every vertical cell edge


# ---------------------------------------------------------------------------- open / errors


def _nest_marked_content() -> None:
    """pdfplumber 0.11 forgets the enclosing MCID when marked content nests (``/P <</MCID 5>> BDC …
    /Span <<…>> BDC … EMC EMC``, as Chromium writes every text run): the inner chars get no MCID
    and drop out of their structure element. Track a stack instead, so a tag without an MCID of its
    own inherits the one it sits in. Idempotent; changes nothing for untagged PDFs."""
    from pdfplumber.page import PDFPageAggregatorWithMarkedContent as Agg
    from pdfplumber.utils import decode_text

    if getattr(Agg, "_ogi_nested", False):
        return

    def begin_tag(self, tag, props=None) -> None:
        stack = self.__dict__.setdefault("_tags", [])
        stack.append((self.cur_tag, self.cur_mcid))
        self.cur_tag = decode_text(tag.name) if hasattr(tag, "name") else str(tag)
        if isinstance(props, dict) and "MCID" in props:
            self.cur_mcid = props["MCID"]

    def end_tag(self) -> None:
        stack = self.__dict__.get("_tags") or [(None, None)]
        self.cur_tag, self.cur_mcid = stack.pop()

    Agg.begin_tag, Agg.end_tag, Agg._ogi_nested = begin_tag, end_tag, True


def _open(data: bytes):
    import pdfplumber

    _nest_marked_content()
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        pdf.pages  # noqa: B018  (parses the page tree: raises on broken files)
    except Exception as e:  # noqa: BLE001  (pdfplumber wraps any pdfminer error in PdfminerException)
        cause = e.args[0] if e.args and isinstance(e.args[0], Exception) else e
        if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)) or "password" in str(e).lower():
            raise ParseError(
                "encrypted", "The PDF is encrypted (password protected) and cannot be read."
            ) from None
        raise ParseError(
            "corrupt", f"The PDF is corrupt or truncated and cannot be read ({type(cause).__name__})."
        ) from None
    if not pdf.pages:
        pdf.close()
        raise ParseError("corrupt", "The PDF is corrupt or truncated: it has no readable pages.")
    return pdf


# ---------------------------------------------------------------------------- page objects


def _is_white(color: Any) -> bool:
    if color is None:
        return False
    c = color if isinstance(color, (tuple, list)) else (color,)
    if not c or not all(isinstance(x, (int, float)) for x in c):
        return False
    if len(c) == 4:  # CMYK
        return all(x <= 0.05 for x in c)
    return all(x >= 0.95 for x in c)


def _keep(obj: dict) -> bool:
    """Drop white filled rectangles with no visible outline (text backings in WPS exports)."""
    if (
        obj.get("object_type") != "rect"
        or not obj.get("fill")
        or not _is_white(obj.get("non_stroking_color"))
    ):
        return True
    return bool(obj.get("stroke")) and not _is_white(obj.get("stroking_color"))


def _doubled(chars: list[dict]) -> bool:
    """Whether some glyph is drawn twice within 1 pt (fake bold), so ``dedupe_chars`` has work to do."""
    seen: set[tuple[str, int, int]] = set()
    for c in chars:
        x, y = math.floor(c["x0"]), math.floor(c["top"])
        t = c["text"]
        if any((t, x + dx, y + dy) in seen for dx in (-1, 0, 1) for dy in (-1, 0, 1)):
            return True
        seen.add((t, x, y))
    return False


def _has_rulings(edges: list[dict]) -> bool:
    """Cheap test before table finding: at least 3 horizontal and 2 vertical ruling edges."""
    h = v = 0
    for e in edges:
        if e["orientation"] == "h":
            h += e["x1"] - e["x0"] > 10
        else:
            v += e["bottom"] - e["top"] > 5
        if h >= 3 and v >= 2:
            return True
    return False


def _closing_lines(edges: list[dict]) -> list[dict]:
    """Horizontal lines where vertical rulings end but no horizontal ruling closes them: a table cut
    by a page break often has no bottom (or top) border on that page, and pdfplumber would drop
    its last (first) row."""
    hs = [e for e in edges if e["orientation"] == "h" and e["x1"] - e["x0"] > 10]
    ends: dict[int, list[dict]] = {}
    for e in edges:
        if e["orientation"] == "v" and e["bottom"] - e["top"] > 5:
            ends.setdefault(round(e["bottom"]), []).append(e)
            ends.setdefault(round(e["top"]), []).append(e)
    out = []
    for y, vs in ends.items():
        x0, x1 = min(e["x0"] for e in vs), max(e["x1"] for e in vs)
        if len(vs) < 2 or any(
            abs(h["top"] - y) <= _TOL and h["x0"] <= x0 + _TOL and h["x1"] >= x1 - _TOL for h in hs
        ):
            continue
        out.append(
            {"object_type": "line", "x0": x0, "x1": x1, "top": y, "bottom": y, "width": x1 - x0, "height": 0}
        )
    return out


# ---------------------------------------------------------------------------- cells


def _cell_text(raw: str | None) -> str:
    """Cell text tidied: a label printed one character per line becomes one line; the stray spaces
    justified text leaves between CJK characters are removed."""
    lines = [ln.strip() for ln in (raw or "").split("\n")]
    lines = [ln for ln in lines if ln]
    if (len(lines) >= 3 and all(len(ln) <= 2 for ln in lines)) or (
        len(lines) == 2 and all(len(ln) == 1 for ln in lines)
    ):
        lines = ["".join(lines)]
    return "\n".join(_CJK_GAP.sub("", ln) for ln in lines)


def _count_in(edges: list[float], lo: float, hi: float) -> int:
    return max(1, sum(1 for x in edges if lo - _TOL <= x < hi - _TOL))


def _extract(table) -> list[list[str | None]]:
    """``table.extract()`` with the same rule (a char belongs to the cell holding its centre) and the
    same ``extract_text`` per cell, but each row looks only at the chars whose centre lies in its
    band (bisect over the sorted centres) instead of scanning every char of the page per row."""
    from pdfplumber.utils.text import extract_text

    centred = sorted(
        ((c["top"] + c["bottom"]) / 2, (c["x0"] + c["x1"]) / 2, i, c) for i, c in enumerate(table.page.chars)
    )
    mids = [v for v, _, _, _ in centred]
    out: list[list[str | None]] = []
    for row in table.rows:
        rx0, top, rx1, bottom = row.bbox
        band = centred[bisect.bisect_left(mids, top) : bisect.bisect_left(mids, bottom)]
        band = sorted((t for t in band if rx0 <= t[1] < rx1), key=lambda t: t[2])  # page order
        texts: list[str | None] = []
        for cell in row.cells:
            if cell is None:
                texts.append(None)
                continue
            x0, ctop, x1, cbottom = cell
            chars = [c for v, h, _, c in band if x0 <= h < x1 and ctop <= v < cbottom]
            texts.append(extract_text(chars) if chars else "")
        out.append(texts)
    return out


def _block(table, page_no: int) -> _Block | None:
    """Rows of printed cells of one pdfplumber table (covered positions dropped), or None for a
    framed paragraph (a single column)."""
    texts = _extract(table)
    boxes = [c for row in table.rows for c in row.cells if c is not None]
    xs = sorted({round(b[0], 1) for b in boxes})
    tops = sorted({round(b[1], 1) for b in boxes})
    if len(xs) < 2:
        return None
    rows: list[list[Cell]] = []
    for row, row_text in zip(table.rows, texts):
        cells = []
        for box, text in zip(row.cells, row_text):
            if box is None:
                continue
            x0, top, x1, bottom = box
            cells.append(
                Cell(
                    text=_cell_text(text),
                    rowspan=_count_in(tops, top, bottom),
                    colspan=_count_in(xs, x0, x1),
                    page=page_no,
                    bbox=(round(x0, 2), round(top, 2), round(x1, 2), round(bottom, 2)),
                )
            )
        if cells:
            rows.append(cells)
    edges = sorted({round(x, 1) for b in boxes for x in (b[0], b[2])})
    return _Block(page_no, table.bbox[1], table.bbox[3], rows, edges)


# ---------------------------------------------------------------------------- tagged tables

#: (page number, marked-content id): where a structure element's text sits
_Mcid = tuple[int, int]


@dataclass
class _TaggedCell:
    parts: list[_Mcid]
    rowspan: int
    colspan: int


def _tagged_tables(pdf) -> list[list[list[_TaggedCell]]]:
    """Tables of the PDF's structure tree as rows of cells (each cell: where its text sits), or []
    when the PDF is untagged, its tree is unreadable or holds no table.

    The tree is walked here rather than with pdfplumber's ``PDFStructTree``, which files every
    marked-content reference under its element's page: a cell split over a page break keeps its
    second part's own page (``/Pg`` of the reference) only this way."""
    from pdfminer.pdftypes import resolve1
    from pdfminer.psparser import PSLiteral

    try:
        root = resolve1(pdf.doc.catalog.get("StructTreeRoot"))
        pages = {p.page_obj.pageid: p.page_number for p in pdf.pages}
    except Exception:  # noqa: BLE001  (a broken catalog: fall back to geometry)
        return []
    if not isinstance(root, dict):
        return []
    role_map = resolve1(root.get("RoleMap")) or {}

    def name(el: dict) -> str:
        s = resolve1(el.get("S"))
        n = s.name if isinstance(s, PSLiteral) else str(s)
        mapped = resolve1(role_map.get(n)) if isinstance(role_map, dict) else None
        return mapped.name if isinstance(mapped, PSLiteral) else n

    def page_of(obj: dict, default: int | None) -> int | None:
        pg = obj.get("Pg")
        return pages.get(getattr(pg, "objid", None), default)

    def kids(el: dict) -> list:
        k = resolve1(el.get("K"))
        return [resolve1(x) for x in (k if isinstance(k, list) else [k])] if k is not None else []

    def parts(el: dict, page: int | None, acc: list[_Mcid], depth: int = 0) -> list[_Mcid]:
        page = page_of(el, page)
        for k in kids(el):
            if isinstance(k, int) and page is not None:
                acc.append((page, k))
            elif isinstance(k, dict) and "MCID" in k:
                p = page_of(k, page)
                if p is not None and isinstance(resolve1(k["MCID"]), int):
                    acc.append((p, resolve1(k["MCID"])))
            elif isinstance(k, dict) and "S" in k and depth < 50:
                parts(k, page, acc, depth + 1)
        return acc

    def span(el: dict, key: str) -> int:
        attrs = resolve1(el.get("A"))
        for a in attrs if isinstance(attrs, list) else [attrs]:
            a = resolve1(a)
            if isinstance(a, dict) and isinstance(resolve1(a.get(key)), int):
                v = resolve1(a[key])
                return v if 1 <= v <= 1000 else 1
        return 1

    def rows(el: dict, depth: int = 0) -> list[dict]:
        out = []
        for k in kids(el):
            if isinstance(k, dict) and "S" in k:
                if name(k) == "TR":
                    out.append(k)
                elif name(k) in ("THead", "TBody", "TFoot") and depth < 5:
                    out += rows(k, depth + 1)
        return out

    tables: list[list[list[_TaggedCell]]] = []
    stack: list[tuple[dict, int | None, int]] = [(root, None, 0)]
    seen = 0
    while stack and seen < 200_000:
        el, page, depth = stack.pop()
        seen += 1
        page = page_of(el, page)
        if "S" in el and name(el) == "Table":
            table = [
                [
                    _TaggedCell(parts(c, page_of(tr, page), []), span(c, "RowSpan"), span(c, "ColSpan"))
                    for c in kids(tr)
                    if isinstance(c, dict) and "S" in c and name(c) in ("TD", "TH")
                ]
                for tr in rows(el)
            ]
            if sum(len(r) for r in table) >= 2:
                tables.append([r for r in table if r])
            continue
        if depth < 100:
            stack += [
                (k, page, depth + 1)
                for k in reversed(kids(el))
                if isinstance(k, dict) and ("S" in k or "K" in k)
            ]
    return tables


def _tagged_blocks(tables: list[list[list[_TaggedCell]]], chars: dict[_Mcid, list[dict]]) -> list[_Block]:
    """Blocks of printed cells from tagged tables; a cell's text is its marked content in page
    order (a cell split over a page break is one cell), its page and bbox those of its first part."""
    from pdfplumber.utils.text import extract_text

    blocks = []
    for table in tables:
        rows: list[list[Cell]] = []
        for tr in table:
            cells = []
            for tc in tr:
                texts, first = [], None
                for part in sorted(dict.fromkeys(tc.parts)):
                    cs = chars.get(part, [])
                    if cs:
                        texts.append(extract_text(cs))
                        first = first or (part[0], cs)
                bbox = None
                if first is not None:
                    cs = first[1]
                    bbox = tuple(
                        round(v, 2)
                        for v in (
                            min(c["x0"] for c in cs),
                            min(c["top"] for c in cs),
                            max(c["x1"] for c in cs),
                            max(c["bottom"] for c in cs),
                        )
                    )
                page = first[0] if first else None
                cells.append(Cell(_cell_text("\n".join(texts)), tc.rowspan, tc.colspan, page, bbox))
            rows.append(cells)
        placed = [c for r in rows for c in r if c.bbox]
        if not placed:
            continue
        page = min(c.page for c in placed)
        on_first = [c.bbox for c in placed if c.page == page]
        blocks.append(_Block(page, min(b[1] for b in on_first), max(b[3] for b in on_first), rows, []))
    return blocks


def _continue_loose(loose: list[_Block]) -> None:
    """A borderless table's label cut by a page break ("4.保护第三方合法权" / "益"): a page's first row
    that prints only a label fragment (no enumerator, no value) under a label of the previous page's
    last row is appended to that label."""
    for prev, b in itertools.pairwise(loose):
        if b.page != prev.page + 1 or not b.rows or not prev.rows:
            continue
        printed = [c for c in b.rows[0] if c.text.strip()]
        text = printed[0].text.strip() if len(printed) == 1 else ""
        if (
            not text
            or _is_number(text)
            or _ENUMERATED.match(text)
            or is_caption(text)
            or is_template_label(text)
        ):
            continue
        if all(c.text.strip() and not _is_number(c.text) for c in prev.rows[-1]):
            continue  # the page ended with a header row: nothing to continue
        frag = printed[0]
        host = next(
            (c for c in prev.rows[-1] if c.text.strip() and c.bbox and frag.bbox and _aligned_left(c, frag)),
            None,
        )
        if host is not None and not _is_number(host.text):
            host.text += "\n" + frag.text
            b.rows.pop(0)


def _aligned_left(a: Cell, b: Cell) -> bool:
    return abs(a.bbox[0] - b.bbox[0]) <= 3 * _TOL


# ---------------------------------------------------------------------------- page joins


def _same_columns(a: list[float], b: list[float]) -> bool:
    """One table's vertical edges are (within tolerance) a subset of the other's, and the outer
    edges agree: the same table continued, even if some columns are merged differently."""
    if abs(a[0] - b[0]) > 3 * _TOL or abs(a[-1] - b[-1]) > 3 * _TOL:
        return False
    small, big = (a, b) if len(a) <= len(b) else (b, a)
    return all(any(abs(x - y) <= 3 * _TOL for y in big) for x in small)


def _row_texts(row: list[Cell]) -> list[str]:
    return [re.sub(r"\s+", "", c.text) for c in row]


def _is_number(text: str) -> bool:
    return bool(_NUMBER.match(text.strip()))


def _aligned(a: Cell, b: Cell) -> bool:
    return bool(
        a.bbox
        and b.bbox
        and abs(a.bbox[0] - b.bbox[0]) <= 3 * _TOL
        and abs(a.bbox[2] - b.bbox[2]) <= 3 * _TOL
    )


def _continue_open_cells(prev_rows: list[list[Cell]], first: list[Cell]) -> list[Cell]:
    """The continuation's first row without the cells that only continue a label cell left open
    at the previous page's bottom (a rowspan cut by the page break): an empty one extends that
    cell's rowspan; a group-label fragment is appended to it ("（四）无" + "法提供") when it is not
    a label of its own (no enumerator such as （五） or 3.) and the row prints its own label after
    it (so a row label like 行政处罚 under 行政许可 is never taken for a fragment)."""
    bottom = max((c.bbox[3] for r in prev_rows for c in r if c.bbox), default=None)
    if bottom is None:
        return first
    open_cells = [c for r in prev_rows for c in r if c.bbox and c.bbox[3] >= bottom - _TOL]
    out = []
    own = next((i for i, c in enumerate(first) if c.text.strip()), len(first))  # the row's first printed cell
    left = min((c.bbox[0] for r in prev_rows for c in r if c.bbox), default=0.0)
    printed = [c for c in first if c.text.strip()]
    # a header cell cut by the break ("处理决" / "定数量"): the row prints no label of its own in the
    # first column, only text under cells left open above
    header_tail = bool(printed) and all(
        c.bbox
        and c.bbox[0] > left + 3 * _TOL
        and not _is_number(c.text)
        and any(_aligned(o, c) for o in open_cells)
        for c in printed
    )
    for i, cell in enumerate(first):
        t = cell.text.strip()
        hit = next((c for c in open_cells if _aligned(c, cell)), None)
        later_label = header_tail or any(c.text.strip() and not _is_number(c.text) for c in first[i + 1 :])
        if (
            hit is not None
            and hit.text.strip()
            and not _is_number(hit.text)
            and (
                (not t and i < own) or (t and later_label and not _is_number(t) and not _ENUMERATED.match(t))
            )
        ):  # blanks after the row's own label are its blank values, not the open cell's continuation
            hit.text += cell.text
            hit.rowspan += cell.rowspan
            continue
        out.append(cell)
    return out


def _join(blocks: list[_Block], lines: list[_Line]) -> list[list[_Block]]:
    """Group blocks into logical tables: a block that opens a page (no text above it) continues
    the previous page's last block (no text below it) when their columns agree."""
    groups: list[list[_Block]] = []
    for b in blocks:
        prev = groups[-1][-1] if groups else None
        if (
            prev is not None
            and b.page == prev.page + 1
            and not any(ln.page == b.page and ln.top < b.top for ln in lines)
            and not any(ln.page == prev.page and ln.top > prev.bottom for ln in lines)
            and _same_columns(prev.col_edges, b.col_edges)
        ):
            head = [_row_texts(r) for r in groups[-1][0].rows]
            while (  # repeated header rows (never a row of numbers)
                b.rows
                and _row_texts(b.rows[0]) in head[:4]
                and not any(_is_number(c.text) for c in b.rows[0])
            ):
                b.rows.pop(0)
            if b.rows:
                b.rows[0] = _continue_open_cells(prev.rows, b.rows[0])
            groups[-1].append(b)
        else:
            groups.append([b])
    return groups


# ---------------------------------------------------------------------------- reader


@dataclass
class _Line:
    page: int
    top: float
    x0: float
    x1: float
    height: float
    text: str
    page_height: float


_PAGE_NUMBER = re.compile(
    r"^[-–—_\s]*(?:\d{1,3}|第\s*\d{1,3}\s*页(?:\s*[,，/]?\s*共\s*\d{1,3}\s*页)?|\d{1,3}\s*/\s*\d{1,3})[-–—_\s]*$"
)
_HEADING = re.compile(r"^(?:[一二三四五六七八九十]{1,2}\s*[、.．]|[（(][一二三四五六七八九十]{1,2}[)）])")


def _outside(page, boxes: list[tuple[float, float, float, float]]):
    """The page without the chars whose centre lies in one of ``boxes`` (tables already read)."""

    def outside(obj: dict) -> bool:
        if obj.get("object_type") != "char":
            return True
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

    return page.filter(outside) if boxes else page


def _text_lines(page, page_no: int, boxes: list[tuple[float, float, float, float]]) -> list[_Line]:
    """The page's text lines outside the tables."""
    p = _outside(page, boxes)
    return [
        _Line(
            page_no, ln["top"], ln["x0"], ln["x1"], ln["bottom"] - ln["top"], ln["text"].strip(), page.height
        )
        for ln in p.extract_text_lines(return_chars=False, y_tolerance=5)  # digits in a Latin font sit lower
        if ln["text"].strip()
    ]


def _drop_running_lines(lines: list[_Line]) -> list[_Line]:
    """Without page numbers and running headers/footers (lines in the top or bottom 10 % of the page
    that are a page number or recur, digits aside, on two or more pages). On the first page the
    band is 7 %: the title often sits just below the top margin and repeats the running header."""

    def margin(ln: _Line) -> bool:
        band = 0.07 if ln.page == 1 else 0.1
        return ln.top < band * ln.page_height or ln.top > (1 - band) * ln.page_height

    def shape(ln: _Line) -> str:
        return re.sub(r"\d+", "#", re.sub(r"\s+", "", ln.text))

    pages: dict[str, set[int]] = {}
    for ln in lines:
        if margin(ln):
            pages.setdefault(shape(ln), set()).add(ln.page)
    return [
        ln
        for ln in lines
        if not (margin(ln) and (_PAGE_NUMBER.match(ln.text) or len(pages.get(shape(ln), ())) >= 2))
    ]


def _paragraphs(lines: list[_Line]) -> list[_Line]:
    """Hard-wrapped lines joined back: a line that reaches the right margin continues on the next
    line when that one starts at the left margin (not indented, not a heading), also across pages."""
    if not lines:
        return lines
    left = min(ln.x0 for ln in lines)
    right = max(ln.x1 for ln in lines)
    out: list[_Line] = []
    for ln in lines:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.x1 >= right - 1.5 * prev.height
            and ln.x0 <= left + 0.5 * ln.height
            and abs(ln.height - prev.height) <= 0.25 * prev.height
            and not _HEADING.match(ln.text)
        ):
            sep = " " if re.match(r"[A-Za-z]", ln.text) and re.search(r"[A-Za-z]$", prev.text) else ""
            prev.text += sep + ln.text
            prev.x1 = ln.x1
            continue
        out.append(_Line(ln.page, ln.top, ln.x0, ln.x1, ln.height, ln.text, ln.page_height))
    return out


def read_pdf(data: bytes) -> Document:
    """The ``Document`` of a PDF: text in reading order, tables as rows of printed cells with page
    and bbox. Raises ``ParseError`` needs_ocr / encrypted / corrupt."""
    pdf = _open(data)
    blocks: list[_Block] = []
    lines: list[_Line] = []
    images = 0
    try:
        tagged = _tagged_tables(pdf)
        wanted = {part for t in tagged for r in t for c in r for part in c.parts}
        tagged_chars: dict[_Mcid, list[dict]] = {}
        loose: list[_Block] = []  # tables read from text geometry (no rules, no tags)
        carried: dict = {}  # their columns, carried over page breaks
        for page in pdf.pages:
            images += len(page.images)
            p = (page.dedupe_chars(tolerance=1) if _doubled(page.chars) else page).filter(_keep)
            found = []
            if tagged:
                for c in p.chars:
                    key = (page.page_number, c.get("mcid"))
                    if key in wanted:
                        tagged_chars.setdefault(key, []).append(c)
                rest = p.filter(lambda o, n=page.page_number: (n, o.get("mcid")) not in wanted)
            else:
                edges = p.edges
                if _has_rulings(edges):
                    settings = {**TABLE_SETTINGS, "explicit_horizontal_lines": _closing_lines(edges)}
                    for t in p.find_tables(settings):
                        b = _block(t, page.page_number)
                        if b is not None:
                            found.append((t.bbox, b))
                blocks.extend(b for _, b in found)
                rest = _outside(p, [bbox for bbox, _ in found])
            for g in geometry_tables(rest, page.page_number, carried):  # tables printed without rules
                loose.append(_Block(g.page, g.top, g.bottom, g.rows, []))
                found.append((g.bbox, loose[-1]))
            lines += _text_lines(rest, page.page_number, [bbox for bbox, _ in found])
        meta = {k.lower(): _info_string(v) for k, v in (pdf.metadata or {}).items()}
        n_pages = len(pdf.pages)
    except ParseError:
        raise
    except Exception as e:  # noqa: BLE001  (pdfminer fails lazily on broken content streams)
        raise ParseError(
            "corrupt", f"The PDF is corrupt or truncated and cannot be read ({type(e).__name__})."
        ) from None
    finally:
        pdf.close()
    if tagged:
        blocks = _tagged_blocks(tagged, tagged_chars)
    _check_text_layer(lines, blocks + loose, images)
    lines = _drop_running_lines(lines)
    groups = [[b] for b in blocks] if tagged else _join(blocks, lines)
    _continue_loose(loose)
    groups = sorted(groups + [[b] for b in loose], key=lambda g: (g[0].page, g[0].top))
    blocks += loose
    tables = [
        Table(index=i, rows=[r for b in g for r in b.rows], page=g[0].page) for i, g in enumerate(groups)
    ]
    # reading order: page, then top; paragraphs between tables; table rows as "a | b" lines
    items: list[tuple[int, float, str]] = []
    for b in blocks:
        at = (b.page, b.top)
        for r in b.rows:  # a row of blank cells (no box) stays after the row above it
            at = min(((c.page or b.page, c.bbox[1]) for c in r if c.bbox), default=at)
            items.append((*at, " | ".join(c.text.replace("\n", " ") for c in r)))
    cuts = sorted((b.page, b.top) for b in blocks)
    run: list[_Line] = []
    for ln in lines + [None]:  # paragraphs are joined only between two tables
        if ln is None or (run and any((run[-1].page, run[-1].top) < c < (ln.page, ln.top) for c in cuts)):
            items += [(x.page, x.top, x.text) for x in _paragraphs(run)]
            run = []
        if ln is not None:
            run.append(ln)
    items.sort(key=lambda x: (x[0], x[1]))
    meta = {k: v for k, v in meta.items() if v}
    meta.update({"pages": n_pages, "images": images})
    return Document(format="pdf", text="\n".join(t for _, _, t in items), tables=tables, meta=meta)


def _info_string(v: Any) -> str | None:
    """A document-info string; UTF-16 strings that came out as Latin-1 mojibake ("ÿþ…") are re-decoded."""
    if isinstance(v, bytes):
        v = v.decode("latin-1")
    if not isinstance(v, str):
        return None
    if v.startswith(("ÿþ", "þÿ")):  # UTF-16 read as PDFDocEncoding: map back to bytes, decode
        from pdfminer.utils import PDFDocEncoding

        back: dict[str, int] = {}
        for i, ch in enumerate(PDFDocEncoding):
            back.setdefault(ch, i)
        try:
            v = bytes(back[ch] for ch in v).decode("utf-16")
        except (KeyError, UnicodeDecodeError):
            return None
    v = v.replace("\x00", "").strip()
    return v or None


def _check_text_layer(lines: list[_Line], blocks: list[_Block], images: int) -> None:
    text = "".join(ln.text for ln in lines)
    text += "".join(c.text for b in blocks for r in b.rows for c in r)
    if not text.strip():
        why = "its pages are images" if images else "it has no text"
        raise ParseError("needs_ocr", f"The PDF has no text layer ({why}); it needs OCR.")
    if text.count("(cid:") * 6 > len(text) / 2:
        raise ParseError(
            "needs_ocr", "The PDF's text cannot be decoded (fonts without a Unicode map); it needs OCR."
        )
