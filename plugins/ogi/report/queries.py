"""Everything one page shows, read from the warehouse: the municipal summary
(``ogi.warehouse.summary.municipal_summary``) and the views of include/sql (``v_coverage``,
``v_report_compliance``, ``v_region_t3_harmonised``, ``v_metrics``, ``v_metrics_yoy``,
``v_metric_params``, ``v_hard_failures``), plus the facts and report rows the drill-down needs.

No metric is computed here: rates, their denominators, minimum-N flags and the v2019/v2021
harmonisation come from the views. What this module adds is grouping of view rows (per organ type,
per outcome family) and the provenance of each number.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, text

from ogi.warehouse.summary import _clean, find_region, municipal_summary


def _rows(conn: Connection, sql: str, **params) -> list[dict[str, Any]]:
    stmt = text(sql)
    for k, v in params.items():
        if isinstance(v, (list, tuple)):
            stmt = stmt.bindparams(bindparam(k, expanding=True))
    return [{k: _clean(v) for k, v in r._asdict().items()} for r in conn.execute(stmt, params)]


def _date(v: Any) -> dt.date | None:
    if v is None or isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v)[:10])


#: current reports of a region (all years) with what the drill-down shows about each
_REPORTS = """
SELECT cr.report_id, cr.organ_id, cr.organ_name, cr.organ_type, cr.region_id, cr.year, cr.version,
       cr.template_version, cr.status, cr.status_reason, cr.title, cr.published_on, cr.deadline,
       cr.source_url, cr.sha256, cr.parser_version, r.organ_name_printed, r.source_format, rc.on_time,
       rc.n_hard_failed, rc.passes_hard_rules
FROM v_current_reports cr
JOIN v_region_organs ro ON ro.organ_id = cr.organ_id
JOIN reports r ON r.id = cr.report_id
LEFT JOIN v_report_compliance rc ON rc.report_id = cr.report_id
WHERE ro.region_id = :r
ORDER BY cr.year, cr.organ_id
"""

#: the printed cells the page refers to: tables 三 and 四 of the year, and the 总计 column of table 三
#: and all of table 四 in the other years (trends)
_FACTS = """
SELECT f.report_id, f.table_no, f.row_key, f.col_key, f.value_num, f.raw_text, f.read_as, f.src_table,
       f.src_row, f.src_col, f.page, f.bbox_x0, f.bbox_top, f.bbox_x1, f.bbox_bottom
FROM v_current_reports cr
JOIN v_region_organs ro ON ro.organ_id = cr.organ_id
JOIN facts f ON f.report_id = cr.report_id
WHERE ro.region_id = :r AND f.table_no IN (3, 4) AND (cr.year = :y OR f.table_no = 4 OR f.col_key = 'total')
"""

_FACTS_OF = """
SELECT report_id, table_no, row_key, col_key, value_num, raw_text, read_as, src_table, src_row, src_col,
       page, bbox_x0, bbox_top, bbox_x1, bbox_bottom
FROM facts WHERE report_id IN :ids AND table_no = 2
"""

#: registered organs expected to publish in the year (the same set as v_coverage's ``expected``)
_EXPECTED = """
SELECT o.id AS organ_id, o.name AS organ_name, o.type AS organ_type, o.region_id
FROM organs o
JOIN v_region_organs ro ON ro.organ_id = o.id
WHERE ro.region_id = :r AND o.registered
  AND (o.first_year IS NULL OR o.first_year <= :y) AND (o.last_year IS NULL OR o.last_year >= :y)
ORDER BY o.id
"""

_OUTCOMES = """
SELECT organ_id, fetch_status, outcome, reason, url, recorded_at FROM run_outcomes
WHERE year = :y AND organ_id IN :ids ORDER BY recorded_at
"""

_ORGAN_METRICS = """
SELECT m.*, cr.report_id, cr.organ_name, cr.organ_type, cr.template_version
FROM v_metrics m
JOIN v_current_reports cr ON cr.organ_id = m.scope_id AND cr.year = m.year
WHERE m.scope = 'organ' AND m.year = :y
  AND m.scope_id IN (SELECT organ_id FROM v_region_organs WHERE region_id = :r)
ORDER BY m.scope_id
"""

_FAILURES = """
SELECT hf.report_id, hf.organ_id, hf.organ_name, hf.year, hf.source_url, hf.rule_id, hf.where_, hf.lhs,
       hf.rhs, hf.cells, hf.imputed_zero, hf.detail, cr.template_version
