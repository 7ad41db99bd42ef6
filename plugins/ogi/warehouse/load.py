"""Loading the warehouse: the registry, batches of reports (one transaction each), cross-year checks.

Idempotence and versioning (natural key: organ-year + content sha256):

* a sha256 already stored for the organ-year with the same parser version and the same validation
  results changes nothing (``unchanged``);
* the same sha256 parsed by another parser version (or loaded earlier as quarantined) replaces that
  version's facts, sections and results in place (``reparsed``): the source did not change;
* a new sha256 makes version n+1. It becomes current and supersedes the old current version (kept,
  queryable, ``superseded_by`` set), except that a quarantined document never pushes out a
  parsed one (it is stored as a non-current version with its reason), and bytes that parsed once are
  never erased because a later parser refuses them.

Documents, not organ-years: an item is one document (``LoadItem.document_key``: organ-year + sha256)
and carries the rule results computed on that document; a batch may hold several documents of one
organ-year (all stored as versions in batch order, the last one current), and each version gets its
own results. ``LoadResult.documents`` says what happened to each document.

Concurrency: on PostgreSQL a batch locks its organs' rows (sorted, so two batches cannot deadlock)
before reading versions, and the constraints (unique organ-year-sha, organ-year-version, partial
unique current index) make duplicates impossible; a unique violation or deadlock retries the whole
batch. On SQLite ``BEGIN IMMEDIATE`` serialises writers.

Connection loss (PostgreSQL restarted, failed over, a dropped socket): the transaction is rolled back
by the server, so the whole batch is retried on a new connection, with backoff, for at most
``RECONNECT_SECONDS`` (``OGI_WAREHOUSE_RECONNECT_SECONDS``). Every write of this module is idempotent
(re-running it gives the identical warehouse), which is what makes that retry safe, even when the
connection dropped after the server committed.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, select, update
from sqlalchemy.exc import DBAPIError

from ogi.model import (
    NOT_EVALUABLE,
    ParsedReport,
    Report,
    RuleResult,
    document_key,
    report_key,
    split_report_key,
)
from ogi.templates import (
    MONEY,
    MONEY_WAN,
    ORGAN_TYPES,
    TEMPLATE_VERSIONS,
    UNIT_SUFFIX,
    expected_version,
    publication_deadline,
    t2_cells,
    t2_column,
)
from ogi.warehouse import models as m

log = logging.getLogger(__name__)

#: rule ids of cross-year rules: written by run_cross_year, left alone by load_batch
CROSS_YEAR_PREFIX = "X-"
_CHUNK = 5000
_RETRY_PGCODES = {"23505", "40P01", "40001"}  # unique violation, deadlock, serialization failure
_ATTEMPTS = 5
#: server-side codes of a lost connection: admin/crash shutdown, server starting or stopping (class 08:
#: connection exceptions, is matched by prefix)
_CONNECTION_PGCODES = {"57P01", "57P02", "57P03"}
#: default of OGI_WAREHOUSE_RECONNECT_SECONDS: how long a batch keeps retrying after losing its connection
RECONNECT_SECONDS = 60.0
_RECONNECT_FIRST_WAIT, _RECONNECT_MAX_WAIT = 0.25, 4.0


# ----------------------------------------------------------------------------- inputs and outputs


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    dag_id: str | None = None
    logical_date: dt.datetime | str | None = None
    started_at: dt.datetime | str | None = None


@dataclass
class LoadItem:
    organ_id: str
    year: int
    parsed: ParsedReport | None  # None: quarantined (see quarantine_reason)
    source_url: str | None
    sha256: str
    fetched_at: dt.datetime | str | None
    results: Sequence[RuleResult] = ()
    quarantine_reason: str | None = None
    organ_name: str | None = None  # used when the organ is not registered yet
    region_id: str | None = None  # idem

    @property
    def key(self) -> str:
        return report_key(self.organ_id, self.year)

    @property
    def document_key(self) -> str:
        """The document as loaded for its organ-year: what its rule results must have been computed on."""
        return document_key(self.organ_id, self.year, self.sha256)


@dataclass
class LoadResult:
    run_id: str
    inserted: list[str] = field(default_factory=list)  # report keys that got a new version
    superseded: list[str] = field(default_factory=list)  # keys whose previous current version was replaced
    reparsed: list[str] = field(default_factory=list)
    results_updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)
    report_ids: dict[str, int] = field(default_factory=dict)  # key -> id of the version just loaded
    #: document key -> {"report_id", "outcome"}: one entry per document of the batch (organ-year lists
    #: above repeat a key when a batch holds several documents of one organ-year)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    n_facts: int = 0
    n_results: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


# ----------------------------------------------------------------------------- helpers


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _as_datetime(v: dt.datetime | str | None) -> dt.datetime | None:
    if v is None or isinstance(v, dt.datetime):
        return v
    return dt.datetime.fromisoformat(str(v))


def _as_date(v: Any) -> dt.date | None:
    if v is None or isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v)[:10])
    except ValueError:
        return None


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _chunks(seq: Sequence, n: int = _CHUNK) -> Iterable[Sequence]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def _insert_stmt(conn: Connection, table):
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def _upsert(
    conn: Connection, table, rows: list[dict], keys: list[str], update_cols: Iterable[str] = ()
) -> None:
    if not rows:
        return
    stmt = _insert_stmt(conn, table)
    cols = list(update_cols)
    if cols:
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_={c: stmt.excluded[c] for c in cols})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=keys)
    conn.execute(stmt, rows)


def bulk_insert(
    conn: Connection,
    table,
    rows: list[dict] | list[tuple],
    cols: Sequence[str] | None = None,
    pg_types: Sequence[str] | None = None,
) -> None:
    """Insert many rows fast, in the caller's transaction: COPY on PostgreSQL (binary when the column
    types are given), a driver-level executemany elsewhere. ``rows`` are dicts, or tuples in ``cols`` order."""
    if not rows:
        return
    if cols is None:
        cols = list(rows[0])
        rows = [tuple(r[c] for c in cols) for r in rows]
    names = ", ".join(cols)
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        fmt = " (FORMAT BINARY)" if pg_types else ""
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({names}) FROM STDIN{fmt}") as cp:
            if pg_types:
                cp.set_types(list(pg_types))
            for r in rows:
                cp.write_row(r)
        return
    marks = ", ".join("?" for _ in cols)
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)


def _retryable(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return code in _RETRY_PGCODES


def _chain(exc: BaseException) -> Iterable[BaseException]:
    """The exception, what it wraps (``orig``), its cause and context: a lost connection may surface
    as the rollback's error, the raw driver's (COPY), or SQLAlchemy's wrapper of either."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [getattr(e, "orig", None), e.__cause__, e.__context__]


