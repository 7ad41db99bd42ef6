"""The one place that knows the two statutory templates (v2019, v2021).

Everything about tables, row/column keys, printed Chinese labels, known label variants,
version fingerprints and statutory deadlines lives here, taken from
``shared/spec/REPORT_FORMAT.md``. Parser, validator, synthetic generator and warehouse
import these definitions; nothing else hard-codes a label or a key.

Labels are stored exactly as the v2021 template prints them (full-width punctuation).
``aliases`` hold other printed forms seen in real reports (v2019 wording, typos);
matching after normalisation (NFKC, whitespace, quotes, parentheticals) is the parser's
job (``ogi.parse.labels``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Container
from dataclasses import dataclass

V2019 = "v2019"
V2021 = "v2021"
TEMPLATE_VERSIONS: tuple[str, ...] = (V2019, V2021)
BOTH: frozenset[str] = frozenset(TEMPLATE_VERSIONS)

SCHEMA_ID = "ogi-annual-report/1"

#: column key used in long-form facts for tables/rows that hold a single value (table 四)
SINGLE_VALUE_COL = "value"


#: the first statistics year of each template (§3.5 rule 3)
FIRST_YEAR: dict[str, int] = {V2019: 2019, V2021: 2021}


def expected_version(year: int) -> str | None:
    """Template a report for statistics year ``year`` should use (§3.5 rule 3); None if out of scope."""
    if year >= FIRST_YEAR[V2021]:
        return V2021
    if year >= FIRST_YEAR[V2019]:
        return V2019
    return None


# --------------------------------------------------------------------------------------
# Section headings (§1.1)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    key: str
    number: str  # Chinese numeral as printed before "、"
    label: str
    aliases: tuple[str, ...] = ()


SECTIONS: tuple[Section, ...] = (
    Section("overview", "一", "总体情况"),
    Section("proactive", "二", "主动公开政府信息情况", ("行政机关主动公开政府信息情况",)),
    Section(
        "applications",
        "三",
        "收到和处理政府信息公开申请情况",
        ("行政机关收到和处理政府信息公开申请情况",),
    ),
    Section(
        "review_litigation",
        "四",
        "政府信息公开行政复议、行政诉讼情况",
        ("因政府信息公开工作被申请行政复议、提起行政诉讼情况",),
    ),
    Section(
        "problems",
        "五",
        "存在的主要问题及改进情况",
        ("政府信息公开工作存在的主要问题及改进情况", "政府信息公开工作存在的问题及改进情况"),
    ),
    Section("other_matters", "六", "其他需要报告的事项"),
)
SECTION_KEYS: tuple[str, ...] = tuple(s.key for s in SECTIONS)


# --------------------------------------------------------------------------------------
# Table 三: applications matrix (§2.3)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    group: str | None = None  # printed group header above the label, if any
    aliases: tuple[str, ...] = ()


T3_COLUMNS: tuple[Column, ...] = (
    Column("natural_person", "自然人"),
    Column("commercial_enterprise", "商业企业", "法人或其他组织"),
    Column("research_institution", "科研机构", "法人或其他组织"),
    Column("social_welfare_org", "社会公益组织", "法人或其他组织"),
    Column("legal_service_org", "法律服务机构", "法人或其他组织"),
    Column("other_org", "其他", "法人或其他组织"),
    Column("total", "总计"),
)
T3_COL_KEYS: tuple[str, ...] = tuple(c.key for c in T3_COLUMNS)
#: the six applicant columns whose sum is 总计 (T3-H3)
T3_APPLICANT_COLS: tuple[str, ...] = T3_COL_KEYS[:-1]
#: the legal-person columns (LP in §2.6)
T3_LEGAL_PERSON_COLS: tuple[str, ...] = T3_COL_KEYS[1:-1]

T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
#: the word of T3_NOTE that marks table 三's header rows, however the rest of the note is worded
T3_NOTE_MARKER = "勾稽关系"
assert T3_NOTE_MARKER in T3_NOTE
T3_HEADER_LABELS: tuple[str, ...] = ("申请人情况", "法人或其他组织")


@dataclass(frozen=True)
class T3Row:
    key: str
    label: str  # as printed in its own cell (without the group header)
    group: str | None  # key of the outcome group (denied / unable / notproc / other) or None
    versions: frozenset[str]  # template versions in which the row is a data row
    aliases: tuple[str, ...] = ()


T3_GROUP_LABELS: dict[str, str] = {
    "results": "三、本年度办理结果",
    "denied": "（三）不予公开",
    "unable": "（四）无法提供",
    "notproc": "（五）不予处理",
    "other": "（六）其他处理",
}

_V19 = frozenset({V2019})
_V21 = frozenset({V2021})

T3_ROWS: tuple[T3Row, ...] = (
    T3Row("new_received", "一、本年新收政府信息公开申请数量", None, BOTH),
    T3Row("carried_over", "二、上年结转政府信息公开申请数量", None, BOTH),
    T3Row("granted", "（一）予以公开", None, BOTH),
    T3Row("partial_grant", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", None, BOTH),
    T3Row("denied_state_secret", "1.属于国家秘密", "denied", BOTH),
    T3Row("denied_law_prohibited", "2.其他法律行政法规禁止公开", "denied", BOTH, ("2.其他法律行政止公开",)),
    T3Row("denied_security_stability", "3.危及“三安全一稳定”", "denied", BOTH),
    T3Row("denied_third_party", "4.保护第三方合法权益", "denied", BOTH),
    T3Row("denied_internal_affairs", "5.属于三类内部事务信息", "denied", BOTH),
    T3Row("denied_process_info", "6.属于四类过程性信息", "denied", BOTH),
    T3Row("denied_enforcement_file", "7.属于行政执法案卷", "denied", BOTH),
    T3Row("denied_admin_query", "8.属于行政查询事项", "denied", BOTH),
    T3Row("unable_not_held", "1.本机关不掌握相关政府信息", "unable", BOTH),
    T3Row("unable_needs_creation", "2.没有现成信息需要另行制作", "unable", BOTH),
    T3Row("unable_unclear", "3.补正后申请内容仍不明确", "unable", BOTH),
    T3Row("notproc_petition", "1.信访举报投诉类申请", "notproc", BOTH),
    T3Row("notproc_repeat", "2.重复申请", "notproc", BOTH),
    T3Row("notproc_publication", "3.要求提供公开出版物", "notproc", BOTH),
    T3Row("notproc_mass_repeat", "4.无正当理由大量反复申请", "notproc", BOTH),
    T3Row("notproc_confirm_reissue", "5.要求行政机关确认或重新出具已获取信息", "notproc", BOTH),
    # v2019: one data row; v2021: group header only (its value is derived, never printed)
    T3Row("other_processing", "（六）其他处理", None, _V19),
    T3Row(
        "other_no_correction",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "other",
        _V21,
    ),
    T3Row(
        "other_fee_unpaid",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "other",
        _V21,
    ),
    T3Row("other_other", "3.其他", "other", _V21),
    T3Row("total_processed", "（七）总计", None, BOTH),
    T3Row("carried_forward", "四、结转下年度继续办理", None, BOTH),
)
T3_ROW_KEYS: tuple[str, ...] = tuple(r.key for r in T3_ROWS)
T3_ROW_BY_KEY: dict[str, T3Row] = {r.key: r for r in T3_ROWS}

#: rows whose printed values partition total_processed, apart from the （六） rows (T3-H2)
T3_OUTCOME_ROWS_COMMON: tuple[str, ...] = tuple(
    r.key
    for r in T3_ROWS
    if r.key in ("granted", "partial_grant") or r.group in ("denied", "unable", "notproc")
)
#: the （六）其他处理 rows, by shape: one v2019 row, or the three v2021 sub-rows
T3_OTHER_ROWS: dict[str, tuple[str, ...]] = {
    V2019: ("other_processing",),
    V2021: ("other_no_correction", "other_fee_unpaid", "other_other"),
}
#: "三、本年度办理结果" rowspan per version: a reliable fingerprint (§2.3)
T3_RESULTS_ROWSPAN: dict[str, int] = {V2019: 20, V2021: 22}
#: the version a "三、本年度办理结果" rowspan identifies (the inverse of T3_RESULTS_ROWSPAN)
T3_VERSION_BY_RESULTS_ROWSPAN: dict[int, str] = {n: v for v, n in T3_RESULTS_ROWSPAN.items()}
#: labels of the subtotal rows some reports add to table 三 (not in the template; their values are ignored)
T3_SUBTOTAL_ROW_LABELS: tuple[str, ...] = ("小计", "合计")
#: the word of an invented subtotal column header (法人或其他组织小计), and its full labels
SUBTOTAL_WORD = "小计"
T3_SUBTOTAL_COL_LABELS: tuple[str, ...] = (SUBTOTAL_WORD, "法人或其他组织" + SUBTOTAL_WORD)


def t3_shape(
    rows: Container[str], *, results_rowspan: int | None = None, default: str | None = None
) -> str | None:
    """Which （六）其他处理 shape table 三 prints: v2021 when it prints the three sub-rows (or its
    "三、本年度办理结果" spans 22 rows), v2019 when it prints the single row (or spans 20), else ``default``.
    ``rows`` holds the table's row keys (a ``Report.table3``)."""
    by_rowspan = T3_VERSION_BY_RESULTS_ROWSPAN.get(results_rowspan) if results_rowspan else None
    if any(k in rows for k in T3_OTHER_ROWS[V2021]) or by_rowspan == V2021:
        return V2021
    if any(k in rows for k in T3_OTHER_ROWS[V2019]) or by_rowspan == V2019:
        return V2019
    return default


