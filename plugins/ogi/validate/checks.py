"""The soft rules that are not linear identities, as plain functions of one report.

T2e-S1/T2e-S2 (v2019 采购 sanity), T2-S2 (v2021 fee amount unit), T3-S4 (numbers stated in the
narrative against the tables) and T3-S5 (unpaid-fee cases against the fee notices of section 六).
They need raw values, units and narrative text, which a numeric GX frame does not hold; each
returns ``RuleResult``s like the GX rules do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ogi.model import FAILED, NOT_EVALUABLE, PASSED, ParsedReport, Report, RuleResult
from ogi.templates import V2019, V2021, CellRef
from ogi.validate.rules import RULE_BY_ID


def _result(
    rid: str, rule: str, status: str, where: str, lhs=None, rhs=None, cells=(), detail=""
) -> RuleResult:
    return RuleResult(
        rid, rule, RULE_BY_ID[rule].severity, status, where, lhs, rhs, tuple(cells), False, detail
    )


def _decimals(v: float) -> int:
    text = repr(v)
    return len(text.split(".", 1)[1].rstrip("0")) if "." in text and "e" not in text else 0


# ----------------------------------------------------------------------------- table 二


def procurement_checks(rid: str, report: Report) -> Iterator[RuleResult]:
    """T2e-S1 and T2e-S2 on the v2019 （九） row 政府集中采购."""
    row = (report.table2 or {}).get("central_procurement")
    if report.template_version != V2019 or not isinstance(row, dict):
        return
    projects, amount = row.get("projects"), row.get("amount")
    cells = ("t2.central_procurement.projects", "t2.central_procurement.amount")
    where = "t2.central_procurement"
    if projects is None or amount is None:
        yield _result(
            rid, "T2e-S1", NOT_EVALUABLE, where, projects, amount, cells, "projects or amount is blank"
        )
    else:
        ok = (projects == 0) == (amount == 0)
        yield _result(
            rid,
            "T2e-S1",
            PASSED if ok else FAILED,
            where,
            projects,
            amount,
            cells,
            "" if ok else f"采购项目数量 {projects} but 采购总金额 {amount}: one is 0, the other is not",
        )
    if not amount or not isinstance(amount, (int, float)):
        return
    unit = row.get("amount_unit")
    per_project = amount / projects if projects else None
    says_wan = _decimals(amount) >= 3 or (per_project is not None and per_project < 1)
    says_yuan = per_project is not None and per_project > 1e5
    inferred = "万元" if says_wan and not says_yuan else "元" if says_yuan and not says_wan else None
    if unit in ("元", "万元"):
        ok = inferred in (None, unit)
        detail = (
            ""
            if ok
            else f"printed unit {unit} but the value {amount} for {projects} projects suggests {inferred}"
        )
    else:
        ok = inferred is not None
        detail = (
            f"no unit printed; the value suggests {inferred}"
            if ok
            else f"no unit printed and {amount} for {projects} projects fits both 元 and 万元 (ambiguous)"
        )
    per = round(per_project, 2) if per_project is not None else None  # rhs: the amount per project
    yield _result(rid, "T2e-S2", PASSED if ok else FAILED, where, amount, per, cells[1:], detail)


def fee_amount_checks(rid: str, report: Report) -> Iterator[RuleResult]:
    """T2-S2: a v2021 本年收费金额（万元） above 10⁶ with at most two decimals looks like an amount in 元."""
    row = (report.table2 or {}).get("fee")
    if report.template_version != V2021 or not isinstance(row, dict):
        return
    amount = row.get("amount_wan")
    where, cells = "t2.fee", ("t2.fee.amount_wan",)
    if not isinstance(amount, (int, float)):
        yield _result(rid, "T2-S2", NOT_EVALUABLE, where, None, None, cells, "本年收费金额 is blank")
        return
    suspicious = amount > 1e6 and _decimals(amount) <= 2
    yield _result(
        rid,
        "T2-S2",
        FAILED if suspicious else PASSED,
        where,
        amount,
        1e6,
        cells,
        f"{amount} 万元 is over 10⁶ and has the pattern of an amount in 元" if suspicious else "",
    )


# ----------------------------------------------------------------------------- narrative (T3-S4)

_N = r"(\d[\d,]*)"
_GAP = r"[^，。；;,\d]{0,12}?"
#: statement pattern → (cells whose sum the stated number should equal, alternative sums accepted)
NARRATIVE_PATTERNS: tuple[tuple[str, re.Pattern[str], tuple[tuple[CellRef, ...], ...]], ...] = (
    (
        "new_received",
        re.compile(rf"(?:受理|收到|新收|接收)[^。；;\d]{{0,30}}?申请{_GAP}{_N}件"),
        (
            (CellRef(3, "new_received", "total"),),
            (CellRef(3, "new_received", "total"), CellRef(3, "carried_over", "total")),
        ),
    ),
    ("carried_over", re.compile(rf"上一?年度?结转{_GAP}{_N}件"), ((CellRef(3, "carried_over", "total"),),)),
    (
        "carried_forward",
        re.compile(rf"结转(?:至|到)?(?:下一?年度?|\d{{4}}年度?){_GAP}{_N}件"),
        ((CellRef(3, "carried_forward", "total"),),),
    ),
    (
        "total_processed",
        re.compile(rf"(?:办结|答复){_GAP}{_N}件"),
        ((CellRef(3, "total_processed", "total"),),),
    ),
    ("review_total", re.compile(rf"行政复议{_GAP}{_N}(?:件|起)"), ((CellRef(4, "review_total"),),)),
    (
        "litigation_total",
        re.compile(rf"行政诉讼{_GAP}{_N}(?:件|起)"),
        ((CellRef(4, "lit_direct_total"), CellRef(4, "lit_after_review_total")),),
    ),
)
#: sections whose prose states the yearly figures
NARRATIVE_SECTIONS = ("overview", "applications", "review_litigation")


def narrative_checks(rid: str, parsed: ParsedReport) -> Iterator[RuleResult]:
    """T3-S4: the first figure the narrative states for each quantity, against the table."""
    report = parsed.report
    seen: set[str] = set()
    for section in NARRATIVE_SECTIONS:
        text = re.sub(r"\s+", "", parsed.sections.get(section) or "")
        for name, pattern, sums in NARRATIVE_PATTERNS:
            m = pattern.search(text) if name not in seen else None
            if not m:
                continue
            seen.add(name)
            stated = int(m.group(1).replace(",", ""))
            where = f"narrative.{section}.{name}"
            quote = m.group(0)
            cells = tuple(str(c) for c in sums[0])
            values = [[report.value(c) for c in cs] for cs in sums]
            if any(v is None or not isinstance(v, (int, float)) for v in values[0]):
                yield _result(
                    rid,
                    "T3-S4",
                    NOT_EVALUABLE,
                    where,
                    stated,
                    None,
                    cells,
                    f"“{quote}” but the table cell is blank",
                )
                continue
            totals = [sum(vs) for vs in values if all(isinstance(v, (int, float)) for v in vs)]
            ok = stated in totals
            yield _result(
                rid,
                "T3-S4",
                PASSED if ok else FAILED,
                where,
                stated,
                totals[0],
                cells,
                "" if ok else f"narrative “{quote}” states {stated}, the table has {totals[0]}",
            )


def fee_notice_checks(rid: str, report: Report, extras: dict) -> Iterator[RuleResult]:
    """T3-S5: unpaid-fee cases in table 三 need fee notices reported in section 六 (at least as many)."""
    cell = CellRef(3, "other_fee_unpaid", "total")
    unpaid = report.value(cell)
    if not isinstance(unpaid, (int, float)) or unpaid <= 0:
        return
    where, cells = "t3.other_fee_unpaid.total", (str(cell),)
    notices = extras.get("fee_notices_count")
    if notices is None:
        yield _result(
            rid,
            "T3-S5",
            FAILED,
            where,
            unpaid,
            None,
            cells,
            f"{unpaid} applications dropped for unpaid fees, but section 六 reports no fee notices",
        )
    else:
        ok = notices >= unpaid
        yield _result(
            rid,
            "T3-S5",
            PASSED if ok else FAILED,
            where,
            unpaid,
            notices,
            cells,
            "" if ok else f"{unpaid} applications dropped for unpaid fees, only {notices} fee notices",
        )


def report_checks(rid: str, item: Report | ParsedReport) -> list[RuleResult]:
    """Every non-GX rule on one report; T3-S4/T3-S5 only for parsed documents (they need the narrative)."""
    if not isinstance(item, ParsedReport):
        return [*procurement_checks(rid, item), *fee_amount_checks(rid, item)]
    report = item.report
    return [
        *procurement_checks(rid, report),
        *fee_amount_checks(rid, report),
        *narrative_checks(rid, item),
        *fee_notice_checks(rid, report, item.extras),
    ]