def connection_lost(exc: BaseException) -> bool:
    """True when ``exc`` means the PostgreSQL connection is gone (or could not be made), not that a
    statement failed: SQLAlchemy saw a disconnect, the server said it is shutting down or starting up
    (57P01-57P03) or sent a class 08 code, or libpq failed without a server code."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency; no driver, nothing to recognise
        psycopg = None
    for e in _chain(exc):
        if isinstance(e, DBAPIError) and e.connection_invalidated:
            return True
        if psycopg is not None and isinstance(e, psycopg.Error):
            code = e.sqlstate
            if code in _CONNECTION_PGCODES or (code or "").startswith("08"):
                return True
            if code is None and isinstance(e, psycopg.OperationalError):
                return True  # client side: refused, reset, "server closed the connection unexpectedly"
    return False


def reconnect_seconds() -> float:
    """``OGI_WAREHOUSE_RECONNECT_SECONDS`` (0 turns the retry off), else ``RECONNECT_SECONDS``."""
    raw = os.environ.get("OGI_WAREHOUSE_RECONNECT_SECONDS", "").strip()
    if not raw:
        return RECONNECT_SECONDS
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(
            f"OGI_WAREHOUSE_RECONNECT_SECONDS must be a number of seconds, not {raw!r}"
        ) from None
    if not 0 <= value <= 3600:
        raise ValueError(f"OGI_WAREHOUSE_RECONNECT_SECONDS must be between 0 and 3600, not {raw!r}")
    return value


def with_reconnect(engine: Engine, fn, *args, what: str = "batch"):
    """``fn(*args)``, run again from the start when the PostgreSQL connection is lost, for at most
    ``reconnect_seconds()`` (waits 0.25 s, 0.5 s, … 4 s between attempts). Only for idempotent work:
    the failed attempt's transaction was rolled back by the server, or committed whole."""
    if engine.dialect.name != "postgresql":
        return fn(*args)
    budget = reconnect_seconds()
    deadline = time.monotonic() + budget
    wait = _RECONNECT_FIRST_WAIT
    attempt = 1
    while True:
        try:
            return fn(*args)
        except Exception as exc:
            left = deadline - time.monotonic()
            if not connection_lost(exc) or left <= 0:
                if budget and connection_lost(exc):
                    log.error("warehouse: connection still lost after %.0f s; giving up the %s", budget, what)
                raise
            log.warning(
                "warehouse: connection lost during the %s (%s); retrying it whole (attempt %d, %.1f s left)",
                what, type(exc).__name__, attempt + 1, left,
            )  # fmt: skip
            engine.dispose()  # the pool's other connections died with the server's sessions
            time.sleep(min(wait, max(left, 0)))
            wait = min(wait * 2, _RECONNECT_MAX_WAIT)
            attempt += 1