#: number of sub-rows per printed group, used for flattened text where labels are lost (§5.7)
T3_GROUP_SIZES: dict[str, int] = {"denied": 8, "unable": 3, "notproc": 5}


def t3_rows_for(version: str) -> tuple[T3Row, ...]:
    """Data rows a report of ``version`` prints in table 三, in printed order."""
    return tuple(r for r in T3_ROWS if version in r.versions)


# --------------------------------------------------------------------------------------
# Table 四: administrative review and litigation (§2.4)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class T4Group:
    key: str  # prefix of the cell keys
    label: str
    parent: str | None = None


T4_GROUPS: tuple[T4Group, ...] = (
    T4Group("review", "行政复议"),
    T4Group("lit_direct", "未经复议直接起诉", "行政诉讼"),
    T4Group("lit_after_review", "复议后起诉", "行政诉讼"),
)
T4_OUTCOMES: tuple[tuple[str, str], ...] = (
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
)
#: the 15 cells in printed order, e.g. review_upheld … lit_after_review_total
T4_KEYS: tuple[str, ...] = tuple(f"{g.key}_{o}" for g in T4_GROUPS for o, _ in T4_OUTCOMES)
T4_LABELS: dict[str, str] = {
    f"{g.key}_{o}": f"{g.parent + ' / ' if g.parent else ''}{g.label} / {label}"
    for g in T4_GROUPS
    for o, label in T4_OUTCOMES
}


