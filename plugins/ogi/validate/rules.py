"""The rule catalogue of REPORT_FORMAT.md §2.6, built from ``ogi.templates``.

Each rule has its spec id, severity (hard rules are ``error``, soft and cross-year rules
``warning``), its statutory basis and a one-line Chinese description. Arithmetic rules are
expressed as linear combinations over cell addresses (``Identity``: Σ coefficient × cell ``==``
or ``>=`` 0); the same objects drive the GX expectations (``suites``), the mapping of GX results
back to cells (``run``) and the docs. Type rules are ``TypeCheck`` groups of cells that must be
non-negative (integers for counts). Rules that are not linear (unit sanity, narrative numbers,
fee notices, cross-year) are plain functions in ``checks`` / ``crossyear`` and only listed here.

Pure Python: no GX, no pandas.
"""

from __future__ import annotations

from dataclasses import dataclass

from ogi import templates as T
from ogi.model import ERROR, WARNING
from ogi.templates import V2019, V2021, CellRef

HARD, SOFT, CROSS = "hard", "soft", "cross_year"
#: how a rule is evaluated: a GX linear identity, a GX type check, or Python (checks/crossyear)
GX_IDENTITY, GX_TYPE, PYTHON = "gx_identity", "gx_type", "python"


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str  # error | warning
    klass: str  # hard | soft | cross_year
    tables: tuple[int, ...]
    versions: frozenset[str]
    engine: str  # gx_identity | gx_type | python
    description_zh: str
    basis: str


_TEMPLATE_NOTICES = "国办公开办函〔2019〕60号、〔2021〕30号《政府信息公开工作年度报告格式》"
_B = frozenset({V2019, V2021})
_19 = frozenset({V2019})
_21 = frozenset({V2021})


def _rule(rid: str, klass: str, tables: tuple[int, ...], versions, engine: str, zh: str, basis: str) -> Rule:
    """Hard rules are errors; soft and cross-year rules are warnings (§2.6)."""
    return Rule(rid, ERROR if klass == HARD else WARNING, klass, tables, versions, engine, zh, basis)