def _transaction(engine: Engine, fn, *args, what: str = "batch"):
    """Run ``fn(conn, *args)`` in one write transaction; retry on PostgreSQL races (whole batch), and
    on a lost connection (``with_reconnect``)."""

    def once():
        for attempt in range(_ATTEMPTS):
            try:
                with engine.connect() as conn:
                    conn = conn.execution_options(ogi_begin="IMMEDIATE")  # SQLite: take the write lock now
                    with conn.begin():
                        return fn(conn, *args)
            except DBAPIError as exc:
                if engine.dialect.name != "postgresql" or not _retryable(exc) or attempt == _ATTEMPTS - 1:
                    raise
                log.info(
                    "warehouse: retrying batch after %s (attempt %d)",
                    exc.orig.__class__.__name__,
                    attempt + 1,
                )
                time.sleep(0.05 * 2**attempt)
        raise AssertionError("unreachable")

    return with_reconnect(engine, once, what=what)


def _ensure_run(conn: Connection, run: RunInfo, kind: str) -> None:
    row = {
        "run_id": run.run_id,
        "kind": kind,
        "dag_id": run.dag_id,
        "logical_date": _as_datetime(run.logical_date),
        "started_at": _as_datetime(run.started_at) or _utcnow(),
        "finished_at": None,
        "n_items": 0,
        "n_inserted": 0,
        "n_unchanged": 0,
        "n_superseded": 0,
        "n_quarantined": 0,
        "n_results": 0,
    }
    _upsert(conn, m.Run.__table__, [row], ["run_id"])


def record_run_outcomes(engine: Engine, run_id: str, rows: Sequence[dict[str, Any]]) -> int:
    """Store a run's outcome per organ-year (``ogi.pipeline`` rows: organ_id, year, region, fetch,
    outcome, reason, url, sha256) in ``run_outcomes``; recording the same run again replaces its rows.

    One row per organ-year: when a run met several documents of one organ-year (all loaded as versions),
    the row is the last document's (the version the load makes current), and a row with a document wins
    over one without (a fetch failure in another registry's batch). Returns the number of rows stored."""
    now = _utcnow()
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
            for chunk in _chunks(values):
                conn.execute(m.RunOutcome.__table__.insert(), list(chunk))

    with_reconnect(engine, work, what="run outcomes")
    return len(values)


# ----------------------------------------------------------------------------- registry


