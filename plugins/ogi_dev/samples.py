"""Random valid reports built from the templates (every identity of §2.6 holds), and perturbed copies.

Used by the tests (mutation tests, NULL handling) and by ``ogi bench validate`` and ``ogi bench load``.
"""

from __future__ import annotations

import random

from ogi import templates as T
from ogi.model import Report
from ogi.templates import V2019, V2021


def random_report(seed: int, version: str, *, t3_shape: str | None = None, organ: str = "测试机关") -> Report:
    """A report of ``version`` whose printed numbers satisfy every identity; ``t3_shape`` picks the
    （六）其他处理 shape of table 三 (default: the version's own)."""
    rnd = random.Random(seed)
    shape = t3_shape or version
    outcome_rows = T.T3_OUTCOME_ROWS_COMMON + T.T3_OTHER_ROWS[shape]
    table3: dict[str, dict[str, int | None]] = {
        r: {} for r in ("new_received", "carried_over", *outcome_rows, "total_processed", "carried_forward")
    }
    for c in T.T3_APPLICANT_COLS:
        busy = rnd.random() < 0.6
        for r in outcome_rows:
            table3[r][c] = rnd.randint(0, 9) if busy and rnd.random() < 0.5 else 0
        done = sum(table3[r][c] for r in outcome_rows)
        fwd = rnd.randint(0, 3) if busy else 0
        over = rnd.randint(0, min(done, 3))
        table3["total_processed"][c] = done
        table3["carried_forward"][c] = fwd
        table3["carried_over"][c] = over
        table3["new_received"][c] = done + fwd - over
    for r, cols in table3.items():
        cols["total"] = sum(cols[c] for c in T.T3_APPLICANT_COLS)
    # keep T3-S1 (carried_forward ≤ new_received in the total column)
    if table3["carried_forward"]["total"] > table3["new_received"]["total"]:
        return random_report(seed + 7919, version, t3_shape=t3_shape, organ=organ)
    table4: dict[str, int | None] = {}
    for g in T.T4_GROUPS:
        parts, total = T.t4_group_cells(g.key)
        for p in parts:
            table4[p] = rnd.randint(0, 5)
        table4[total] = sum(table4[p] for p in parts)
    table2: dict[str, dict] = {}
    for row_key, col_key, col in T.t2_cells(version):
        row = table2.setdefault(row_key, {})
        if col.kind == T.COUNT:
            row[col_key] = rnd.randint(0, 500)
        elif col.kind == T.SIGNED:
            row[col_key] = rnd.randint(-row.get("prev_items", 0), 20)
        elif col.kind == T.MONEY_WAN:
            row[col_key] = round(rnd.uniform(0, 5000), 4)
    if version == V2019:
        for r in ("rules", "normdocs"):
            made = table2[r]["new_made"]
            table2[r]["new_published"] = rnd.randint(0, made)
            table2[r]["total_published"] = made + rnd.randint(0, 300)
        projects = rnd.randint(1, 50)
        table2["central_procurement"] = {
            "projects": projects,
            "amount": float(projects * rnd.randint(200_000, 900_000)),
            "amount_unit": "元",
        }
    year = 2020 if version == V2019 else 2023
    return Report(version, year, organ, table3, table4, table2)


def random_reports(n: int, seed: int = 0) -> list[Report]:
    """``n`` reports alternating v2019 / v2021 (with some v2021 reports keeping the v2019 table 三 shape)."""
    out = []
    for i in range(n):
        version = (V2019, V2021)[i % 2]
        shape = V2019 if version == V2021 and i % 6 == 5 else None
        out.append(random_report(seed * 1_000_003 + i, version, t3_shape=shape))
    return out


def perturbed(report: Report, seed: int) -> Report:
    """A copy of ``report`` with one random table 三 or 四 cell increased by 1 (a typical typo)."""
    import copy

    rnd = random.Random(seed)
    out = copy.deepcopy(report)
    if rnd.random() < 0.8:
        row = rnd.choice(list(out.table3))
        col = rnd.choice(T.T3_COL_KEYS)
        out.table3[row][col] = (out.table3[row].get(col) or 0) + 1
    else:
        key = rnd.choice(T.T4_KEYS)
        out.table4[key] = (out.table4.get(key) or 0) + 1
    return out
