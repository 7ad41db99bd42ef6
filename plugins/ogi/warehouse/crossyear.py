"""Cross-year rules in the warehouse: X-1..X-3 evaluated on the stored current reports of consecutive
years, after a load, and their results stored beside the single-year ones.

Apart from the loader because it reads reports back from the warehouse (``current_reports``: the facts
rebuilt as canonical ``Report`` objects) rather than from the batch, and runs as its own transaction
(the DAG's cross_year task) once the run's loads have committed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, delete, select, update

from ogi.model import Report, RuleResult, report_key, split_report_key
from ogi.templates import MONEY, MONEY_WAN, UNIT_SUFFIX, t2_column
from ogi.warehouse import models as m
from ogi.warehouse.rows import CROSS_YEAR_PREFIX, result_rows, utcnow
from ogi.warehouse.runs import ensure_run
from ogi.warehouse.write import bulk_insert, chunks, transaction

if TYPE_CHECKING:
    from ogi.warehouse.load import RunInfo


def report_from_rows(meta: dict, facts: Iterable[dict]) -> Report:
    """Rebuild the canonical ``Report`` of one stored version from its facts (for cross-year checks)."""
    t2: dict[str, dict[str, Any]] = {}
    t3: dict[str, dict[str, Any]] = {}
    t4: dict[str, Any] = {}
    version = meta["template_version"]
    for f in facts:
        v = f["value_num"]
        col = t2_column(version, f["row_key"], f["col_key"]) if f["table_no"] == 2 else None
        money = col is not None and col.kind in (MONEY, MONEY_WAN)
        if v is not None and not money and float(v).is_integer():
            v = int(v)
        if f["table_no"] == 3:
            t3.setdefault(f["row_key"], {})[f["col_key"]] = v
        elif f["table_no"] == 4:
            t4[f["row_key"]] = v
        else:
            row = t2.setdefault(f["row_key"], {})
            row[f["col_key"]] = v
            if col is not None and col.kind == MONEY and f["unit"]:
                row[f["col_key"] + UNIT_SUFFIX] = f["unit"]
    published = meta.get("published_on")
    return Report(
        template_version=version,
        year=meta["year"],
        organ=meta.get("organ_name_printed") or meta["organ_id"],
        table3=t3,
        table4=t4,
        table2=t2 or None,
        title=meta.get("title"),
        published_on=str(published) if published else None,
        notes=meta.get("notes"),
    )


def current_reports(
    conn: Connection, keys: Iterable[tuple[str, int]]
) -> dict[tuple[str, int], tuple[int, Report]]:
    """(organ_id, year) -> (report id, Report) of the current parsed/partial version, where one exists."""
    rt, ft = m.Report.__table__, m.Fact.__table__
    wanted = set(keys)
    out: dict[tuple[str, int], tuple[int, Report]] = {}
    organs = sorted({o for o, _ in wanted})
    metas: dict[int, dict] = {}
    for chunk in chunks(organs):
        q = select(rt).where(rt.c.organ_id.in_(chunk), rt.c.is_current, rt.c.status != m.QUARANTINED)
        for row in conn.execute(q):
            if (row.organ_id, row.year) in wanted:
                metas[row.id] = row._asdict()
    facts: dict[int, list[dict]] = {i: [] for i in metas}
    for chunk in chunks(sorted(metas)):
        for f in conn.execute(select(ft).where(ft.c.report_id.in_(chunk))):
            facts[f.report_id].append(f._asdict())
    for rid, meta in metas.items():
        out[(meta["organ_id"], meta["year"])] = (rid, report_from_rows(meta, facts[rid]))
    return out


def run_cross_year(engine: Engine, report_keys: Iterable[str], *, run: RunInfo) -> list[RuleResult]:
    """Evaluate X-1..X-3 for each key's current report against the same organ's year Y−1, and for the
    year Y+1 report against the key's (its predecessor may just have changed). Stores the results
    (replacing earlier cross-year results of those reports) and returns them.
    """
    from ogi.validate.crossyear import cross_year_results

    targets = set()
    for key in report_keys:
        organ, year = split_report_key(key)
        targets |= {(organ, year), (organ, year + 1)}

    def work(conn: Connection) -> list[RuleResult]:
        ensure_run(conn, run, "cross_year")
        needed = targets | {(o, y - 1) for o, y in targets}
        reports = current_reports(conn, needed)
        pairs = []
        ids: dict[str, int] = {}
        for organ, year in sorted(targets):
            if (organ, year) in reports and (organ, year - 1) in reports:
                rid, cur = reports[(organ, year)]
                _, prev = reports[(organ, year - 1)]
                key = report_key(organ, year)
                ids[key] = rid
                pairs.append((key, cur, prev))
        results = cross_year_results(pairs)
        vt = m.ValidationResult.__table__
        evaluated = [rid for o, y in targets if (o, y) in reports for rid in [reports[(o, y)][0]]]
        for chunk in chunks(sorted(evaluated)):
            conn.execute(
                delete(vt).where(vt.c.report_id.in_(chunk), vt.c.rule_id.startswith(CROSS_YEAR_PREFIX))
            )
        rows: list[dict] = []
        by_report: dict[str, list[RuleResult]] = {}
        for r in results:
            by_report.setdefault(r.report, []).append(r)
        for key, rs in by_report.items():
            rows += result_rows(ids[key], rs, run.run_id)
        bulk_insert(conn, vt, rows)
        t = m.Run.__table__
        conn.execute(
            update(t)
            .where(t.c.run_id == run.run_id)
            .values(finished_at=utcnow(), n_items=len(pairs), n_results=t.c.n_results + len(rows))
        )
        return results

    return transaction(engine, work, what="cross-year check")