def sync_registry(engine: Engine, registry) -> dict[str, int]:
    """Upsert a registry's regions, organs and organ names (``ogi.fetch.registry.Registry`` or alike).

    Organs and regions are never deleted (ids are stable and reports point at them); a renamed organ
    keeps its former names in ``organ_names`` with their validity.
    """

    def work(conn: Connection) -> dict[str, int]:
        city = getattr(registry, "city_id", None)
        regions = [
            {"id": r.id, "name": r.name, "level": r.level, "parent_id": None, "city_id": city}
            for r in registry.regions
        ]
        _upsert(conn, m.Region.__table__, regions, ["id"], ["name", "level", "city_id"])
        parents = [{"rid": r.id, "parent": r.parent} for r in registry.regions]
        if parents:
            t = m.Region.__table__
            conn.execute(
                update(t).where(t.c.id == bindparam("rid")).values(parent_id=bindparam("parent")), parents
            )
        organs = []
        names = []
        for o in registry.organs:
            vf, vt = _as_date(getattr(o, "valid_from", None)), _as_date(getattr(o, "valid_to", None))
            organs.append(
                {
                    "id": o.id,
                    "name": o.name,
                    "type": o.type,
                    "region_id": o.region,
                    "merged_into": None,
                    "valid_from": vf,
                    "valid_to": vt,
                    "first_year": vf.year if vf else None,
                    "last_year": vt.year if vt else None,
                    "registered": True,
                }
            )
            names.append(
                {"organ_id": o.id, "name": o.name, "valid_from": vf, "valid_to": vt, "is_current": True}
            )
            for a in getattr(o, "aliases", ()) or ():
                aname = a if isinstance(a, str) else a.name
                if aname == o.name:
                    continue
                names.append(
                    {
                        "organ_id": o.id,
                        "name": aname,
                        "valid_from": _as_date(getattr(a, "valid_from", None)),
                        "valid_to": _as_date(getattr(a, "valid_to", None)),
                        "is_current": False,
                    }
                )
        cols = [
            "name",
            "type",
            "region_id",
            "valid_from",
            "valid_to",
            "first_year",
            "last_year",
            "registered",
        ]
        _upsert(conn, m.Organ.__table__, organs, ["id"], cols)
        merged = [{"oid": o.id, "into": o.merged_into} for o in registry.organs]
        if merged:
            t = m.Organ.__table__
            conn.execute(
                update(t).where(t.c.id == bindparam("oid")).values(merged_into=bindparam("into")), merged
            )
        nt = m.OrganName.__table__
        ids = [o["id"] for o in organs]
        for chunk in _chunks(ids):
            conn.execute(delete(nt).where(nt.c.organ_id.in_(chunk)))
        unique_names = list({(n["organ_id"], n["name"]): n for n in names}.values())
        if unique_names:
            conn.execute(nt.insert(), unique_names)
        return {"regions": len(regions), "organs": len(organs), "names": len(unique_names)}

    return _transaction(engine, work, what="registry sync")


# ----------------------------------------------------------------------------- rows of one report


FACT_COLS = (
    "report_id", "table_no", "row_key", "col_key", "value_num", "raw_text", "unit", "imputed", "read_as",
    "src_table", "src_row", "src_col", "page", "bbox_x0", "bbox_top", "bbox_x1", "bbox_bottom",
)  # fmt: skip
#: PostgreSQL types of FACT_COLS, for binary COPY (must match the 0001 schema)
FACT_PG_TYPES = ("int4", "int2", "varchar", "varchar", "float8", "text", "varchar", "bool", "varchar",
                 "int4", "int4", "int4", "int4", "float8", "float8", "float8", "float8")  # fmt: skip
_NO_BBOX = (None, None, None, None)


@functools.cache
def _t2_kinds(version: str) -> dict[tuple[str, str], str]:
    return {(r, c): col.kind for r, c, col in t2_cells(version)}


def _fact_rows(report_id: int, parsed: ParsedReport, imputed: set[str]) -> list[tuple]:
    """One tuple (in FACT_COLS order) per printed cell of the report, blanks included."""
    rep = parsed.report
    prov = parsed.provenance
    kinds = _t2_kinds(rep.template_version) if rep.template_version in TEMPLATE_VERSIONS else {}
    rows = []
    for ref, value in rep.cells():
        src = prov.get(ref)
        unit = src.unit if src else None
        if ref.table == 2:
            printed_unit = ((rep.table2 or {}).get(ref.row) or {}).get(ref.col + UNIT_SUFFIX)
            unit = printed_unit or unit or ("万元" if kinds.get((ref.row, ref.col)) == MONEY_WAN else None)
        num = float(value) if _is_num(value) else None
        if src is None:
            raw = None if value is None or num is not None else str(value)
            rows.append((report_id, ref.table, ref.row, ref.col, num, raw, unit, num is None and str(ref) in imputed,
                         None, None, None, None, None, None, None, None, None))  # fmt: skip
            continue
        bbox = src.bbox or _NO_BBOX
        rows.append(
            (report_id, ref.table, ref.row, ref.col, num, src.raw, unit, num is None and str(ref) in imputed,
             src.read_as, src.table_index, src.row, src.col, src.page, *bbox)
        )  # fmt: skip
    return rows


def _imputed_cells(results: Sequence[RuleResult]) -> set[str]:
    return {c for r in results if r.imputed_zero and r.status != NOT_EVALUABLE for c in r.cells}


