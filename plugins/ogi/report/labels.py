"""Printed labels of the statutory tables (from ``ogi.templates``) and the groupings the report uses.

The warehouse keeps cells by key (``t3.granted.total``); the report writes them out the way the
template prints them (``（一）予以公开 · 总计``), so that an analyst can find the cell in the document.
"""

from __future__ import annotations

from ogi import templates as T
from ogi.templates import CellRef

#: table 三 outcome families (stacked in the charts): key, printed label, harmonised rows summed
FAMILIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("granted", "予以公开", ("granted",)),
    ("partial_grant", "部分公开", ("partial_grant",)),
    ("denied", "不予公开", tuple(r.key for r in T.T3_ROWS if r.group == "denied")),
    ("unable", "无法提供", tuple(r.key for r in T.T3_ROWS if r.group == "unable")),
    ("notproc", "不予处理", tuple(r.key for r in T.T3_ROWS if r.group == "notproc")),
    ("other", "其他处理", ("other_processing",)),
)
FAMILY_LABELS: dict[str, str] = {k: label for k, label, _ in FAMILIES}

#: rows of the harmonised table 三 in printed order (v2021's three （六） sub-rows folded into
#: other_processing, as v_t3_harmonised does)
T3_HARMONISED_ROWS: tuple[str, ...] = tuple(r.key for r in T.T3_ROWS if r.key not in T.T3_OTHER_ROWS[T.V2021])
#: the v2021 sub-rows a harmonised other_processing is derived from when the report prints no such row
T3_OTHER_SUBROWS: tuple[str, ...] = T.T3_OTHER_ROWS[T.V2021]

T4_GROUP_LABELS: dict[str, str] = {
    g.key: f"{g.parent}（{g.label}）" if g.parent else g.label for g in T.T4_GROUPS
}
T4_OUTCOME_LABELS: dict[str, str] = dict(T.T4_OUTCOMES)

#: coverage categories of a registered organ in a year, mutually exclusive, in display order
COVERAGE: tuple[tuple[str, str], ...] = (
    ("on_time", "按时公开"),
    ("late", "逾期公开"),
    ("undated", "未注明日期"),
    ("quarantined", "未能解析"),
    ("not_found", "未找到报告"),
)
COVERAGE_LABELS: dict[str, str] = dict(COVERAGE)

ORGAN_TYPE_LABELS: dict[str, str] = {**T.ORGAN_TYPES, "unknown": "未知类型"}

LEVEL_LABELS: dict[str, str] = {"city": "市", "district": "区", "county": "县", "township": "乡镇街道"}

#: the metrics the report shows (ids of v_metrics / v_metric_dictionary) with their Chinese names
RATE_LABELS: dict[str, str] = {
    "disclosure_rate": "实质公开率",
    "review_correction_rate": "复议纠错率",
    "lit_direct_correction_rate": "诉讼纠错率（未经复议直接起诉）",
    "lit_after_review_correction_rate": "诉讼纠错率（复议后起诉）",
    "lit_correction_rate": "诉讼纠错率（合计）",
}
#: the minimum-N flag of each rate (v_metrics) and which threshold of v_metric_params it uses
RATE_FLAGS: dict[str, tuple[str, str]] = {
    "disclosure_rate": ("meets_min_n_applications", "applications"),
    "review_correction_rate": ("meets_min_n_review", "cases"),
    "lit_direct_correction_rate": ("meets_min_n_lit_direct", "cases"),
    "lit_after_review_correction_rate": ("meets_min_n_lit_after_review", "cases"),
    "lit_correction_rate": ("meets_min_n_lit", "cases"),
}
#: the denominator column of each rate in v_metrics
RATE_DENOMINATORS: dict[str, str] = {
    "disclosure_rate": "total_processed",
    "review_correction_rate": "review_decided",
    "lit_direct_correction_rate": "lit_direct_decided",
    "lit_after_review_correction_rate": "lit_after_review_decided",
    "lit_correction_rate": "lit_decided",
}
#: how each rate's denominator N is computed (v_metrics), shown in its drill-down
DENOMINATOR_NOTES: dict[str, str] = {
    "disclosure_rate": "N = 表三（七）总计（总计列）",
    "review_correction_rate": "N = 行政复议 总计 − 尚未审结（已审结案件）",
    "lit_direct_correction_rate": "N = 未经复议直接起诉 总计 − 尚未审结",
    "lit_after_review_correction_rate": "N = 复议后起诉 总计 − 尚未审结",
    "lit_correction_rate": "N = 两类行政诉讼的（总计 − 尚未审结）之和",
}
#: the cells a rate is computed from (numerator and denominator parts), for the drill-down
RATE_CELLS: dict[str, tuple[CellRef, ...]] = {
    "disclosure_rate": tuple(CellRef(3, r, "total") for r in ("granted", "partial_grant", "total_processed")),
    "review_correction_rate": tuple(CellRef(4, f"review_{o}") for o in ("corrected", "pending", "total")),
    "lit_direct_correction_rate": tuple(
        CellRef(4, f"lit_direct_{o}") for o in ("corrected", "pending", "total")
    ),
    "lit_after_review_correction_rate": tuple(
        CellRef(4, f"lit_after_review_{o}") for o in ("corrected", "pending", "total")
    ),
    "lit_correction_rate": tuple(
        CellRef(4, f"{g}_{o}")
        for g in ("lit_direct", "lit_after_review")
        for o in ("corrected", "pending", "total")
    ),
}

_T2_ROWS: dict[str, str] = {
    r.key: r.label for subs in T.T2_SUBTABLES.values() for st in subs for r in st.rows
}
_T2_COLS: dict[str, str] = {
    c.key: c.label for subs in T.T2_SUBTABLES.values() for st in subs for c in st.columns
}
_T3_COLS: dict[str, str] = {c.key: (f"{c.group}·{c.label}" if c.group else c.label) for c in T.T3_COLUMNS}


def t3_row_label(row: str) -> str:
    r = T.T3_ROW_BY_KEY.get(row)
    if r is None:
        return row
    return f"{T.T3_GROUP_LABELS[r.group]} {r.label}" if r.group else r.label


def t3_col_label(col: str) -> str:
    return _T3_COLS.get(col, col)


def family_label(key: str) -> str:
    """``（一）予以公开``, or ``（三）不予公开（8 项之和）`` for a family of several printed rows."""
    _, _, rows = next(f for f in FAMILIES if f[0] == key)
    if len(rows) == 1:
        return t3_row_label(rows[0])
    return f"{T.T3_GROUP_LABELS[T.T3_ROW_BY_KEY[rows[0]].group]}（{len(rows)} 项之和）"


def cell_label(ref: CellRef | str) -> str:
    """The printed label of a cell: ``表三 （一）予以公开 · 总计``, ``表四 行政复议 / 结果纠正``."""
    if isinstance(ref, str):
        ref = CellRef.parse(ref)
    if ref.table == 3:
        return f"表三 {t3_row_label(ref.row)} · {t3_col_label(ref.col)}"
    if ref.table == 4:
        return f"表四 {T.T4_LABELS.get(ref.row, ref.row)}"
    return f"表二 {_T2_ROWS.get(ref.row, ref.row)} · {_T2_COLS.get(ref.col, ref.col)}"
