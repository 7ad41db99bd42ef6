"""Tables read from the text layer's geometry, for PDF tables printed without ruling lines.

A borderless table has no lines or rects for pdfplumber to find, but every word sits in the text
layer with its position. This module rebuilds the table from that:

1. words → *lines* (same baseline) → *segments* (words closer than ~half a character);
2. *regions*: runs of lines that have two or more segments (table rows), with the single-segment
   lines between and around them that are not section headings or paragraph lines (captions,
   labels of rows whose values are all blank);
3. wrapped fragments joined: a label or header word wrapped in its cell (a next line that starts at
   the same x, close below, the line above reaching its column's right edge, no enumerator of its
   own) is appended to it; a line whose vertical centre lies inside a multi-line row joins that row
   (values are centred beside a two-line label);
4. columns from the header: the header rows above a run of value rows give their *leaf* cells
   (a header cell spanning two or more others is a group, not a column); every row then keeps the
   header's columns, so a blank cell stays a blank cell in its own column and never shifts its
   neighbours. Without a header, columns come from the value cells' x-ranges.

The output is the reader-neutral ``grid.Cell`` rows the mapper reads, with page and bbox.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ogi import templates as T
from ogi.parse import labels as L
from ogi.parse.grid import Cell
from ogi.parse.normalise import normalise_text

#: a row label's ordinal: 一、 （三） 2. (shared with the ruled reader's page joins)
ENUMERATED = re.compile(r"^[（(]?[一二三四五六七八九十\d]{1,2}[)）.．、]")
_CAPTION = re.compile(r"第[二三四五六七八九十]+条")
_SECTION_HEADING = re.compile(r"^([一二三四五六七八九十]{1,2})\s*[、.．]\s*(\S.*)$")


def _is_section_heading(text: str) -> bool:
    """A heading of the report's six sections (一、总体情况 …), not a table row like 四、结转下年度继续办理."""
    m = _SECTION_HEADING.match(text)
    if not m:
        return False
    rest = L.core(m.group(2))
    return any(
        rest.startswith(L.core(lab)[:4])
        for sec in T.SECTIONS
        if sec.number == m.group(1)
        for lab in (sec.label, *sec.aliases)
    )


_TOL = 3.0