def _result_rows(report_id: int, results: Sequence[RuleResult], run_id: str) -> list[dict]:
    rows: dict[tuple[str, str], dict] = {}
    for r in results:
        rows[(r.rule, r.where)] = {
            "report_id": report_id,
            "rule_id": r.rule,
            "severity": r.severity,
            "status": r.status,
            "where_": r.where,
            "lhs": float(r.lhs) if _is_num(r.lhs) else None,
            "rhs": float(r.rhs) if _is_num(r.rhs) else None,
            "cells": " ".join(r.cells) or None,
            "imputed_zero": bool(r.imputed_zero),
            "detail": r.detail or None,
            "run_id": run_id,
        }
    return list(rows.values())


_RESULT_CMP = ("rule_id", "severity", "status", "where_", "lhs", "rhs", "cells", "imputed_zero", "detail")


def _result_signature(rows: Iterable[dict]) -> set[tuple]:
    return {tuple(r[c] for c in _RESULT_CMP) for r in rows if not r["rule_id"].startswith(CROSS_YEAR_PREFIX)}


def _report_row(item: LoadItem, organ_type: str | None, run_id: str, now: dt.datetime) -> dict:
    from ogi.parse import PARSER_VERSION

    p = item.parsed
    rep = p.report if p else None
    deadline = publication_deadline(organ_type, item.year) if organ_type in ORGAN_TYPES else None
    extras = p.extras if p else {}
    status = p.status if p else m.QUARANTINED
    reason = item.quarantine_reason or ("unknown" if not p else None)
    if p and status == m.PARTIAL:
        reason = "; ".join(p.warnings) or None
    return {
        "sha256": item.sha256,
        "status": status,
        "status_reason": reason,
        "template_version": rep.template_version if rep else None,
        "template_version_detected": p.template_version_detected if p else None,
        "template_version_expected": (p.template_version_expected if p else None)
        or expected_version(item.year),
        "organ_name_printed": rep.organ if rep else None,
        "title": rep.title if rep else None,
        "published_on": _as_date(rep.published_on) if rep else None,
        "deadline": deadline,
        "source_url": item.source_url,
        "source_format": p.source_format if p else None,
        "fetched_at": _as_datetime(item.fetched_at),
        "parser_version": PARSER_VERSION,
        "t2_present": p.tables_present.get(2, rep.table2 is not None) if p else None,
        "t3_present": p.tables_present.get(3, bool(rep.table3)) if p else None,
        "t4_present": p.tables_present.get(4, bool(rep.table4)) if p else None,
        "parse_complete": p.complete if p else None,
        "parse_unaccounted": (
            len(p.completeness.get("unaccounted", [])) + len(p.completeness.get("double", []))
            if p and p.completeness
            else None
        ),
        "fee_notices_count": _num_or_none(extras.get("fee_notices_count")),
        "fee_notices_amount_yuan": _num_or_none(extras.get("fee_notices_amount_yuan")),
        "fee_collected_yuan": _num_or_none(extras.get("fee_collected_yuan")),
        "warnings": "\n".join(p.warnings) if p and p.warnings else None,
        "notes": rep.notes if rep else None,
        "run_id": run_id,
        "loaded_at": now,
    }


def _num_or_none(v: Any) -> float | None:
    return float(v) if _is_num(v) else None


# ----------------------------------------------------------------------------- load_batch


def load_batch(engine: Engine, items: Sequence[LoadItem], *, run: RunInfo) -> LoadResult:
    """Load ``items`` in ONE transaction (all or nothing); see the module doc for the semantics."""
    return _transaction(engine, _load, list(items), run, what="load")


def _ensure_organs(conn: Connection, items: list[LoadItem]) -> None:
    """Create organs (and their regions) that the registry does not know, as unregistered."""
    rt, ot = m.Region.__table__, m.Organ.__table__
    regions = sorted({it.region_id for it in items if it.region_id})
    if regions:
        _upsert(
            conn,
            rt,
            [{"id": r, "name": r, "level": None, "parent_id": None, "city_id": None} for r in regions],
            ["id"],
        )
    organs: dict[str, dict] = {}
    for it in sorted(items, key=lambda i: i.organ_id):
        name = it.organ_name or (it.parsed.report.organ if it.parsed else None) or it.organ_id
        organs.setdefault(
            it.organ_id,
            {
                "id": it.organ_id,
                "name": name,
                "type": None,
                "region_id": it.region_id,
                "merged_into": None,
                "valid_from": None,
                "valid_to": None,
                "first_year": None,
                "last_year": None,
                "registered": False,
            },
        )
    rows = list(organs.values())
    for chunk in _chunks(rows):
        _upsert(conn, ot, list(chunk), ["id"])