# fmt: off
RULES: tuple[Rule, ...] = (
    _rule("T3-H1", HARD, (3,), _B, GX_IDENTITY,
          "表三每列：本年新收＋上年结转＝本年度办理结果（七）总计＋结转下年度继续办理",
          f"{_TEMPLATE_NOTICES} 表三注“本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和”"),
    _rule("T3-H2", HARD, (3,), _B, GX_IDENTITY,
          "表三每列：各办理结果（含（六）其他处理）之和＝（七）总计",
          f"{_TEMPLATE_NOTICES} 表三“（七）总计”及（二）注“区分处理的，只计这一情形，不计其他情形”"),
    _rule("T3-H3", HARD, (3,), _B, GX_IDENTITY,
          "表三每行：总计＝自然人＋法人或其他组织五列之和",
          f"{_TEMPLATE_NOTICES} 表三“总计”列"),
    _rule("T3-H4", HARD, (3, 4), _B, GX_TYPE,
          "表三、表四各单元格为非负整数（件数）",
          f"{_TEMPLATE_NOTICES} 表三为政府信息公开申请件数，表四为案件数"),
    _rule("T2-H1", HARD, (2,), _B, GX_TYPE,
          "表二件数为非负整数，金额为非负数",
          f"{_TEMPLATE_NOTICES} 表二（条例第二十条第（一）（五）（六）（八）（九）项）"),
    _rule("T2bcd-H1", HARD, (2,), _19, GX_TYPE,
          "表二（五）（六）（八）项：上一年项目数量、处理决定数量为非负整数（本年增/减可为负）",
          "国办公开办函〔2019〕60号 表二；地方填报说明“减用负值表示”"),
    _rule("T4-H1", HARD, (4,), _B, GX_IDENTITY,
          "表四行政复议：总计＝结果维持＋结果纠正＋其他结果＋尚未审结",
          f"{_TEMPLATE_NOTICES} 表四“总计”"),
    _rule("T4-H2", HARD, (4,), _B, GX_IDENTITY,
          "表四未经复议直接起诉：总计＝结果维持＋结果纠正＋其他结果＋尚未审结",
          f"{_TEMPLATE_NOTICES} 表四“总计”"),
    _rule("T4-H3", HARD, (4,), _B, GX_IDENTITY,
          "表四复议后起诉：总计＝结果维持＋结果纠正＋其他结果＋尚未审结",
          f"{_TEMPLATE_NOTICES} 表四“总计”"),
    _rule("T2a-S1", SOFT, (2,), _19, GX_IDENTITY,
          "表二（一）项：本年新公开数量不大于对外公开总数量",
          "对外公开总数量为累计数（REPORT_FORMAT.md §2.6）"),
    _rule("T2a-S2", SOFT, (2,), _19, GX_IDENTITY,
          "表二（一）项：本年新公开数量通常不大于本年新制作数量",
          "经验规则：上年制作的文件可能本年公开（REPORT_FORMAT.md §2.6）"),
    _rule("T2bcd-S1", SOFT, (2,), _19, GX_IDENTITY,
          "表二（五）（六）（八）项：上一年项目数量＋本年增/减不小于0",
          "事项存量不能为负（REPORT_FORMAT.md §2.6）"),
    _rule("T2e-S1", SOFT, (2,), _19, PYTHON,
          "表二（九）项：采购项目数量为0当且仅当采购总金额为0",
          "政府集中采购项目与金额应同时为零或同时非零（REPORT_FORMAT.md §2.6）"),
    _rule("T2e-S2", SOFT, (2,), _19, PYTHON,
          "表二（九）项：采购总金额单位（元/万元）应可判定且与数值量级一致",
          "模板未规定采购总金额单位（REPORT_FORMAT.md §1.2、§2.6）"),
    _rule("T2-S2", SOFT, (2,), _21, PYTHON,
          "表二（八）项：本年收费金额（万元）超过10⁶且呈元的数值特征，疑似按元填报",
          "国办公开办函〔2021〕30号 表二表头“本年收费金额（单位：万元）”"),
    _rule("T3-S1", SOFT, (3,), _B, GX_IDENTITY,
          "表三总计列：结转下年度继续办理不大于本年新收申请数",
          "《政府信息公开条例》第三十三条答复期限（20＋20个工作日）"),
    _rule("T3-S4", SOFT, (3, 4), _B, PYTHON,
          "正文所述申请、答复、结转、复议、诉讼件数与表三、表四一致",
          "正文与表格数据一致（REPORT_FORMAT.md §2.6 T3-S4）"),
    _rule("T3-S5", SOFT, (3,), _21, PYTHON,
          "表三“逾期未按收费通知要求缴纳费用”大于0时，第六部分应报告发出收费通知件数（不少于该数）",
          "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"),
    _rule("X-1", CROSS, (3,), _B, PYTHON,
          "本年上年结转申请数＝上年度结转下年度继续办理数（每列）",
          "表三第二项与上年报告第四项定义一致（REPORT_FORMAT.md §2.6 X-1）"),
    _rule("X-2", CROSS, (2,), _21, PYTHON,
          "现行有效件数＝上年现行有效件数＋本年制发件数－本年废止件数",
          "表二（一）项各列定义（REPORT_FORMAT.md §2.6 X-2）"),
    _rule("X-3", CROSS, (2,), _19, PYTHON,
          "2020年上一年项目数量＝2019年上一年项目数量＋2019年本年增/减",
          "表二（五）（六）（八）项各列定义（REPORT_FORMAT.md §2.6 X-3）"),
)
# fmt: on
RULE_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}


# ------------------------------------------------------------------------------- identities


