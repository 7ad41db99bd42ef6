"""The one mapper: ``Document`` (from any reader) → ``ParsedReport``.

Tables are read as one stream of rows of *printed cells*, whatever table or page they sit in
(PDF tables split across pages, text exports that merge tables): a caption, header or label
decides which template table a row belongs to, and a row's values are the cells after its
last label, read in printed order (never by grid column: real tables have inconsistent spans).
Labels are matched to ``ogi.templates`` after normalisation (``ogi.parse.labels``).

Metadata (title, statistics year, organ, publication date, narrative sections, the section-六 fee
figures) comes from the document text and page meta through ``ogi.parse.metadata``. Nothing is
imputed: blanks stay None with provenance ``read_as``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from ogi import templates as T
from ogi.model import (
    READ_BLANK,
    READ_TEXT,
    CellSource,
    ParsedReport,
    ParseError,
    ParseStatus,
    Report,
)
from ogi.parse import labels as L
from ogi.parse import metadata as M
from ogi.parse.detect import canonical_version, detect_version, t2_version_votes
from ogi.parse.grid import Cell, Document

# ---------------------------------------------------------------------------- label tables from templates

_T3_ROW_LABELS: dict[str, tuple[str, ...]] = {r.key: (r.label, *r.aliases) for r in T.T3_ROWS}
_T3_GROUP_LABELS: dict[str, tuple[str, ...]] = {k: (v,) for k, v in T.T3_GROUP_LABELS.items()}
#: header words that never label a data row (其他/总计 do: "3.其他", "（七）总计")
_T3_HEADER_CORES = frozenset(
    L.core(x)
    for x in (*T.T3_HEADER_LABELS, *(c.label for c in T.T3_COLUMNS if c.key not in ("other_org", "total")))
)
_T4_HEADER_CORES = frozenset(L.core(x) for g in T.T4_GROUPS for x in (g.label, g.parent or g.label))
_T4_LABEL_CORES = _T4_HEADER_CORES | {L.core(label) for _, label in T.T4_OUTCOMES}
_T3_ORDER: tuple[str, ...] = T.T3_ROW_KEYS
#: leaf column headers of table 三 (and an invented 小计 column, to be skipped) by normalised label
_T3_COL_BY_CORE = {L.core(c.label): c.key for c in T.T3_COLUMNS} | dict.fromkeys(
    T.T3_SUBTOTAL_COL_LABELS, "_subtotal"
)
_OTHER_SUBROWS = T.T3_OTHER_ROWS[T.V2021]
_T3_COMMERCIAL_CORE = L.core(next(c.label for c in T.T3_COLUMNS if c.key == "commercial_enterprise"))


def _t2_tables() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[tuple[str, ...], str]]]:
    rows: dict[str, tuple[str, ...]] = {}
    cols: dict[str, tuple[tuple[str, ...], str]] = {}
    for subs in T.T2_SUBTABLES.values():
        for st in subs:
            for r in st.rows:
                rows[r.key] = tuple(dict.fromkeys((*rows.get(r.key, ()), r.label, *r.aliases)))
            for c in st.columns:
                prev = cols.get(c.key, ((), c.kind))[0]
                cols[c.key] = (tuple(dict.fromkeys((*prev, c.label, *c.aliases))), c.kind)
    return rows, cols


_T2_ROW_LABELS, _T2_COLS = _t2_tables()
_T2_COL_LABELS = {k: v[0] for k, v in _T2_COLS.items()}
_CAPTION = T.T2_CAPTION_PATTERN
_SKIP_ROW_CORES = frozenset(T.T3_SUBTOTAL_ROW_LABELS)


@dataclass
class _Val:
    ti: int
    ri: int
    ci: int
    cell: Cell
    reading: L.Reading


def _split(row: list[Cell]) -> tuple[list[tuple[int, Cell]], list[tuple[int, Cell, L.Reading]]]:
    """(label cells, value cells) of a printed row: values are the cells after the last label
    that precedes the first number; blank label positions are dropped."""
    readings = [L.read_number(c.text) for c in row]
    first_num = next(
        (i for i, r in enumerate(readings) if r.read_as not in (READ_TEXT, READ_BLANK)), len(row)
    )
    last_label = max((i for i in range(first_num) if readings[i].read_as == READ_TEXT), default=-1)
    if first_num == len(row) and last_label == -1:
        return [], []  # an empty row
    labels = [(i, row[i]) for i in range(last_label + 1) if row[i].text.strip()]
    values = [(i, row[i], readings[i]) for i in range(last_label + 1, len(row))]
    return labels, values


def _display_label(text: str) -> str:
    """A printed label without whitespace and without its trailing local note in parentheses."""
    s = re.sub(r"\s+", "", text)
    cut = min((i for i in (s.find("("), s.find("（")) if i > 0), default=-1)
    return s[:cut] if cut > 0 else s


def _local_row_key(text: str) -> str:
    c = L.core(text)
    for label, key in T.T2_LOCAL_ROWS.items():
        if L.match_score(c, L.core(label)) >= 2:
            return key
    return "local_" + hashlib.sha1(c.encode()).hexdigest()[:8]


# ---------------------------------------------------------------------------- tables


class _TableReader:
    """Consumes rows of printed cells and fills tables 二, 三, 四 with provenance."""

    def __init__(self, doc: Document, version_hint: str):
        self.doc = doc
        self.hint = version_hint
        self.ctx: str | None = None  # t2 | t3 | t4
        self.t2: dict[str, dict[str, Any]] = {}
        self.t2_item: str | None = None
        self.t2_cols: list[tuple[str | None, str, str | None]] | None = None
        self.t2_headers: list[str] = []
        self.t3: dict[str, dict[str, int | None]] = {}
        self.t3_headers: list[str] = []
        self.t3_col_x: dict[str, tuple[float, float]] = {}  # column key -> header x-range (PDF)
        self.t3_last: str | None = None
        self.t3_results_rowspan: int | None = None
        self.t3_pending: list[tuple[str, str, list[_Val]]] = []  # (position key, label, values)
        self.t4: list[_Val] = []
        self.prov: dict[T.CellRef, CellSource] = {}
        self.warnings: list[str] = []
        # completeness guard: every number printed in a report table, and those a named rule ignores
        self.printed: dict[tuple[int, int, int], tuple[str, _Val]] = {}
        self.ignored: dict[tuple[int, int, int], str] = {}
        self.implausible: list[str] = []  # cells beyond the plausibility bounds (stored as null)
        from ogi.parse.limits import current

        self.limits = current()

    # -- provenance and values

    def _source(self, v: _Val) -> CellSource:
        return CellSource(
            raw=v.cell.text,
            read_as=v.reading.read_as,
            table_index=v.ti,
            row=v.ri,
            col=v.ci,
            page=v.cell.page,
            bbox=v.cell.bbox,
            unit=v.reading.unit,
        )

    def _count(self, ref: T.CellRef, v: _Val | None, *, signed: bool = False) -> int | None:
        if v is None:
            return None
        self.prov[ref] = self._source(v)
        x = v.reading.value
        if v.reading.read_as == READ_TEXT:
            self.warnings.append(f"{ref}: cell text {v.cell.text.strip()!r} is not a number; stored as null")
            return None
        if isinstance(x, float):
            if not x.is_integer():
                self.warnings.append(
                    f"{ref}: count {v.cell.text.strip()!r} is not a whole number; stored as null"
                )
                return None
            x = int(x)
        if x is not None and x < 0 and not signed:
            self.warnings.append(f"{ref}: negative count {x} as printed")
        bound = self.limits.max_count
        if x is not None and abs(x) >= bound:
            self.implausible.append(str(ref))
            self.warnings.append(
                f"{ref}: count {v.cell.text.strip()!r} is not plausible (OGI_PARSE_MAX_COUNT {bound:,}); "
                "stored as null, the printed text kept"
            )
            return None
        return x

    # -- the row stream

    def feed(self, ti: int, ri: int, row: list[Cell]) -> None:
        row = [c for i, c in enumerate(row) if i == 0 or c is not row[i - 1]]  # a merged cell listed twice
        labels, values = _split(row)
        if not labels and not values:
            return
        self._feed(ti, ri, labels, values)
        if self.ctx in ("t2", "t3", "t4"):  # numbers printed in a report table, for the guard
            label = _display_label(labels[-1][1].text) if labels else ""
            for ci, c, r in values:
                if r.value is not None:
                    self.printed[(ti, ri, ci)] = (label, _Val(ti, ri, ci, c, r))

    def _ignore(self, vals: list[_Val], rule: str) -> None:
        for v in vals:
            self.ignored[(v.ti, v.ri, v.ci)] = rule

    def completeness(self) -> dict[str, Any]:
        """Printed numbers vs mapped cells: each printed number must be read into exactly one cell
        or be ignored by a named rule (subtotal rows/columns the template does not have)."""
        used: dict[tuple[int, int, int], list[str]] = {}
        for ref, src in self.prov.items():
            if src.table_index is not None:
                used.setdefault((src.table_index, src.row, src.col), []).append(str(ref))

        def where(pos: tuple[int, int, int]) -> str:
            label, v = self.printed[pos]
            page = f", page {v.cell.page}" if v.cell.page else ""
            row = f" {label!r}" if label else ""
            return f"{v.cell.text.strip()!r} (table {pos[0] + 1}, row {pos[1] + 1}{row}, cell {pos[2] + 1}{page})"

        unaccounted = [p for p in self.printed if p not in used and p not in self.ignored]
        double = [p for p, refs in used.items() if len(refs) > 1]
        return {
            "printed": len(self.printed),
            "mapped": sum(1 for p in self.printed if p in used),
            "ignored": {where(p): rule for p, rule in self.ignored.items() if p in self.printed},
            "unaccounted": [where(p) for p in unaccounted],
            "double": [f"{where(p)} read as {', '.join(used[p])}" for p in double if p in self.printed],
        }

    def _feed(self, ti: int, ri: int, labels: list, values: list) -> None:
        norms = [L.norm(c.text) for _, c in labels]
        cores = [L.core(c.text) for _, c in labels]
        for n in norms:
            m = _CAPTION.search(n) if len(n) <= 40 else None
            if m:
                self.ctx, self.t2_item, self.t2_cols = "t2", m.group(1), None
                return
        header_cells = [(i, c) for i, c in labels[1:]] + [(i, c) for i, c, _ in values]
        if cores and cores[0] == L.core(T.T2_HEADER_FIRST_CELL):
            self.ctx = "t2"
            self._t2_header(header_cells)
            return
        if (
            self.ctx == "t2"
            and not values
            and any(L.best_match(c.text, _T2_COL_LABELS) for _, c in header_cells)
        ):
            self._t2_header(header_cells)  # a header row whose first cell is not "信息内容"
            return
        if all(r.read_as == READ_BLANK for _, _, r in values):  # a header row, or a row of blanks
            if any(c in _T3_HEADER_CORES or T.T3_NOTE_MARKER in n for c, n in zip(cores, norms)):
                self.ctx = "t3"
                self.t3_headers.extend(norms)
                for (_, c), core in zip(labels, cores):
                    key = _T3_COL_BY_CORE.get(core)
                    if key and c.bbox and key not in self.t3_col_x:
                        self.t3_col_x[key] = (c.bbox[0], c.bbox[2])
                return
            if any(h in c for c in cores if len(c) <= 40 for h in _T4_HEADER_CORES) or (
                self.ctx == "t4" and all(c in _T4_LABEL_CORES for c in cores)
            ):
                self.ctx = "t4"
                return
            if not values:
                return
        vals = self._vals(ti, ri, values)
        last = labels[-1][1].text if labels else ""
        if not labels and len(values) >= len(T.T4_KEYS) and not self.t4:  # only table 四 has that many values
            self.ctx = "t4"
        if self.ctx == "t4" and (not labels or L.best_match(last, _T3_ROW_LABELS) is None):
            self._t4_row(vals)
            return
        if labels and self.ctx != "t3":
            if L.best_match(labels[0][1].text, _T2_ROW_LABELS) and self.ctx in ("t2", None):
                self.ctx = "t2"
            elif L.best_match(last, _T3_ROW_LABELS) or L.best_match(last, _T3_GROUP_LABELS):
                self.ctx = "t3"
        if self.ctx == "t2" and labels:
            self._t2_row(labels, vals)
        elif self.ctx == "t3":
            self._t3_row(labels, vals)

    @staticmethod
    def _vals(ti: int, ri: int, values: list[tuple[int, Cell, L.Reading]]) -> list[_Val]:
        return [_Val(ti, ri, ci, c, r) for ci, c, r in values]

    # -- table 二

    def _t2_header(self, cells: list[tuple[int, Cell]]) -> None:
        cols: list[tuple[str | None, str, str | None]] = []
        for _, c in cells:
            n = L.norm(c.text)
            self.t2_headers.append(c.text)
            key = L.best_match(c.text, _T2_COL_LABELS) if n else None
            kind = _T2_COLS[key][1] if key else T.COUNT
            unit = "万元" if "万元" in n else ("元" if re.search(r"单位:元|\(元\)", n) else None)
            cols.append((key, kind, unit))
        while cols and cols[-1][0] is None:
            cols.pop()
        self.t2_cols = cols or None

    def _t2_default_cols(self, row_key: str | None) -> list[tuple[str | None, str, str | None]]:
        for st in T.T2_SUBTABLES[self.hint]:
            if st.item == self.t2_item or (self.t2_item is None and row_key in {r.key for r in st.rows}):
                return [(c.key, c.kind, None) for c in st.columns]
        return []

    def _t2_row(self, labels: list[tuple[int, Cell]], vals: list[_Val]) -> None:
        text = labels[0][1].text
        key = L.best_match(text, _T2_ROW_LABELS)
        row: dict[str, Any] = {}
        if key is None:
            key = _local_row_key(text)
            row[T.LOCAL_ROW_LABEL] = _display_label(text)
            self.warnings.append(f"table 二: local row {row[T.LOCAL_ROW_LABEL]!r} kept as {key}")
        if key in self.t2:
            self.warnings.append(f"table 二: row {key} printed twice; the first is kept")
            return
        cols = self.t2_cols or self._t2_default_cols(key)
        for i, v in enumerate(vals):
            col = cols[i] if i < len(cols) else None
            if col is None or col[0] is None:
                if v.reading.read_as != READ_BLANK:
                    self.warnings.append(
                        f"table 二: value {v.cell.text.strip()!r} of row {key} has no column header"
                    )
                continue
            ck, kind, unit_hint = col
            ref = T.CellRef(2, key, ck)
            if kind in (T.COUNT, T.SIGNED):
                row[ck] = self._count(ref, v, signed=kind == T.SIGNED)
            else:
                row.update(self._money(ref, v, kind, unit_hint))
        for ck, kind, _ in cols:
            if ck and ck not in row:
                row[ck] = None
                if kind == T.MONEY:
                    row[ck + T.UNIT_SUFFIX] = None
        self.t2[key] = row

    def _money(self, ref: T.CellRef, v: _Val, kind: str, unit_hint: str | None) -> dict[str, Any]:
        self.prov[ref] = self._source(v)
        x = v.reading.value
        if v.reading.read_as == READ_TEXT:
            self.warnings.append(f"{ref}: cell text {v.cell.text.strip()!r} is not an amount; stored as null")
        unit = v.reading.unit if v.reading.unit in ("元", "万元") else unit_hint
        yuan = (
            None
            if x is None
            else x * (10_000 if (kind == T.MONEY_WAN and unit != "元") or unit == "万元" else 1)
        )
        if yuan is not None and abs(yuan) > self.limits.max_amount_yuan:
            self.implausible.append(str(ref))
            self.warnings.append(
                f"{ref}: amount {v.cell.text.strip()!r} is not plausible "
                f"(OGI_PARSE_MAX_AMOUNT_YUAN {self.limits.max_amount_yuan:,.0f} 元); stored as null, the printed text kept"
            )
            x = None
        if kind == T.MONEY_WAN:
            if x is not None and unit == "元":
                x = round(x / 10000, 6)
                self.warnings.append(f"{ref}: amount printed in 元 under a 万元 header; converted to 万元")
            return {ref.col: x}
        return {ref.col: x, ref.col + T.UNIT_SUFFIX: unit}

    # -- table 三

    def _t3_row(self, labels: list[tuple[int, Cell]], vals: list[_Val]) -> None:
        for _, c in labels:
            if L.core(c.text) == L.core(T.T3_GROUP_LABELS["results"]) and c.rowspan > 1:
                self.t3_results_rowspan = self.t3_results_rowspan or c.rowspan
        last = labels[-1][1].text if labels else ""
        key = L.best_match(last, _T3_ROW_LABELS) if labels else None
        group = L.best_match(last, _T3_GROUP_LABELS) if labels and key is None else None
        if key is None and (group or L.core(last) in _SKIP_ROW_CORES):
            self.warnings.append(
                f"table 三: subtotal row {_display_label(last)!r} is not in the template; ignored"
            )
            self._ignore(vals, "subtotal row not in the template")
            return
        while not labels and len(vals) > len(T.T3_COL_KEYS) and vals[0].reading.read_as == READ_BLANK:
            vals = vals[1:]  # the blank label cell of a row whose label was lost
        if key is None:
            # an unlabelled (or unreadable) row takes the next template row, unless a later row claims it
            pending = self._next_key()
            if pending is None:
                if labels:
                    self.warnings.append(f"table 三: row {_display_label(last)!r} not recognised; ignored")
                return
            self.t3_pending.append((pending, _display_label(last) if labels else "", vals))
            self.t3_last = pending
            return
        if key in self.t3:
            self.warnings.append(f"table 三: row {key} printed twice; the first is kept")
            return
        self.t3_last = key
        self._store_t3(key, vals)

    def _store_t3(self, key: str, vals: list[_Val]) -> None:
        cols = self._t3_columns(key, vals)
        self.t3[key] = {ck: self._count(T.CellRef(3, key, ck), v) for ck, v in cols.items()}

    def _next_key(self) -> str | None:
        shape = T.T3_VERSION_BY_RESULTS_ROWSPAN.get(self.t3_results_rowspan or 0, self.hint)
        order = [r.key for r in T.t3_rows_for(shape)]
        if self.t3_last is None:
            return order[0]
        if self.t3_last in order:
            i = order.index(self.t3_last) + 1
            return order[i] if i < len(order) else None
        return None

    def _t3_by_geometry(self, vals: list[_Val]) -> dict[str, _Val | None] | None:
        """Values placed under the header column they overlap most (PDF cells have boxes): readers
        may drop empty cells, so counting cells would shift values. None when geometry cannot say."""
        if any(k not in self.t3_col_x for k in T.T3_COL_KEYS) or any(
            v.cell.bbox is None for v in vals if v.reading.read_as != READ_BLANK
        ):
            return None
        out: dict[str, _Val | None] = dict.fromkeys(T.T3_COL_KEYS)
        for v in vals:
            if v.cell.bbox is None:
                continue
            x0, x1 = v.cell.bbox[0], v.cell.bbox[2]
            overlap = {k: min(x1, b) - max(x0, a) for k, (a, b) in self.t3_col_x.items()}
            col = max(overlap, key=lambda k: overlap[k])
            if overlap[col] <= 0.3 * max(1.0, min(x1 - x0, self.t3_col_x[col][1] - self.t3_col_x[col][0])):
                if v.reading.read_as == READ_BLANK:
                    continue
                return None
            if col == "_subtotal":
                self._ignore([v], "subtotal column not in the template")
                continue
            if out[col] is not None and out[col].reading.read_as != READ_BLANK:
                return None  # two values under one header: let the printed order decide
            out[col] = v
        return out

    def _t3_columns(self, key: str, vals: list[_Val]) -> dict[str, _Val | None]:
        geo = self._t3_by_geometry(vals)
        if geo is not None:
            return geo
        n, width = len(vals), len(T.T3_COL_KEYS)
        has_subtotal_col = any(T.SUBTOTAL_WORD in h for h in self.t3_headers)
        while len(vals) > width + has_subtotal_col and vals[-1].reading.read_as == READ_BLANK:
            vals = vals[:-1]  # trailing empty cells (flattened exports end rows with empty pipes)
        while not has_subtotal_col and len(vals) > width and vals[0].reading.read_as == READ_BLANK:
            vals = vals[1:]  # a blank cell right after the label belongs to the label (split merged cell)
        if len(vals) > width:
            sub = self._subtotal_index(vals, has_subtotal_col)
            if len(vals) == width + 1 and sub is not None:
                self._ignore([vals[sub]], "subtotal column not in the template")
                vals = vals[:sub] + vals[sub + 1 :]
            else:
                self.warnings.append(
                    f"table 三: row {key} prints {n} value cells; the first {width} are read"
                )
            vals = vals[:width]
        elif n < width and self.doc.format != "text":
            self.warnings.append(
                f"table 三: row {key} prints {n} of {width} value cells; the missing ones are null"
            )
        return {ck: (vals[i] if i < len(vals) else None) for i, ck in enumerate(T.T3_COL_KEYS)}

    def _subtotal_index(self, vals: list[_Val], by_header: bool) -> int | None:
        """Position of an invented 法人或其他组织小计 column among 8 values: from the header, else from
        arithmetic on a fully printed, non-zero row."""
        if by_header:
            heads = self.t3_headers
            sub = next(i for i, h in enumerate(heads) if T.SUBTOTAL_WORD in h)
            com = next((i for i, h in enumerate(heads) if L.core(h) == _T3_COMMERCIAL_CORE), None)
            return 1 if com is not None and sub < com else 6
        if any(v.reading.value is None for v in vals):
            return None
        x = [v.reading.value for v in vals]
        if not any(x):
            return None
        if x[6] == sum(x[1:6]) and x[7] == x[0] + x[6]:
            return 6
        if x[1] == sum(x[2:7]) and x[7] == x[0] + x[1]:
            return 1
        return None

    # -- table 四

    def _t4_row(self, vals: list[_Val]) -> None:
        for v in vals:
            if len(self.t4) >= len(T.T4_KEYS):
                if v.reading.read_as != READ_BLANK:
                    self.warnings.append(f"table 四: extra value {v.cell.text.strip()!r} ignored")
                continue
            self.t4.append(v)

    # -- result

    def table4(self) -> dict[str, int | None]:
        if self.t4 and len(self.t4) < len(T.T4_KEYS):
            self.warnings.append(
                f"table 四: only {len(self.t4)} of {len(T.T4_KEYS)} values found; the rest are null"
            )
        vals = self.t4 + [None] * (len(T.T4_KEYS) - len(self.t4))
        return {k: self._count(T.CellRef(4, k), v) for k, v in zip(T.T4_KEYS, vals)} if self.t4 else {}

    def table3(self) -> dict[str, dict[str, int | None]]:
        for key, label, vals in self.t3_pending:
            if key in self.t3:
                if label:
                    self.warnings.append(f"table 三: row {label!r} is not in the template; ignored")
                continue
            if label:
                self.warnings.append(f"table 三: row {label!r} not recognised; read as {key} by position")
            self._store_t3(key, vals)
        (v2019_other,) = T.T3_OTHER_ROWS[T.V2019]
        if v2019_other in self.t3 and any(k in self.t3 for k in _OTHER_SUBROWS):
            del self.t3[v2019_other]
            for ck in T.T3_COL_KEYS:
                src = self.prov.pop(T.CellRef(3, v2019_other, ck), None)
                if src is not None and src.table_index is not None:
                    self.ignored[(src.table_index, src.row, src.col)] = "subtotal row above its sub-rows"
            self.warnings.append(
                "table 三: （六）其他处理 carries values above its sub-rows (a subtotal); ignored"
            )
        return {k: self.t3[k] for k in _T3_ORDER if k in self.t3}

    def t3_shape(self) -> str | None:
        return T.t3_shape(self.t3, results_rowspan=self.t3_results_rowspan)


# ---------------------------------------------------------------------------- entry point


_T3_ROW_CORES = tuple(dict.fromkeys(L.core(r.label) for r in T.T3_ROWS))


def _raise_table3_missing(doc: Document) -> None:
    """The precise diagnosis when table 三 was not read: its labels and numbers are in the text but
    form no recognisable table; or the text lacks them and the document has images (needs OCR); or
    it is simply not there."""
    text = L.core(doc.text)
    seen = [c for c in _T3_ROW_CORES if c in text]
    if len(seen) >= 3 and re.search(r"\d", doc.text):
        raise ParseError(
            "table3_unreadable",
            f"Table 三's row labels ({len(seen)} of {len(_T3_ROW_CORES)}) and numbers are in the text, but they "
            "form no table that could be read (no ruling lines, no tagged table, no aligned columns).",
        )
    if doc.meta.get("images"):
        raise ParseError(
            "needs_ocr",
            "Table 三 is not in the text layer and the document carries images; the tables need OCR.",
        )
    raise ParseError("table3_not_found", "Table 三 (applications received and handled) was not found.")


def map_document(doc: Document, *, url: str | None = None) -> ParsedReport:
    """Map any reader's Document onto the canonical report (raises ParseError for unusable input)."""
    warnings: list[str] = []
    lines = [ln for ln in doc.text.split("\n") if ln.strip()]
    preamble, sections = M.split_sections(lines, rewrap=doc.format == "pdf")
    title = M.find_title(doc, preamble[:8] or lines[:5])
    url = url or doc.meta.get("url")
    is_report = M.looks_like_report(doc.text + (title or ""), sections)
    if not is_report and not any(t.rows for t in doc.tables):
        raise ParseError("not_a_report", M.NOT_A_REPORT)
    try:
        year = M.find_year(doc.text, title, url, warnings)
    except ParseError:
        if not is_report:
            raise ParseError("not_a_report", M.NOT_A_REPORT) from None
        raise
    if year < 2019:
        raise ParseError(
            "not_a_report",
            f"The report is for {year}; pre-2019 reports use the old format, which is out of scope.",
        )
    expected = T.expected_version(year)
    reader = _TableReader(doc, expected or T.V2021)
    for t in doc.tables:
        for ri, row in enumerate(t.rows):
            reader.feed(t.index, ri, row)
    table3 = reader.table3()
    table4 = reader.table4()
    if not table3:
        if not is_report:
            raise ParseError("not_a_report", M.NOT_A_REPORT)
        if not M.says_none(sections.get("applications")):
            _raise_table3_missing(doc)
        warnings.append("table 三 not printed: section 三 says there is nothing to report")
    votes = t2_version_votes(reader.t2_headers)
    shape = reader.t3_shape()
    detected = detect_version(votes, shape, expected)
    version = canonical_version(votes, shape, expected)
    if reader.t2 and shape and shape != version:
        warnings.append(
            f"mixed template: table 二 is {version} but table 三 has the {shape} （六）其他处理 shape"
        )
    if expected and detected != expected:
        warnings.append(f"template {detected} detected; a {year} report is expected to use {expected}")
    if not reader.t2:
        why = (
            " (section 二 says there is nothing to report)" if M.says_none(sections.get("proactive")) else ""
        )
        warnings.append(f"table 二 not found{why}")
    if not table4:
        warnings.append("table 四 not found")
    expected_rows = {r.key for r in T.t3_rows_for(detected)}
    missing = [k for k in _T3_ORDER if k in expected_rows and k not in table3]
    if table3 and missing:
        warnings.append("table 三 lacks rows: " + ", ".join(missing))
    warnings = reader.warnings + warnings
    organ = M.find_organ(title, doc.text, lines, doc.meta, warnings)
    report = Report(
        template_version=version,
        year=year,
        organ=organ,
        table3=table3,
        table4=table4,
        table2=reader.t2 or None,
        title=title,
        published_on=M.find_published_on(doc, lines),
    )
    completeness = reader.completeness()
    lost = completeness["unaccounted"] + completeness["double"]
    if lost:
        warnings.append(
            f"parse completeness: {len(lost)} of {completeness['printed']} printed table numbers are not read "
            "into exactly one cell: " + "; ".join(lost[:12]) + (" …" if len(lost) > 12 else "")
        )
    partial = (
        not reader.t2
        or not table4
        or not table3
        or bool(missing)
        or 0 < len(reader.t4) < len(T.T4_KEYS)
        or bool(lost)
        or bool(reader.implausible)
    )
    return ParsedReport(
        report=report,
        source_format=doc.format,
        template_version_detected=detected,
        template_version_expected=expected,
        provenance=reader.prov,
        warnings=warnings,
        sections=sections,
        tables_present={2: bool(reader.t2), 3: bool(table3), 4: bool(table4)},
        extras=M.fee_extras(sections.get("other_matters", "")),
        status=ParseStatus.PARTIAL if partial else ParseStatus.PARSED,
        completeness=completeness,
    )