def t4_group_cells(group: str) -> tuple[tuple[str, ...], str]:
    """(component keys, total key) of one table 四 group, for T4-H1..H3."""
    parts = tuple(f"{group}_{o}" for o, _ in T4_OUTCOMES[:-1])
    return parts, f"{group}_total"


# --------------------------------------------------------------------------------------
# Table 二: proactive disclosure (§2.1, §2.2)
# --------------------------------------------------------------------------------------

# value kinds of table 二 cells
COUNT = "count"  # integer >= 0
SIGNED = "signed"  # integer, may be negative (v2019 本年增/减)
MONEY = "money"  # decimal >= 0, unit not fixed (元 / 万元); stored with '<col>_unit'
MONEY_WAN = "money_wan"  # decimal >= 0 in 万元 (fixed by the header)


@dataclass(frozen=True)
class T2Column:
    key: str
    label: str
    kind: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class T2Row:
    key: str
    label: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class T2SubTable:
    item: str  # 条例 Art. 20 item: 一 / 五 / 六 / 八 / 九
    caption: str  # printed caption row
    columns: tuple[T2Column, ...]
    rows: tuple[T2Row, ...]


def _caption(item: str) -> str:
    return f"第二十条第（{item}）项"


#: a table 二 caption (``_caption``) in normalised text (``ogi.parse.labels.norm``: ASCII brackets);
#: group 1 is the item (一, 五, …)
T2_CAPTION_PATTERN = re.compile(r"第二十条第\(?([一二三四五六七八九十]{1,2})\)?项")