@dataclass(frozen=True)
class Identity:
    """One row-wise check: Σ coefficient × cell ``comparison`` 0, at one place of a report.

    ``totals`` are the printed 总计 cells of the identity: a failure caused only by a blank 总计 is
    an incomplete table, not bad arithmetic (see ``run``).
    """

    rule: str
    where: str
    terms: tuple[tuple[int, CellRef], ...]
    comparison: str = "=="  # "==" or ">="
    totals: tuple[CellRef, ...] = ()

    @property
    def cells(self) -> tuple[CellRef, ...]:
        return tuple(c for _, c in self.terms)

    @property
    def lhs(self) -> tuple[CellRef, ...]:
        """Cells on the left side (positive coefficients), as the spec writes the formula."""
        return tuple(c for k, c in self.terms if k > 0)

    @property
    def rhs(self) -> tuple[CellRef, ...]:
        return tuple(c for k, c in self.terms if k < 0)


def _eq(rule: str, where: str, lhs, rhs, totals=(), comparison: str = "==") -> Identity:
    return Identity(
        rule, where, tuple((1, c) for c in lhs) + tuple((-1, c) for c in rhs), comparison, tuple(totals)
    )


#: （六）其他处理 rows of both shapes: a report prints one shape, the other's rows are absent (0)
_OTHER_ROWS = T.T3_OTHER_ROWS[V2019] + T.T3_OTHER_ROWS[V2021]


def _t3(row: str, col: str) -> CellRef:
    return CellRef(3, row, col)


def _t3_identities() -> list[Identity]:
    out: list[Identity] = []
    for c in T.T3_COL_KEYS:
        cells = [
            _t3("new_received", c),
            _t3("carried_over", c),
            _t3("total_processed", c),
            _t3("carried_forward", c),
        ]
        # every cell of the 总计 column is a 总计: a blank there means an incomplete table
        totals = cells if c == "total" else [_t3("total_processed", c)]
        out.append(_eq("T3-H1", f"t3.*.{c}", cells[:2], cells[2:], totals))
    for c in T.T3_COL_KEYS:
        parts = [_t3(r, c) for r in T.T3_OUTCOME_ROWS_COMMON + _OTHER_ROWS]
        totals = [_t3("total_processed", c), *parts] if c == "total" else [_t3("total_processed", c)]
        out.append(_eq("T3-H2", f"t3.*.{c}", [_t3("total_processed", c)], parts, totals))
    for r in T.T3_ROW_KEYS:
        out.append(
            _eq(
                "T3-H3",
                f"t3.{r}.*",
                [_t3(r, "total")],
                [_t3(r, c) for c in T.T3_APPLICANT_COLS],
                [_t3(r, "total")],
            )
        )
    out.append(
        _eq(
            "T3-S1",
            "t3.*.total",
            [_t3("new_received", "total")],
            [_t3("carried_forward", "total")],
            comparison=">=",
        )
    )
    return out


def _t4_identities() -> list[Identity]:
    out = []
    for rule, group in zip(("T4-H1", "T4-H2", "T4-H3"), (g.key for g in T.T4_GROUPS)):
        parts, total = T.t4_group_cells(group)
        out.append(
            _eq(rule, f"t4.{group}", [CellRef(4, total)], [CellRef(4, p) for p in parts], [CellRef(4, total)])
        )
    return out


def _t2_identities(version: str) -> list[Identity]:
    if version != V2019:
        return []
    out = []
    for r in ("rules", "normdocs"):
        out.append(
            _eq(
                "T2a-S1",
                f"t2.{r}",
                [CellRef(2, r, "total_published")],
                [CellRef(2, r, "new_published")],
                comparison=">=",
            )
        )
        out.append(
            _eq(
                "T2a-S2",
                f"t2.{r}",
                [CellRef(2, r, "new_made")],
                [CellRef(2, r, "new_published")],
                comparison=">=",
            )
        )
    for st in T.T2_SUBTABLES[V2019]:
        if st.item in ("五", "六", "八"):
            for row in st.rows:
                out.append(
                    _eq(
                        "T2bcd-S1",
                        f"t2.{row.key}",
                        [CellRef(2, row.key, "prev_items"), CellRef(2, row.key, "change")],
                        [],
                        comparison=">=",
                    )
                )
    return out


