"""The printed layout of one report, shared by every renderer: paragraphs and span-carrying tables.

A ``Page`` is what the organ typed into its word processor or CMS: title, preamble, six section
headings with narrative, and tables 二/三/四 laid out as the statutory template does (caption rows,
"信息内容" headers, the 3×3 note cell, rowspan 20/22 "三、本年度办理结果", the 15-column table 四
header). Renderers only decide how those cells look (HTML, PDF, DOCX, flattened text). Options
model real deviations: blank zeros, v2019 labels in a v2021 report, local annotation rows,
a missing table 二, wording variants. Labels come from ``ogi.templates``; "\\n" inside a cell
text marks where the printed label breaks (``<br>``, a new paragraph, a space when flattened).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ogi import templates as T
from ogi.model import Report

#: a local table 二 row (Hubei template, see templates.T2_LOCAL_ROWS) with its fill-in note
LOCAL_ROW_LABEL = next(iter(T.T2_LOCAL_ROWS))
LOCAL_ROW_NOTE = "（含以本单位或本单位办公室名义正式签发的、除规范性文件以外的主动公开文件）"
#: local fill-in notes appended to table 二 labels (REPORT_FORMAT.md §5.3)
LOCAL_NOTES: dict[str, str] = {
    "规章": "（设区的市、自治州人民政府应提供相关数据）",
    "上一年项目数量": "（指上一年事项数）",
    "本年增/减": "（指本年增加或减少的事项数，减用负值表示，如-8）",
    "处理决定数量": "（指本年办件量）",
}


@dataclass
class LCell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False


@dataclass
class LTable:
    key: int  # 2, 3, 4
    rows: list[list[LCell]]
    ncols: int


@dataclass
class Options:
    """How the organ filled in the template (defects.py sets these)."""

    blank_zero: bool = False  # zeros left blank (&nbsp;)
    v2019_labels: bool = False  # a v2021-era report keeping v2019 wording / the single （六） row
    local_rows: bool = False  # local annotation row + fill-in notes in labels
    money_units: bool = False  # money printed with its unit ("251000元")
    break_labels: bool = True  # long header words broken over two lines
    image_tables: bool = False  # tables published as images (no text)


@dataclass
class Page:
    title: str
    organ: str
    published_on: str | None
    preamble: str
    blocks: list  # str (heading "一、…" or paragraph) | LTable


def _num(v, opts: Options, unit: str | None = None) -> str:
    if v is None:
        return ""
    if v == 0 and opts.blank_zero:
        return ""
    if isinstance(v, float):
        s = f"{v:.6f}".rstrip("0").rstrip(".")
    else:
        s = str(v)
    return s + (unit or "")


def _brk(label: str, opts: Options) -> str:
    """Break a long header word in two, as narrow template columns do (本年新<br>制作数量)."""
    if not opts.break_labels or len(label) < 5 or "（" in label:
        return label
    cut = 3 if label.startswith("本年") else len(label) // 2
    return label[:cut] + "\n" + label[cut:]


#: v2019 wording of table 二 rows/columns that v2021 kept under another label (mixed-version reports)
_V2019_WORDING: dict[tuple[str, str], str] = {
    **{("row", r.key): r.label for st in T.T2_SUBTABLES[T.V2019] for r in st.rows},
    **{("col", c.key): c.label for st in T.T2_SUBTABLES[T.V2019] for c in st.columns},
}


def _printed(label: str, key: tuple[str, str], opts: Options) -> str:
    """The label as this organ prints it: v2019 wording kept, local fill-in notes appended."""
    if opts.v2019_labels:
        label = _V2019_WORDING.get(key, label)
    return label + LOCAL_NOTES[label] if opts.local_rows and label in LOCAL_NOTES else label


def _t2_table(report: Report, opts: Options) -> LTable:
    version = report.template_version
    t2 = report.table2 or {}
    rows: list[list[LCell]] = []
    ncols = 4
    for st in T.T2_SUBTABLES[version]:
        rows.append([LCell(st.caption, colspan=ncols, header=True)])
        cols = list(st.columns)
        header = [LCell(T.T2_HEADER_FIRST_CELL, header=True)]
        for c in cols:
            label = _printed(c.label, ("col", c.key), opts)
            header.append(LCell(_brk(label, opts), header=True, colspan=3 if len(cols) == 1 else 1))
        if len(cols) == 2:
            header.append(LCell("", header=True))
        rows.append(header)
        printed_rows = list(st.rows)
        for r in printed_rows:
            cells = [LCell(_printed(r.label, ("row", r.key), opts))]
            vals = t2.get(r.key) or {}
            for c in cols:
                unit = None
                if c.kind == T.MONEY and opts.money_units:
                    unit = vals.get(c.key + T.UNIT_SUFFIX)
                cells.append(LCell(_num(vals.get(c.key), opts, unit), colspan=3 if len(cols) == 1 else 1))
            if len(cols) == 2:
                cells.append(LCell(""))
            rows.append(cells)
        if st.item == "一" and opts.local_rows:
            local = t2.get(T.T2_LOCAL_ROWS[LOCAL_ROW_LABEL]) or {}
            rows.append(
                [LCell(LOCAL_ROW_LABEL + LOCAL_ROW_NOTE)]
                + [LCell(_num(local.get(c.key), opts)) for c in cols]
            )
    return LTable(2, rows, ncols)


def t3_shape(report: Report) -> str:
    """v2019 (single （六） row) or v2021 (three sub-rows), from the rows the report prints
    (``ogi.templates.t3_shape``; v2021 when it prints neither)."""
    return T.t3_shape(report.table3, default=T.V2021)


def _t3_table(report: Report, opts: Options) -> LTable:
    shape = t3_shape(report)
    rows: list[list[LCell]] = [
        [
            LCell(T.T3_NOTE, rowspan=3, colspan=3, header=True),
            LCell(T.T3_HEADER_LABELS[0], colspan=7, header=True),
        ],
        [
            LCell(T.T3_COLUMNS[0].label, rowspan=2, header=True),
            LCell(T.T3_HEADER_LABELS[1], colspan=5, header=True),
            LCell(T.T3_COLUMNS[-1].label, rowspan=2, header=True),
        ],
        [
            LCell(_brk(c.label, opts) if len(c.label) == 4 else c.label, header=True)
            for c in T.T3_COLUMNS[1:-1]
        ],
    ]
    printed = T.t3_rows_for(shape)
    groups_done: set[str] = set()
    for i, r in enumerate(printed):
        vals = report.table3.get(r.key) or {}
        values = [LCell(_num(vals.get(c), opts)) for c in T.T3_COL_KEYS]
        lead: list[LCell] = []
        if r.key in ("new_received", "carried_over", "carried_forward"):
            lead = [LCell(r.label, colspan=3)]
        else:
            if r.key == "granted":
                lead.append(LCell(T.T3_GROUP_LABELS["results"], rowspan=T.T3_RESULTS_ROWSPAN[shape]))
            if r.group:
                if r.group not in groups_done:
                    groups_done.add(r.group)
                    size = sum(1 for x in printed if x.group == r.group)
                    lead.append(LCell(T.T3_GROUP_LABELS[r.group], rowspan=size))
                lead.append(LCell(r.label))
            else:
                lead.append(LCell(r.label, colspan=2))
        rows.append(lead + values)
    return LTable(3, rows, 10)


def _t4_table(report: Report, opts: Options) -> LTable:
    outcomes = [label for _, label in T.T4_OUTCOMES]
    rows = [
        [
            LCell(T.T4_GROUPS[0].label, colspan=5, header=True),
            LCell(T.T4_GROUPS[1].parent or "", colspan=10, header=True),
        ],
        [LCell(_brk(o, opts) if o != "总计" else o, rowspan=2, header=True) for o in outcomes]
        + [
            LCell(T.T4_GROUPS[1].label, colspan=5, header=True),
            LCell(T.T4_GROUPS[2].label, colspan=5, header=True),
        ],
        [LCell(_brk(o, opts) if o != "总计" else o, header=True) for o in outcomes] * 2,
        [LCell(_num(report.table4.get(k), opts)) for k in T.T4_KEYS],
    ]
    return LTable(4, rows, 15)


def section_heading(key: str, variant: int = 0) -> str:
    s = next(s for s in T.SECTIONS if s.key == key)
    label = s.aliases[0] if variant and s.aliases else s.label
    return f"{s.number}、{label}"


def build_page(report: Report, opts: Options | None = None, *, heading_variant: int = 0) -> Page:
    """The full printed content of ``report`` (tables 二/三/四 absent when the report does not print them)."""
    from ogi_dev.synth.numbers import preamble, sections_text

    opts = opts or Options()
    text = sections_text(report)
    blocks: list = [section_heading("overview", heading_variant), *text["overview"]]
    blocks.append(section_heading("proactive", heading_variant))
    if report.table2 is not None:
        blocks.append(_t2_table(report, opts))
    else:
        blocks.append("本机关本年度无相关主动公开数据。")
    blocks += [section_heading("applications", heading_variant), _t3_table(report, opts)]
    blocks += [section_heading("review_litigation", heading_variant), _t4_table(report, opts)]
    blocks += [section_heading("problems", heading_variant), *text["problems"]]
    blocks += [section_heading("other_matters", heading_variant), *text["other_matters"]]
    return Page(report.title or "", report.organ, report.published_on, preamble(report), blocks)


def cell_lines(text: str) -> list[str]:
    return text.split("\n")


@dataclass
class GridCell:
    """A layout cell placed on the full grid (for renderers that need absolute positions)."""

    row: int
    col: int
    cell: LCell = field(repr=False)


def place(table: LTable) -> list[GridCell]:
    """Absolute (row, col) of every printed cell, resolving rowspans from the rows above."""
    taken: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(table.rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            out.append(GridCell(r, c, cell))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
    return out
