"""Run bookkeeping: the ``runs`` row every load and cross-year check writes under (opened, then its counts
added), and a pipeline run's outcome per organ-year (``run_outcomes``). Kept apart from the loader so
that each writer records its run the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, delete, update

from ogi.warehouse import models as m
from ogi.warehouse.rows import as_datetime, utcnow
from ogi.warehouse.write import chunks, upsert, with_reconnect

if TYPE_CHECKING:
    from ogi.warehouse.load import LoadResult, RunInfo

log = logging.getLogger(__name__)


def ensure_run(conn: Connection, run: RunInfo, kind: str) -> None:
    """The run's ``runs`` row, created with zero counts unless it exists (a run writes many batches)."""
    row = {
        "run_id": run.run_id,
        "kind": kind,
        "dag_id": run.dag_id,
        "logical_date": as_datetime(run.logical_date),
        "started_at": as_datetime(run.started_at) or utcnow(),
        "finished_at": None,
        "n_items": 0,
        "n_inserted": 0,
        "n_unchanged": 0,
        "n_superseded": 0,
        "n_quarantined": 0,
        "n_results": 0,
    }
    upsert(conn, m.Run.__table__, [row], ["run_id"])


def finish_run(conn: Connection, run_id: str, n_items: int, res: LoadResult) -> None:
    """Add one loaded batch's counts to its run's row (the last statement of the batch's transaction)."""
    t = m.Run.__table__
    conn.execute(
        update(t)
        .where(t.c.run_id == run_id)
        .values(
            finished_at=utcnow(),
            n_items=t.c.n_items + n_items,
            n_inserted=t.c.n_inserted + len(res.inserted),
            n_unchanged=t.c.n_unchanged + len(res.unchanged),
            n_superseded=t.c.n_superseded + len(res.superseded),
            n_quarantined=t.c.n_quarantined + len(res.quarantined),
            n_results=t.c.n_results + res.n_results,
        )
    )


def record_run_outcomes(engine: Engine, run_id: str, rows: Sequence[dict[str, Any]]) -> int:
    """Store a run's outcome per organ-year (``ogi.pipeline`` rows: organ_id, year, region, fetch,
    outcome, reason, url, sha256) in ``run_outcomes``; recording the same run again replaces its rows.

    One row per organ-year: when a run met several documents of one organ-year (all loaded as versions),
    the row is the last document's (the version the load makes current), and a row with a document wins
    over one without (a fetch failure in another registry's batch). Returns the number of rows stored."""
    now = utcnow()
    chosen: dict[tuple[str, int], dict[str, Any]] = {}
    for r in rows:
        k = (r["organ_id"], int(r["year"]))
        if k in chosen and chosen[k].get("sha256") and not r.get("sha256"):
            continue
        if k in chosen:
            log.info(
                "warehouse: run %s met %s/%s more than once; its outcome row is the last document's",
                run_id,
                *k,
            )
        chosen[k] = r
    values = [
        {
            "run_id": run_id,
            "organ_id": r["organ_id"],
            "year": int(r["year"]),
            "region_id": r.get("region"),
            "fetch_status": r.get("fetch"),
            "outcome": r["outcome"],
            "reason": r.get("reason"),
            "url": r.get("url"),
            "sha256": r.get("sha256"),
            "recorded_at": now,
        }
        for r in chosen.values()
    ]

    def work() -> None:
        with engine.begin() as conn:
            conn.execute(delete(m.RunOutcome).where(m.RunOutcome.run_id == run_id))
            for chunk in chunks(values):
                conn.execute(m.RunOutcome.__table__.insert(), list(chunk))

    with_reconnect(engine, work, what="run outcomes")
    return len(values)