def _lock_organs(conn: Connection, organ_ids: list[str]) -> dict[str, str | None]:
    """Organ types by id; on PostgreSQL also row-locks them (sorted: no deadlock between batches)."""
    ot = m.Organ.__table__
    types: dict[str, str | None] = {}
    for chunk in _chunks(organ_ids):
        q = select(ot.c.id, ot.c.type).where(ot.c.id.in_(chunk)).order_by(ot.c.id)
        if conn.dialect.name == "postgresql":
            q = q.with_for_update()
        types.update({i: t for i, t in conn.execute(q)})
    return types


def _existing_versions(
    conn: Connection, organ_ids: list[str], years: set[int]
) -> dict[tuple[str, int], list]:
    rt = m.Report.__table__
    out: dict[tuple[str, int], list] = {}
    cols = (
        rt.c.id,
        rt.c.organ_id,
        rt.c.year,
        rt.c.version,
        rt.c.sha256,
        rt.c.is_current,
        rt.c.status,
        rt.c.parser_version,
    )
    for chunk in _chunks(organ_ids):
        for row in conn.execute(select(*cols).where(rt.c.organ_id.in_(chunk), rt.c.year.in_(sorted(years)))):
            out.setdefault((row.organ_id, row.year), []).append(row._asdict())
    return out


def _existing_results(conn: Connection, report_ids: list[int]) -> dict[int, list[dict]]:
    vt = m.ValidationResult.__table__
    out: dict[int, list[dict]] = {i: [] for i in report_ids}
    cols = [vt.c.report_id, *(vt.c[c] for c in _RESULT_CMP)]
    for chunk in _chunks(report_ids):
        for row in conn.execute(select(*cols).where(vt.c.report_id.in_(chunk))):
            out[row.report_id].append(row._asdict())
    return out


