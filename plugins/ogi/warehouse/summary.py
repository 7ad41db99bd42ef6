"""Municipal summaries read from the views of include/sql (the views are the definition; this only
shapes their rows into one JSON-safe dict per region and year)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Engine, text

from ogi.templates import MONEY, MONEY_WAN, T2_SUBTABLES, T3_COL_KEYS, T3_OTHER_ROWS, T3_ROW_KEYS, T4_KEYS

#: table 二 money columns: summed per printed unit ("unknown" when the report prints none)
MONEY_COLS = frozenset(
    c.key for subs in T2_SUBTABLES.values() for st in subs for c in st.columns if c.kind in (MONEY, MONEY_WAN)
)
UNKNOWN_UNIT = "unknown"
#: the （六）其他处理 rows of either template shape (harmonised into other_processing)
T3_OTHER_ROW_KEYS = frozenset(k for keys in T3_OTHER_ROWS.values() for k in keys)


class UnknownRegion(LookupError):
    pass


def _clean(v: Any) -> Any:
    """Integral floats as ints (sums of counts), dates as ISO strings."""
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if hasattr(v, "is_integer") and not isinstance(v, (int, float)):  # Decimal
        return _clean(float(v))
    return v


def _order(keys: tuple[str, ...]):
    pos = {k: i for i, k in enumerate(keys)}
    return lambda k: (pos.get(k, len(pos)), k)


def _ordered(t3: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Table 三 rows and columns in printed order (local extras last)."""
    rk, ck = _order(T3_ROW_KEYS), _order(T3_COL_KEYS)
    return {r: {c: t3[r][c] for c in sorted(t3[r], key=ck)} for r in sorted(t3, key=rk)}


def _rows(conn: Connection, sql: str, **params) -> list[dict[str, Any]]:
    return [{k: _clean(v) for k, v in r._asdict().items()} for r in conn.execute(text(sql), params)]


def find_region(conn: Connection, region: str) -> dict[str, Any]:
    """A region by id or by name."""
    rows = _rows(conn, "SELECT id, name, level, parent_id FROM regions WHERE id = :r OR name = :r", r=region)
    if not rows:
        known = [r["id"] for r in _rows(conn, "SELECT id FROM regions ORDER BY id")]
        hint = f"; known regions: {', '.join(known[:20])}" if known else "; the warehouse has no regions yet"
        raise UnknownRegion(f"unknown region {region!r}{hint}")
    return rows[0]


def municipal_summary(engine: Engine, region: str, year: int) -> dict[str, Any]:
    """Everything an analyst needs about one region (and its sub-regions) for one statistics year."""
    with engine.connect() as conn:
        reg = find_region(conn, region)
        p = {"r": reg["id"], "y": year}
        table3: dict[str, dict[str, Any]] = {}
        for r in _rows(conn, "SELECT * FROM v_region_t3 WHERE region_id = :r AND year = :y", **p):
            table3.setdefault(r["row_key"], {})[r["col_key"]] = r["value_sum"]
        # v_region_t3_harmonised passes the rows both templates print straight through from v_region_t3
        # (read above); only its other_processing row needs reading (and is cheap to read alone)
        harmonised = {r: cols for r, cols in table3.items() if r not in T3_OTHER_ROW_KEYS}
        for r in _rows(
            conn,
            "SELECT * FROM v_region_t3_harmonised WHERE region_id = :r AND year = :y AND row_key = 'other_processing'",
            **p,
        ):
            harmonised.setdefault(r["row_key"], {})[r["col_key"]] = r["value_sum"]
        table4 = {
            r["row_key"]: r["value_sum"]
            for r in _rows(conn, "SELECT * FROM v_region_t4 WHERE region_id = :r AND year = :y", **p)
        }
        table2: dict[str, dict[str, dict[str, Any]]] = {}
        for r in _rows(conn, "SELECT * FROM v_region_t2 WHERE region_id = :r AND year = :y", **p):
            cells = table2.setdefault(r["template_version"] or "unknown", {}).setdefault(r["row_key"], {})
            if r["col_key"] in MONEY_COLS:  # one total per printed unit, never added across units
                cells.setdefault(r["col_key"], {})[r["unit"] or UNKNOWN_UNIT] = r["value_sum"]
            else:
                cells[r["col_key"]] = r["value_sum"]
        coverage = _rows(conn, "SELECT * FROM v_coverage WHERE region_id = :r AND year = :y", **p)
        metrics = _rows(
            conn, "SELECT * FROM v_metrics WHERE scope = 'region' AND scope_id = :r AND year = :y", **p
        )
        yoy = _rows(
            conn, "SELECT * FROM v_metrics_yoy WHERE scope = 'region' AND scope_id = :r AND year = :y", **p
        )
        reports = _rows(
            conn,
            "SELECT rc.organ_id, rc.organ_name, rc.organ_type, rc.status, rc.published_on, rc.deadline, rc.on_time,"
            " rc.n_hard_failed, rc.n_soft_failed, rc.passes_hard_rules"
            " FROM v_report_compliance rc JOIN v_region_organs ro ON ro.organ_id = rc.organ_id"
            " WHERE ro.region_id = :r AND rc.year = :y ORDER BY rc.organ_id",
            **p,
        )
        failures = _rows(
            conn,
            "SELECT hf.organ_id, hf.rule_id, hf.where_, hf.lhs, hf.rhs, hf.detail FROM v_hard_failures hf"
            " JOIN v_region_organs ro ON ro.organ_id = hf.organ_id"
            " WHERE ro.region_id = :r AND hf.year = :y ORDER BY hf.organ_id, hf.rule_id, hf.where_",
            **p,
        )
    for row in (*metrics, *yoy):
        for k in ("scope", "scope_id", "year"):
            row.pop(k, None)
    for row in coverage:
        row.pop("region_id", None)
        row.pop("year", None)
    table3, harmonised = _ordered(table3), _ordered(harmonised)
    table4 = {k: table4[k] for k in sorted(table4, key=_order(T4_KEYS))}
    return {
        "region": reg,
        "year": year,
        "n_reports": len(reports),
        "coverage": coverage[0] if coverage else None,
        "table3": table3,
        "table3_harmonised": harmonised,
        "table4": table4,
        "table2": table2,
        "metrics": metrics[0] if metrics else None,
        "yoy": yoy[0] if yoy else None,
        "reports": reports,
        "hard_failures": failures,
    }