FROM v_hard_failures hf
JOIN v_current_reports cr ON cr.report_id = hf.report_id
WHERE hf.year = :y AND hf.organ_id IN (SELECT organ_id FROM v_region_organs WHERE region_id = :r)
ORDER BY hf.organ_name, hf.organ_id, hf.rule_id, hf.where_
"""


def collect(engine: Engine, region: str, year: int) -> dict[str, Any]:
    """The rows of one page (region id or name, statistics year)."""
    summary = municipal_summary(engine, region, year)
    rid = summary["region"]["id"]
    p = {"r": rid, "y": year}
    with engine.connect() as conn:
        reg = find_region(conn, rid)
        parent = (
            _rows(conn, "SELECT id, name, level FROM regions WHERE id = :p", p=reg["parent_id"])
            if reg["parent_id"]
            else []
        )
        children = _rows(conn, "SELECT id, name, level FROM regions WHERE parent_id = :r ORDER BY id", **p)
        child_organs: dict[str, list[str]] = defaultdict(list)
        for row in _rows(
            conn,
            "SELECT region_id, organ_id FROM v_region_organs"
            " WHERE region_id IN (SELECT id FROM regions WHERE parent_id = :r) ORDER BY organ_id",
            **p,
        ):
            child_organs[row["region_id"]].append(row["organ_id"])
        reports = _rows(conn, _REPORTS, **p)
        facts = {
            (f["report_id"], f["table_no"], f["row_key"], f["col_key"]): f for f in _rows(conn, _FACTS, **p)
        }
        expected = _rows(conn, _EXPECTED, **p)
        outcomes: dict[str, dict[str, Any]] = {}
        if expected:
            for o in _rows(conn, _OUTCOMES, y=year, ids=[e["organ_id"] for e in expected]):
                outcomes[o["organ_id"]] = o  # ordered by time: the latest wins
        params = _rows(conn, "SELECT * FROM v_metric_params")[0]
        region_metrics = _rows(conn, "SELECT * FROM v_metrics WHERE scope = 'region' AND scope_id = :r", **p)
        region_yoy = _rows(conn, "SELECT * FROM v_metrics_yoy WHERE scope = 'region' AND scope_id = :r", **p)
        t3_years = _rows(
            conn, "SELECT * FROM v_region_t3_harmonised WHERE region_id = :r AND col_key = 'total'", **p
        )
        organ_metrics = _rows(conn, _ORGAN_METRICS, **p)
        failures = _rows(conn, _FAILURES, **p)
        failing = sorted({f["report_id"] for f in failures})
        if failing:
            for f in _rows(conn, _FACTS_OF, ids=failing):
                facts[(f["report_id"], f["table_no"], f["row_key"], f["col_key"])] = f
    for r in reports:
        r["published_on"], r["deadline"] = _date(r["published_on"]), _date(r["deadline"])
    years = sorted({r["year"] for r in reports} | {year})
    trend_t3: dict[int, dict[str, Any]] = defaultdict(dict)
    derived_years = set()
    for row in t3_years:
        trend_t3[row["year"]][row["row_key"]] = row["value_sum"]
        if row.get("includes_derived"):
            derived_years.add(row["year"])
    return {
        "region": reg,
        "parent": parent[0] if parent else None,
        "children": [{**c, "organs": child_organs.get(c["id"], [])} for c in children],
        "year": year,
        "years": years,
        "summary": summary,
        "reports": reports,
        "facts": facts,
        "expected": expected,
        "outcomes": outcomes,
        "min_n": {"applications": params["min_n_applications"], "cases": params["min_n_cases"]},
        "region_metrics": {m["year"]: m for m in region_metrics},
        "region_yoy": {m["year"]: m for m in region_yoy},
        "trend_t3": dict(trend_t3),
        "derived_years": derived_years,
        "organ_metrics": organ_metrics,
        "failures": failures,
    }


def collect_children(engine: Engine, region: str) -> tuple[str, list[str]]:
    """(region id, ids of the regions directly below it) for a region id or name."""
    with engine.connect() as conn:
        reg = find_region(conn, region)
        kids = [
            r["id"]
            for r in _rows(conn, "SELECT id FROM regions WHERE parent_id = :r ORDER BY id", r=reg["id"])
        ]
    return reg["id"], kids


def region_years(engine: Engine, region: str) -> list[int]:
    """Years with a current report of an organ of the region (or below it)."""
    with engine.connect() as conn:
        rows = _rows(
            conn,
            "SELECT DISTINCT cr.year FROM v_current_reports cr JOIN v_region_organs ro ON ro.organ_id = cr.organ_id"
            " WHERE ro.region_id = :r ORDER BY cr.year",
            r=region,
        )
    return [r["year"] for r in rows]