_V19_ITEMS_COLS = (
    T2Column("prev_items", "上一年项目数量", COUNT),
    T2Column("change", "本年增/减", SIGNED, ("本年增减",)),
    T2Column("decisions", "处理决定数量", COUNT),
)
_V21_DECISIONS = (T2Column("decisions", "本年处理决定数量", COUNT, ("处理决定数量",)),)

T2_SUBTABLES: dict[str, tuple[T2SubTable, ...]] = {
    V2019: (
        T2SubTable(
            "一",
            _caption("一"),
            (
                T2Column("new_made", "本年新制作数量", COUNT),
                T2Column("new_published", "本年新公开数量", COUNT),
                T2Column("total_published", "对外公开总数量", COUNT),
            ),
            (T2Row("rules", "规章"), T2Row("normdocs", "规范性文件", ("行政规范性文件",))),
        ),
        T2SubTable(
            "五",
            _caption("五"),
            _V19_ITEMS_COLS,
            (T2Row("license", "行政许可"), T2Row("other_admin_service", "其他对外管理服务事项")),
        ),
        T2SubTable(
            "六",
            _caption("六"),
            _V19_ITEMS_COLS,
            (T2Row("penalty", "行政处罚"), T2Row("coercion", "行政强制")),
        ),
        T2SubTable("八", _caption("八"), _V19_ITEMS_COLS[:2], (T2Row("fee", "行政事业性收费"),)),
        T2SubTable(
            "九",
            _caption("九"),
            (T2Column("projects", "采购项目数量", COUNT), T2Column("amount", "采购总金额", MONEY)),
            (T2Row("central_procurement", "政府集中采购"),),
        ),
    ),
    V2021: (
        T2SubTable(
            "一",
            _caption("一"),
            (
                T2Column("issued", "本年制发件数", COUNT),
                T2Column("repealed", "本年废止件数", COUNT),
                T2Column("in_force", "现行有效件数", COUNT),
            ),
            (T2Row("rules", "规章"), T2Row("normdocs", "行政规范性文件", ("规范性文件",))),
        ),
        T2SubTable("五", _caption("五"), _V21_DECISIONS, (T2Row("license", "行政许可"),)),
        T2SubTable(
            "六",
            _caption("六"),
            _V21_DECISIONS,
            (T2Row("penalty", "行政处罚"), T2Row("coercion", "行政强制")),
        ),
        T2SubTable(
            "八",
            _caption("八"),
            (T2Column("amount_wan", "本年收费金额（单位：万元）", MONEY_WAN, ("本年收费金额",)),),
            (T2Row("fee", "行政事业性收费"),),
        ),
    ),
}
T2_HEADER_FIRST_CELL = "信息内容"
#: suffix of the unit companion key of a MONEY column, e.g. amount -> amount_unit
UNIT_SUFFIX = "_unit"
#: the label key stored for extra local rows (schema: "Extra local rows … with a 'label' field")
LOCAL_ROW_LABEL = "label"
#: keys of extra local table 二 rows seen in real reports (printed label -> row key); a local row
#: whose label is not listed here is kept under ``local_<hash of its label>``
T2_LOCAL_ROWS: dict[str, str] = {
    "其他主动公开文件": "other_proactive_docs",  # Hubei template (荆门 seed)
}