def identities(version: str) -> tuple[Identity, ...]:
    """Every linear check (hard and soft) of a report in template ``version``, in catalogue order."""
    found = _t3_identities() + _t4_identities() + _t2_identities(version)
    order = {r.id: i for i, r in enumerate(RULES)}
    return tuple(sorted(found, key=lambda i: order[i.rule]))


# ------------------------------------------------------------------------------- type checks


@dataclass(frozen=True)
class TypeCheck:
    """Cells that must be blank or ≥ 0, and whole numbers unless listed in ``money``."""

    rule: str
    where: str
    cells: tuple[CellRef, ...]
    money: tuple[CellRef, ...] = ()


def type_checks(version: str) -> tuple[TypeCheck, ...]:
    t3_cells = tuple(_t3(r, c) for r in T.T3_ROW_KEYS for c in T.T3_COL_KEYS)
    t4_cells = tuple(CellRef(4, k) for k in T.T4_KEYS)
    counts: dict[str, list[CellRef]] = {"T2-H1": [], "T2bcd-H1": []}
    money: list[CellRef] = []
    for st in T.T2_SUBTABLES[version]:
        rule = "T2bcd-H1" if version == V2019 and st.item in ("五", "六", "八") else "T2-H1"
        for row in st.rows:
            for col in st.columns:
                ref = CellRef(2, row.key, col.key)
                if col.kind == T.COUNT:
                    counts[rule].append(ref)
                elif col.kind in (T.MONEY, T.MONEY_WAN):
                    money.append(ref)
    out = [TypeCheck("T3-H4", "t3", t3_cells), TypeCheck("T3-H4", "t4", t4_cells)]
    out.append(TypeCheck("T2-H1", "t2", tuple(counts["T2-H1"]) + tuple(money), tuple(money)))
    if counts["T2bcd-H1"]:
        out.append(TypeCheck("T2bcd-H1", "t2", tuple(counts["T2bcd-H1"])))
    return tuple(out)


def column_name(ref: CellRef) -> str:
    """Frame/SQL column of a cell, following the spec's key convention (``t3_granted__total``, ``t4_review_total``)."""
    if ref.col == T.SINGLE_VALUE_COL:
        return f"t{ref.table}_{ref.row}"
    return f"t{ref.table}_{ref.row}__{ref.col}"


def frame_cells(version: str) -> tuple[CellRef, ...]:
    """Every cell a version's frame carries: all cells named by its identities and type checks, in order."""
    seen: dict[CellRef, None] = {}
    for chk in type_checks(version):
        seen.update(dict.fromkeys(chk.cells))
    for ident in identities(version):
        seen.update(dict.fromkeys(ident.cells))
    return tuple(seen)


def rules_for_cell(ref: CellRef, version: str) -> set[str]:
    """Ids of the linear rules whose identities involve ``ref`` (used by tests and docs)."""
    return {i.rule for i in identities(version) if ref in i.cells}


def formula(rule_id: str, version: str) -> str:
    """The rule's identity as text (first place it applies), e.g. ``t4.review_total = t4.review_upheld + …``."""
    for ident in identities(version):
        if ident.rule == rule_id:
            lhs = " + ".join(str(c).removesuffix(".value") for c in ident.lhs)
            rhs = " + ".join(str(c).removesuffix(".value") for c in ident.rhs) or "0"
            return f"{lhs} {'=' if ident.comparison == '==' else '≥'} {rhs}  [{ident.where}]"
    return ""


def catalogue_markdown() -> str:
    """The rule catalogue as a Markdown table (docs are generated from the same definitions as the suites)."""
    lines = [
        "| id | severity | versions | how | rule | example identity | basis |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in RULES:
        version = V2021 if V2021 in r.versions else V2019
        lines.append(
            f"| {r.id} | {r.severity} | {', '.join(sorted(r.versions))} | {r.engine} | {r.description_zh} "
            f"| {formula(r.id, version).replace('|', '/')} | {r.basis} |"
        )
    return "\n".join(lines) + "\n"