def _load(conn: Connection, items: list[LoadItem], run: RunInfo) -> LoadResult:
    now = _utcnow()
    res = LoadResult(run.run_id)
    _ensure_run(conn, run, "load")
    _ensure_organs(conn, items)
    organ_ids = sorted({it.organ_id for it in items})
    types = _lock_organs(conn, organ_ids)
    state = _existing_versions(conn, organ_ids, {it.year for it in items})

    from ogi.parse import PARSER_VERSION

    new_rows: list[tuple[LoadItem, dict]] = []  # (item, report row) to insert
    supersede: dict[int, int] = {}  # old current id -> index into new_rows
    supersede_new: list[tuple[int, int]] = []  # (index, index) of new rows: same batch, old -> new
    replace: list[tuple[LoadItem, int]] = []  # (item, existing id): content replaced in place
    check_results: list[tuple[LoadItem, int]] = []
    seen: set[tuple[str, int, str]] = set()
    version_of: dict[str, dict] = {}  # document key -> its version entry in ``state``
    for it in items:
        k = (it.organ_id, it.year)
        if (it.organ_id, it.year, it.sha256) in seen:  # the same document twice in one batch
            res.unchanged.append(it.key)
            continue
        seen.add((it.organ_id, it.year, it.sha256))
        versions = state.setdefault(k, [])
        same = next((v for v in versions if v["sha256"] == it.sha256), None)
        status = it.parsed.status if it.parsed else m.QUARANTINED
        if same is not None and same.get("id") is not None:
            res.report_ids[it.key] = same["id"]
            res.documents[it.document_key] = {"report_id": same["id"], "outcome": "unchanged"}
            res.documents[it.document_key]["supersedes"] = False
            version_of[it.document_key] = same
            if status == m.QUARANTINED and same["status"] != m.QUARANTINED:
                # bytes that parsed before do not parse now: keep the parsed content, never erase it
                log.warning("warehouse: %s %s no longer parses (%s); kept as loaded", it.key, it.sha256[:12],
                            it.quarantine_reason)  # fmt: skip
                res.unchanged.append(it.key)
            elif same["parser_version"] != PARSER_VERSION or same["status"] != status:
                replace.append((it, same["id"]))
            else:
                check_results.append((it, same["id"]))
            continue
        current = next((v for v in versions if v["is_current"]), None)
        becomes_current = not (
            status == m.QUARANTINED and current is not None and current["status"] != m.QUARANTINED
        )
        row = _report_row(it, types.get(it.organ_id), run.run_id, now)
        row |= {
            "organ_id": it.organ_id,
            "year": it.year,
            "version": max((v["version"] for v in versions), default=0) + 1,
            "is_current": becomes_current,
            "superseded_by": None,
        }
        entry = {
            "id": None,
            "sha256": it.sha256,
            "version": row["version"],
            "is_current": becomes_current,
            "status": status,
            "parser_version": PARSER_VERSION,
            "new_index": len(new_rows),
        }
        if becomes_current and current is not None:
            current["is_current"] = False
            if current.get("id") is not None:
                supersede[current["id"]] = len(new_rows)
                res.superseded.append(it.key)
            else:  # superseded a version added earlier in this batch: it never becomes current
                new_rows[current["new_index"]][1]["is_current"] = False
                supersede_new.append((current["new_index"], len(new_rows)))
        versions.append(entry)
        new_rows.append((it, row))
        res.inserted.append(it.key)
        res.documents[it.document_key] = {
            "report_id": None,
            "outcome": "inserted",
            # it replaced the organ-year's current version (stored, or loaded earlier in this batch)
            "supersedes": becomes_current and current is not None,
        }
        version_of[it.document_key] = entry
        if status == m.QUARANTINED:
            res.quarantined.append(it.key)
    for dkey, entry in version_of.items():  # after the whole batch: a later document may have replaced it
        res.documents[dkey]["current"] = bool(entry["is_current"])

    rt, ft, st, vt = (m.Report.__table__, m.Fact.__table__, m.Section.__table__, m.ValidationResult.__table__)
    # 1. old current versions step down first (the partial unique index is checked per statement)
    for chunk in _chunks(sorted(supersede)):
        conn.execute(update(rt).where(rt.c.id.in_(chunk)).values(is_current=False))
    # 2. new versions
    ids: list[int] = []
    if new_rows:
        stmt = rt.insert().returning(rt.c.id, sort_by_parameter_order=True)
        for chunk in _chunks([r for _, r in new_rows]):
            ids += [row.id for row in conn.execute(stmt, list(chunk))]
    for (it, row), rid in zip(new_rows, ids, strict=True):
        if row["is_current"] or it.key not in res.report_ids:
            res.report_ids[it.key] = rid
        res.documents[it.document_key]["report_id"] = rid
    links = [{"old": old, "new": ids[i]} for old, i in supersede.items()]
    links += [{"old": ids[a], "new": ids[b]} for a, b in supersede_new]
    if links:
        conn.execute(
            update(rt).where(rt.c.id == bindparam("old")).values(superseded_by=bindparam("new")), links
        )
    # 3. same document, new parser (or newly parsable): replace content in place
    if replace:
        rids = [rid for _, rid in replace]
        for chunk in _chunks(rids):
            for t in (ft, st, vt):
                conn.execute(delete(t).where(t.c.report_id.in_(chunk)))
        for it, rid in replace:
            row = _report_row(it, types.get(it.organ_id), run.run_id, now)
            conn.execute(update(rt).where(rt.c.id == rid).values(**row))
            res.reparsed.append(it.key)
            res.documents[it.document_key]["outcome"] = "reparsed"
    # 4. same document, same parser: only validation results may have changed
    existing = _existing_results(conn, [rid for _, rid in check_results])
    for it, rid in check_results:
        rows = _result_rows(rid, it.results, run.run_id)
        if _result_signature(rows) == _result_signature(existing[rid]):
            res.unchanged.append(it.key)
            continue
        conn.execute(delete(vt).where(vt.c.report_id == rid, ~vt.c.rule_id.startswith(CROSS_YEAR_PREFIX)))
        bulk_insert(conn, vt, rows)
        conn.execute(update(ft).where(ft.c.report_id == rid).values(imputed=False))
        imputed = _imputed_cells(it.results)
        if imputed:
            conn.execute(
                update(ft)
                .where(ft.c.report_id == rid, ft.c.value_num.is_(None))
                .where(
                    ft.c.table_no == bindparam("t"),
                    ft.c.row_key == bindparam("r"),
                    ft.c.col_key == bindparam("c"),
                )
                .values(imputed=True),
                [
                    {"t": int(c.split(".")[0][1:]), "r": c.split(".")[1], "c": c.split(".")[2]}
                    for c in imputed
                    if c.count(".") == 2 and c[1:2].isdigit()
                ],
            )
        res.results_updated.append(it.key)
        res.documents[it.document_key]["outcome"] = "results_updated"
        res.n_results += len(rows)
    # 5. content rows of new and replaced versions
    facts: list[dict] = []
    sections: list[dict] = []
    results: list[dict] = []
    for it, rid in [(it, rid) for (it, _), rid in zip(new_rows, ids, strict=True)] + replace:
        results += _result_rows(rid, it.results, run.run_id)
        if it.parsed is None:
            continue
        facts += _fact_rows(rid, it.parsed, _imputed_cells(it.results))
        sections += [(rid, k, v) for k, v in it.parsed.sections.items() if v]
    bulk_insert(conn, ft, facts, FACT_COLS, FACT_PG_TYPES)
    bulk_insert(conn, st, sections, ("report_id", "section_key", "body"))
    bulk_insert(conn, vt, results)
    res.n_facts = len(facts)
    res.n_results += len(results)
    _finish_run(conn, run.run_id, len(items), res)
    return res