def t2_cells(version: str) -> tuple[tuple[str, str, T2Column], ...]:
    """Every (row_key, col_key, column) a report of ``version`` prints in table 二."""
    return tuple((r.key, c.key, c) for st in T2_SUBTABLES[version] for r in st.rows for c in st.columns)


def t2_column(version: str, row_key: str, col_key: str) -> T2Column | None:
    for rk, ck, col in t2_cells(version):
        if rk == row_key and ck == col_key:
            return col
    return None


# --------------------------------------------------------------------------------------
# Version detection signals (§3.5)
# --------------------------------------------------------------------------------------

#: label fragments (normalised: no whitespace, half-width) that only one template prints
VERSION_MARKERS: dict[str, tuple[str, ...]] = {
    V2021: ("逾期未按收费通知要求缴纳费用", "本年制发件数", "本年废止件数", "现行有效件数", "本年收费金额"),
    V2019: ("本年新制作数量", "对外公开总数量", "上一年项目数量", "本年增/减", "采购总金额", "政府集中采购"),
}
#: the markers that describe table 二 only: the canonical template_version follows table 二 (schema)
T2_VERSION_MARKERS: dict[str, tuple[str, ...]] = {
    V2021: ("本年制发件数", "本年废止件数", "现行有效件数", "本年收费金额"),
    V2019: ("本年新制作数量", "对外公开总数量", "上一年项目数量", "本年增/减", "采购总金额", "政府集中采购"),
}


# --------------------------------------------------------------------------------------
# Organs and statutory deadlines (§4.2, §4.3)
# --------------------------------------------------------------------------------------

ORGAN_TYPES: dict[str, str] = {
    "department": "部门",
    "government": "人民政府",
    "subdistrict": "街道",
    "township": "乡镇",
}


def publication_deadline(organ_type: str, year: int) -> dt.date:
    """Statutory deadline for the report of statistics year ``year`` (条例 Art. 49).

    Departments (and, by common provincial rule [K], 乡镇/街道) publish by 31 January of Y+1;
    a people's government's own 本级 report by 31 March of Y+1.
    """
    if organ_type not in ORGAN_TYPES:
        raise ValueError(f"unknown organ type {organ_type!r}; expected one of {sorted(ORGAN_TYPES)}")
    if organ_type == "government":
        return dt.date(year + 1, 3, 31)
    return dt.date(year + 1, 1, 31)


# --------------------------------------------------------------------------------------
# Cell addresses shared by parser provenance, validation results and the warehouse
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class CellRef:
    """Address of one canonical value: table 2/3/4, row key, column key.

    Table 四 cells use the cell key as ``row`` and :data:`SINGLE_VALUE_COL` as ``col``.
    """

    table: int
    row: str
    col: str = SINGLE_VALUE_COL

    def __str__(self) -> str:
        return f"t{self.table}.{self.row}.{self.col}"

    @classmethod
    def parse(cls, text: str) -> CellRef:
        t, row, col = text.split(".", 2)
        return cls(int(t.lstrip("t")), row, col)


def all_cell_refs(version: str) -> tuple[CellRef, ...]:
    """Every cell of tables 二/三/四 that a report printed in the pure ``version`` template holds."""
    refs = [CellRef(2, r, c) for r, c, _ in t2_cells(version)]
    refs += [CellRef(3, r.key, c) for r in t3_rows_for(version) for c in T3_COL_KEYS]
    refs += [CellRef(4, k) for k in T4_KEYS]
    return tuple(refs)


#: words only the report's own tables print (table 三's first row and header, table 二's first header cell,
#: table 四's review group): a page table holding one of them is a report table, not page chrome
REPORT_TABLE_MARKERS: tuple[str, ...] = (
    "本年新收",
    "申请人情况",
    "予以公开",
    T2_HEADER_FIRST_CELL,
    "行政复议",
)