@dataclass
class Segment:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float

    @property
    def numeric(self) -> bool:
        """Prints a value (a dash or slash is not one: it may be part of a header like 本年增/减)."""
        return L.read_number(self.text).value is not None

    @property
    def mid(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class Row:
    segs: list[Segment] = field(default_factory=list)

    @property
    def top(self) -> float:
        return min(s.top for s in self.segs)

    @property
    def bottom(self) -> float:
        return max(s.bottom for s in self.segs)

    @property
    def numeric(self) -> bool:
        return any(s.numeric for s in self.segs)

    @property
    def size(self) -> float:
        return max(s.size for s in self.segs)


@dataclass
class GeoTable:
    page: int
    top: float
    bottom: float
    bbox: tuple[float, float, float, float]
    rows: list[list[Cell]]


# ---------------------------------------------------------------------------- lines and segments


def _template_cores() -> frozenset[str]:
    """Normalised printed labels of the report tables: a region of the page is a report table only
    if it prints one of them (portal chrome, title blocks and signature lines never do)."""
    texts = [T.T2_HEADER_FIRST_CELL, *T.T3_HEADER_LABELS, *T.T3_GROUP_LABELS.values()]
    texts += [x for r in T.T3_ROWS for x in (r.label, *r.aliases)]
    texts += [c.label for c in T.T3_COLUMNS] + [g.label for g in T.T4_GROUPS] + [o for _, o in T.T4_OUTCOMES]
    for subs in T.T2_SUBTABLES.values():
        for st in subs:
            texts += [x for r in st.rows for x in (r.label, *r.aliases)]
    return frozenset(c for c in (L.core(t) for t in texts) if len(c) >= 2)


_TEMPLATE_CORES = _template_cores()
#: row labels of tables 二 and 三 (never header words): where a table's rows begin
_ROW_CORES = frozenset(
    c
    for c in (
        *(L.core(x) for r in T.T3_ROWS for x in (r.label, *r.aliases)),
        *(
            L.core(x)
            for subs in T.T2_SUBTABLES.values()
            for st in subs
            for r in st.rows
            for x in (r.label, *r.aliases)
        ),
    )
    if len(c) >= 2
) - {
    L.core(x) for x in (*(c.label for c in T.T3_COLUMNS), *(label for _, label in T.T4_OUTCOMES))
}  # 其他, 总计


def _is_row_label(text: str) -> bool:
    return bool(ENUMERATED.match(text.strip())) or L.core(text) in _ROW_CORES


def _prints_template_label(region: list[Row]) -> bool:
    """Whether the region prints a label of the report tables: in one segment, or wrapped over the
    lines of one column (its segments read top to bottom)."""
    segs = [s for r in region for s in r.segs]
    if any(_CAPTION.search(s.text) or L.core(s.text) in _TEMPLATE_CORES for s in segs):
        return True
    columns = "".join(s.text for s in sorted(segs, key=lambda s: (round(s.x0 / _TOL), s.top)))
    text = L.core(columns)
    return any(t in text for t in _TEMPLATE_CORES if len(t) >= 4)


def _lines(words: list[dict]) -> list[Row]:
    rows: list[Row] = []
    for w in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        size = max(1.0, w["bottom"] - w["top"])
        seg = Segment(normalise_text(w["text"]), w["x0"], w["x1"], w["top"], w["bottom"], size)
        if rows and abs(rows[-1].segs[0].top - seg.top) <= 0.35 * size:
            rows[-1].segs.append(seg)
        else:
            rows.append(Row([seg]))
    for r in rows:  # words closer than half a character are one segment
        r.segs.sort(key=lambda s: s.x0)
        merged = [r.segs[0]]
        for s in r.segs[1:]:
            prev = merged[-1]
            if s.x0 - prev.x1 < 0.5 * max(prev.size, s.size) and not (prev.numeric or s.numeric):
                sep = (
                    " " if re.search(r"[A-Za-z0-9]$", prev.text) and re.match(r"[A-Za-z0-9]", s.text) else ""
                )
                merged[-1] = Segment(
                    prev.text + sep + s.text,
                    prev.x0,
                    s.x1,
                    min(prev.top, s.top),
                    max(prev.bottom, s.bottom),
                    max(prev.size, s.size),
                )
            else:
                merged.append(s)
        r.segs = merged
    return rows


# ---------------------------------------------------------------------------- regions


def _regions(
    lines: list[Row], text_x0: float, text_x1: float, carried_cols: list[tuple[float, float]] | None = None
) -> list[list[Row]]:
    """Runs of table lines: multi-segment lines plus the short, non-heading lines between and
    around them. ``carried_cols``: the value columns of a borderless table the previous page ended
    with (its label lines at this page's top belong to it)."""
    width = max(1.0, text_x1 - text_x0)
    continuing = bool(carried_cols)
    value_left = carried_cols[0][0] if carried_cols else None

    def paragraph_like(r: Row) -> bool:
        s = r.segs[0]
        return len(r.segs) == 1 and (
            s.x1 - s.x0 >= 0.75 * width or _is_section_heading(s.text) and s.x0 <= text_x0 + _TOL
        )

    def tabular(r: Row) -> bool:  # cells apart by a column gap, or two numbers side by side
        gaps = [b.x0 - a.x1 for a, b in zip(r.segs, r.segs[1:])]
        return bool(gaps) and (
            max(gaps) >= 0.8 * r.size or sum(s.numeric for s in r.segs) >= 2 or r.segs[-1].numeric
        )

    multi = [i for i, r in enumerate(lines) if tabular(r)]
    out: list[list[Row]] = []
    i = 0
    while i < len(multi):
        start = end = multi[i]
        j = i + 1
        while j < len(multi) and not any(paragraph_like(lines[k]) for k in range(end + 1, multi[j])):
            end = multi[j]
            j += 1
        region = lines[start : end + 1]
        label_x0 = {round(s.x0) for r in region for s in r.segs if not s.numeric}
        x_lo = min(s.x0 for r in region for s in r.segs) - _TOL
        pitch = max(r.size for r in region) * 4

        def fits(r: Row, near: Row, label_x0=label_x0, x_lo=x_lo, pitch=pitch) -> bool:
            s = r.segs[0]
            return (
                len(r.segs) == 1
                and not paragraph_like(r)
                and not s.numeric
                and (s.x0 >= x_lo or L.core(s.text) in _TEMPLATE_CORES)
                and abs(r.top - near.top) <= pitch
                and (
                    any(abs(s.x0 - x) <= _TOL for x in label_x0)
                    or _CAPTION.search(s.text) is not None
                    or L.core(s.text) in _TEMPLATE_CORES  # a row label in a column not seen on this page
                    or (not out and value_left is not None and s.x1 <= value_left + _TOL)  # continued labels
                )
            )

        k = start - 1
        while k >= 0 and fits(lines[k], lines[k + 1]):
            region.insert(0, lines[k])
            k -= 1
        k = end + 1
        while k < len(lines) and fits(lines[k], lines[k - 1]):
            region.append(lines[k])
            k += 1
        n_tabular = sum(1 for r in region if tabular(r))
        captioned = any(_CAPTION.search(s.text) for r in region for s in r.segs)
        numeric = any(r.numeric for r in region)
        if (
            n_tabular >= 1
            # one row is a table when it continues the previous page's table (the page's first region)
            and (n_tabular >= 2 or captioned or (continuing and not out))
            and (numeric or captioned or continuing)  # a continued table may print a page of blank rows
            and _prints_template_label(region)
        ):
            out.append(region)
        i = j
    return out


# ---------------------------------------------------------------------------- wrapped cells


def _join_wrapped(region: list[Row]) -> list[Row]:
    """Wrapped label/header fragments appended to the segment above them; lines centred inside a
    multi-line row joined to it."""
    right: dict[int, float] = {}
    for r in region:
        for s in r.segs:
            k = round(s.x0 / _TOL)
            right[k] = max(right.get(k, 0.0), s.x1)

    def col_right(s: Segment) -> float:
        return max(right.get(round(s.x0 / _TOL) + d, 0.0) for d in (-1, 0, 1))

    rows: list[Row] = []
    for r in region:
        if not r.numeric and rows and _fragments_of(r, rows, col_right):
            continue
        rows.append(Row(list(r.segs)))
    joined: list[Row] = []
    for r in rows:
        host = next(
            (
                h
                for h in joined[-3:]
                if h.top - _TOL < r.segs[0].mid < h.bottom + _TOL
                and (h.bottom - h.top > 1.5 * h.size or r.bottom - r.top > 1.5 * r.size)
                and not any(min(a.x1, b.x1) - max(a.x0, b.x0) > 0 for a in r.segs for b in h.segs)
            ),
            None,
        )
        if host is not None:
            host.segs = sorted(host.segs + r.segs, key=lambda s: s.x0)
        else:
            joined.append(r)
    return joined


def _fragments_of(r: Row, rows: list[Row], col_right) -> bool:
    """Append every segment of ``r`` to the segment it continues, if each continues one."""
    hosts = []
    for s in r.segs:
        if ENUMERATED.match(s.text) or _CAPTION.search(s.text):
            return False
        host = None
        for prev in reversed(rows[-4:]):
            cand = next((p for p in prev.segs if abs(p.x0 - s.x0) <= _TOL and not p.numeric), None)
            if cand is None:
                continue
            vertical = len(s.text) <= 2 and len(cand.text.split("\n")[-1]) <= 2  # one character a line
            # the column ends where the next cell of its line starts (else at its widest text)
            right = min([col_right(cand)] + [p.x0 for p in prev.segs if p.x0 > cand.x1])
            if s.top - cand.bottom <= 0.9 * s.size and (vertical or cand.x1 >= right - 2 * s.size):
                host = cand
            break
        if host is None:
            return False
        hosts.append((host, s))
    for host, s in hosts:
        host.text += "\n" + s.text
        host.x1 = max(host.x1, s.x1)
        host.bottom = max(host.bottom, s.bottom)
    return True


# ---------------------------------------------------------------------------- columns


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return min(a1, b1) - max(a0, b0)


def _leaf_columns(header: list[Row], label_right: float | None) -> list[tuple[float, float]]:
    """Column x-ranges from the header: its leaf cells. A cell is a group when a narrower cell
    printed below it lies mostly under it (行政复议 over 结果维持 …), or when it spans two cells."""
    cands = [s for r in header for s in r.segs if label_right is None or s.x0 >= label_right - _TOL]

    def group(s: Segment) -> bool:
        below = [
            o
            for o in cands
            if o.top >= s.bottom - _TOL
            and o.x1 - o.x0 < s.x1 - s.x0 - _TOL
            and _overlap(s.x0, s.x1, o.x0, o.x1) > 0.5 * (o.x1 - o.x0)
        ]
        inside = [o for o in cands if o is not s and o.x0 >= s.x0 - _TOL and o.x1 <= s.x1 + _TOL]
        return bool(below) or len(inside) >= 2

    return _merge_intervals([(s.x0, s.x1) for s in cands if not group(s)])


def _merge_intervals(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for a, b in sorted(spans):
        if out and a < out[-1][1] - _TOL:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _label_right(data: list[Row]) -> float | None:
    ends = []
    for r in data:
        first_num = next((s.x0 for s in r.segs if s.numeric), None)
        ends += [s.x1 for s in r.segs if not s.numeric and (first_num is None or s.x1 <= first_num)]
    return max(ends) if ends else None


def _cells(r: Row, cols: list[tuple[float, float]], page: int) -> list[Cell]:
    def cell(s: Segment) -> Cell:
        return Cell(
            s.text, page=page, bbox=(round(s.x0, 2), round(s.top, 2), round(s.x1, 2), round(s.bottom, 2))
        )

    if not cols:
        return [cell(s) for s in r.segs]
    placed: dict[int, Segment] = {}
    labels: list[Segment] = []
    extra: list[Segment] = []  # a second value in an occupied column: kept, so the mapper sees it
    for s in r.segs:
        best = max(range(len(cols)), key=lambda i: _overlap(s.x0, s.x1, *cols[i]))
        if _overlap(s.x0, s.x1, *cols[best]) <= 0 or (not s.numeric and s.x1 <= cols[0][0] + _TOL):
            labels.append(s)
        elif best in placed:
            extra.append(s)
        else:
            placed[best] = s
    out = [cell(s) for s in labels]
    out += [cell(placed[i]) if i in placed else Cell("", page=page) for i in range(len(cols))]
    out += [cell(s) for s in extra]
    return out


def is_template_label(text: str) -> bool:
    """A whole printed label of the report tables (so never the tail of another one)."""
    return L.core(text) in _TEMPLATE_CORES


def is_caption(text: str) -> bool:
    """A table 二 caption row (第二十条第（一）项)."""
    return _CAPTION.search(text) is not None


def _fits(cols: list[tuple[float, float]], spans: list[tuple[float, float]]) -> bool:
    return all(any(_overlap(a, b, *c) > 0 for c in cols) for a, b in spans)


def _table(region: list[Row], page: int, carried: dict) -> list[list[Cell]]:
    """Rows of cells of one region. ``carried`` holds the last header's columns, for a table that
    continues on the next page without its header (its blank columns are known only from there)."""
    rows = _join_wrapped(region)
    out: list[list[Cell]] = []
    i = 0
    while i < len(rows):
        if _CAPTION.search(rows[i].segs[0].text):
            out.append(_cells(rows[i], [], page))
            i += 1
            continue
        # a group: header rows (no values), then the value rows and blank-valued label rows under them
        pre: list[Row] = []
        while i < len(rows) and not rows[i].numeric and not _CAPTION.search(rows[i].segs[0].text):
            pre.append(rows[i])
            i += 1
        data: list[Row] = []
        while i < len(rows) and not _CAPTION.search(rows[i].segs[0].text):
            if not rows[i].numeric and data and len(rows[i].segs) >= 2 and not _is_label_row(rows[i], data):
                break  # the next group's header
            data.append(rows[i])
            i += 1
        # header rows end with the last one printing in the value columns; label rows after it are
        # rows whose values are all blank
        nums = [(s.x0, s.x1) for r in data for s in r.segs if s.numeric]
        value_left = min((a for a, _ in nums), default=None)
        if value_left is None and carried.get("cols"):  # a page of blank rows: the columns carried over
            value_left = carried["cols"][0][0]
        if value_left is None:
            value_left = min((s.x0 for r in pre for s in r.segs[1:]), default=None)
        k = max(
            (j for j, r in enumerate(pre) if value_left is not None and r.segs[-1].x1 > value_left + _TOL),
            default=len(pre) - 1 if value_left is None else -1,
        )
        # … and never past the first row that prints a row label (一、… / （三）… / 规章): a blank row
        first_row = next((j for j, r in enumerate(pre) if any(_is_row_label(s.text) for s in r.segs)), None)
        if first_row is not None:
            k = min(k, first_row - 1)
        header, data = pre[: k + 1], pre[k + 1 :] + data
        label_right = _label_right([r for r in data if r.numeric])
        cols = _leaf_columns(header, label_right) if header else []
        if cols:
            carried["cols"] = cols
        elif carried.get("cols") and _fits(carried["cols"], nums):
            cols = carried["cols"]
        if not cols or not _fits(cols, nums):
            cols = _merge_intervals(cols + nums)
        out += [_cells(r, [], page) for r in header]
        out += [_cells(r, cols, page) for r in data]
    return out


def _is_label_row(r: Row, data: list[Row]) -> bool:
    """A row without values that prints only labels in the label column(s) of the rows above."""
    label_x = {round(s.x0 / _TOL) for d in data for s in d.segs if not s.numeric}
    return all(any(abs(round(s.x0 / _TOL) - x) <= 1 for x in label_x) for s in r.segs)


def geometry_tables(page, page_no: int, carried: dict | None = None) -> list[GeoTable]:
    """Borderless tables of one pdfplumber page (already stripped of ruled/tagged tables).
    ``carried``: the same dict for every page of a document (columns carried over page breaks)."""
    carried = {} if carried is None else carried
    words = page.extract_words(x_tolerance=1.5, y_tolerance=2, keep_blank_chars=False)
    if len(words) < 4:
        return []
    lines = _lines(words)
    x0 = min(s.x0 for r in lines for s in r.segs)
    x1 = max(s.x1 for r in lines for s in r.segs)
    out = []
    for region in _regions(lines, x0, x1, carried.get("cols")):
        rows = _table(region, page_no, carried)
        segs = [s for r in region for s in r.segs]
        bbox = (
            min(s.x0 for s in segs),
            min(s.top for s in segs),
            max(s.x1 for s in segs),
            max(s.bottom for s in segs),
        )
        out.append(GeoTable(page_no, bbox[1], bbox[3], bbox, [r for r in rows if r]))
    return out
