"""Cross-year rules X-1, X-2, X-3 (REPORT_FORMAT.md §2.6): pure functions on two reports of one organ.

The warehouse supplies the pairs (current report id, report of year Y, same organ's report of Y−1);
nothing here touches a database. All three are soft (severity warning): agency mergers, statistical
corrections and scope changes break them legitimately.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ogi.model import FAILED, NOT_EVALUABLE, PASSED, Report, RuleResult
from ogi.templates import T3_COL_KEYS, V2019, V2021, CellRef
from ogi.validate.rules import RULE_BY_ID

#: X-3 rows: the v2019 item stocks (上一年项目数量 / 本年增/减)
X3_ROWS: tuple[str, ...] = ("license", "other_admin_service", "penalty", "coercion", "fee")
X2_ROWS: tuple[str, ...] = ("rules", "normdocs")


def _num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _result(rid: str, rule: str, where: str, lhs, rhs, cells: tuple[str, ...], detail: str) -> RuleResult:
    if not (_num(lhs) and _num(rhs)):
        status, detail = NOT_EVALUABLE, "a cell is blank in one of the two years"
    else:
        status = PASSED if abs(lhs - rhs) < 1e-9 else FAILED
        detail = "" if status == PASSED else detail
    return RuleResult(rid, rule, RULE_BY_ID[rule].severity, status, where, lhs, rhs, cells, False, detail)


def x1(rid: str, cur: Report, prev: Report) -> Iterator[RuleResult]:
    """X-1: carried_over(Y)[c] = carried_forward(Y−1)[c] for every column."""
    for c in T3_COL_KEYS:
        lhs = cur.value(CellRef(3, "carried_over", c))
        rhs = prev.value(CellRef(3, "carried_forward", c))
        cells = (f"t3.carried_over.{c}", f"{prev.year}:t3.carried_forward.{c}")
        yield _result(
            rid,
            "X-1",
            f"t3.carried_over.{c}",
            lhs,
            rhs,
            cells,
            f"上年结转 {lhs} in {cur.year} ≠ 结转下年度 {rhs} in {prev.year}",
        )


def x2(rid: str, cur: Report, prev: Report) -> Iterator[RuleResult]:
    """X-2: in_force(Y) = in_force(Y−1) + issued(Y) − repealed(Y), both years v2021."""
    if cur.template_version != V2021 or prev.template_version != V2021:
        return
    for r in X2_ROWS:
        now, before = (cur.table2 or {}).get(r) or {}, (prev.table2 or {}).get(r) or {}
        parts = (before.get("in_force"), now.get("issued"), now.get("repealed"))
        rhs = parts[0] + parts[1] - parts[2] if all(_num(p) for p in parts) else None
        cells = (f"t2.{r}.in_force", f"{prev.year}:t2.{r}.in_force", f"t2.{r}.issued", f"t2.{r}.repealed")
        yield _result(
            rid,
            "X-2",
            f"t2.{r}",
            now.get("in_force"),
            rhs,
            cells,
            f"现行有效 {now.get('in_force')} ≠ {parts[0]} + {parts[1]} − {parts[2]}",
        )


def x3(rid: str, cur: Report, prev: Report) -> Iterator[RuleResult]:
    """X-3: prev_items(Y) = prev_items(Y−1) + change(Y−1), both years v2019."""
    if cur.template_version != V2019 or prev.template_version != V2019:
        return
    for r in X3_ROWS:
        now, before = (cur.table2 or {}).get(r) or {}, (prev.table2 or {}).get(r) or {}
        if not now and not before:
            continue
        stock, change = before.get("prev_items"), before.get("change")
        rhs = stock + change if _num(stock) and _num(change) else None
        cells = (f"t2.{r}.prev_items", f"{prev.year}:t2.{r}.prev_items", f"{prev.year}:t2.{r}.change")
        yield _result(
            rid,
            "X-3",
            f"t2.{r}",
            now.get("prev_items"),
            rhs,
            cells,
            f"上一年项目数量 {now.get('prev_items')} ≠ {stock} + ({change})",
        )


def cross_year_results(pairs: Iterable[tuple[str, Report, Report]]) -> list[RuleResult]:
    """X-1/X-2/X-3 for (current report id, report of year Y, same organ's report of year Y−1)."""
    out: list[RuleResult] = []
    for rid, cur, prev in pairs:
        if prev.year != cur.year - 1:
            raise ValueError(f"{rid}: previous report is for {prev.year}, expected {cur.year - 1}")
        out += [*x1(rid, cur, prev), *x2(rid, cur, prev), *x3(rid, cur, prev)]
    return out