def _finish_run(conn: Connection, run_id: str, n_items: int, res: LoadResult) -> None:
    t = m.Run.__table__
    conn.execute(
        update(t)
        .where(t.c.run_id == run_id)
        .values(
            finished_at=_utcnow(),
            n_items=t.c.n_items + n_items,
            n_inserted=t.c.n_inserted + len(res.inserted),
            n_unchanged=t.c.n_unchanged + len(res.unchanged),
            n_superseded=t.c.n_superseded + len(res.superseded),
            n_quarantined=t.c.n_quarantined + len(res.quarantined),
            n_results=t.c.n_results + res.n_results,
        )
    )


# ----------------------------------------------------------------------------- dry runs


def would_change(engine: Engine, docs: Iterable[tuple[str, int, str | None, str]]) -> list[str]:
    """What loading ``docs`` (organ id, year, sha256 of a parsed document or None, the outcome when
    there is nothing to load) would do, compared with the warehouse's current report versions."""
    lines = []
    with engine.connect() as c:
        for organ_id, year, new, outcome in docs:
            cur = c.execute(
                select(m.Report.sha256, m.Report.status).where(
                    m.Report.organ_id == organ_id, m.Report.year == year, m.Report.is_current
                )
            ).first()
            who = report_key(organ_id, year)
            if new is None:
                lines.append(f"{who}: nothing to load ({outcome})")
            elif cur is None:
                lines.append(f"{who}: new report {new[:12]}")
            elif cur.sha256 != new:
                lines.append(f"{who}: new version {new[:12]} supersedes {cur.sha256[:12]}")
            else:
                lines.append(f"{who}: unchanged")
    return lines


# ----------------------------------------------------------------------------- reading reports back


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
    for chunk in _chunks(organs):
        q = select(rt).where(rt.c.organ_id.in_(chunk), rt.c.is_current, rt.c.status != m.QUARANTINED)
        for row in conn.execute(q):
            if (row.organ_id, row.year) in wanted:
                metas[row.id] = row._asdict()
    facts: dict[int, list[dict]] = {i: [] for i in metas}
    for chunk in _chunks(sorted(metas)):
        for f in conn.execute(select(ft).where(ft.c.report_id.in_(chunk))):
            facts[f.report_id].append(f._asdict())
    for rid, meta in metas.items():
        out[(meta["organ_id"], meta["year"])] = (rid, report_from_rows(meta, facts[rid]))
    return out


# ----------------------------------------------------------------------------- cross-year


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
        _ensure_run(conn, run, "cross_year")
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
        for chunk in _chunks(sorted(evaluated)):
            conn.execute(
                delete(vt).where(vt.c.report_id.in_(chunk), vt.c.rule_id.startswith(CROSS_YEAR_PREFIX))
            )
        rows: list[dict] = []
        by_report: dict[str, list[RuleResult]] = {}
        for r in results:
            by_report.setdefault(r.report, []).append(r)
        for key, rs in by_report.items():
            rows += _result_rows(ids[key], rs, run.run_id)
        bulk_insert(conn, vt, rows)
        t = m.Run.__table__
        conn.execute(
            update(t)
            .where(t.c.run_id == run.run_id)
            .values(finished_at=_utcnow(), n_items=len(pairs), n_results=t.c.n_results + len(rows))
        )
        return results

    return _transaction(engine, work, what="cross-year check")
