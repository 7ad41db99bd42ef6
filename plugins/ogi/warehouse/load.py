"""Loading the warehouse: batches of documents, one transaction each (``load_batch``).

Idempotence and versioning (natural key: organ-year + content sha256; the rules themselves are
``ogi.warehouse.versions``, which this module applies):

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

Connection loss: the whole batch is retried on a new connection (``ogi.warehouse.write``); every write
of this module is idempotent (re-running it gives the identical warehouse), which makes that safe.

Elsewhere: the registry (``ogi.warehouse.registry_sync``), cross-year rules (``ogi.warehouse.crossyear``),
run bookkeeping (``ogi.warehouse.runs``), the rows of one report (``ogi.warehouse.rows``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, select, update

from ogi.model import ParsedReport, RuleResult, document_key, report_key
from ogi.templates import CellRef
from ogi.warehouse import models as m
from ogi.warehouse.rows import (
    CROSS_YEAR_PREFIX,
    FACT_COLS,
    FACT_PG_TYPES,
    RESULT_CMP,
    fact_rows,
    imputed_cells,
    report_row,
    result_rows,
    result_signature,
    utcnow,
)
from ogi.warehouse.runs import ensure_run, finish_run
from ogi.warehouse.versions import DUPLICATE, INSERT, KEEP, REPARSE, Incoming, Stored, plan_versions
from ogi.warehouse.write import bulk_insert, chunks, transaction, upsert

log = logging.getLogger(__name__)


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


# ----------------------------------------------------------------------------- load_batch


def load_batch(engine: Engine, items: Sequence[LoadItem], *, run: RunInfo) -> LoadResult:
    """Load ``items`` in ONE transaction (all or nothing); see the module doc for the semantics."""
    return transaction(engine, _load, list(items), run, what="load")


def _ensure_organs(conn: Connection, items: list[LoadItem]) -> None:
    """Create organs (and their regions) that the registry does not know, as unregistered."""
    rt, ot = m.Region.__table__, m.Organ.__table__
    regions = sorted({it.region_id for it in items if it.region_id})
    if regions:
        upsert(
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
    for chunk in chunks(rows):
        upsert(conn, ot, list(chunk), ["id"])


def _lock_organs(conn: Connection, organ_ids: list[str]) -> dict[str, str | None]:
    """Organ types by id; on PostgreSQL also row-locks them (sorted: no deadlock between batches)."""
    ot = m.Organ.__table__
    types: dict[str, str | None] = {}
    for chunk in chunks(organ_ids):
        q = select(ot.c.id, ot.c.type).where(ot.c.id.in_(chunk)).order_by(ot.c.id)
        if conn.dialect.name == "postgresql":
            q = q.with_for_update()
        types.update({i: t for i, t in conn.execute(q)})
    return types


def _stored_versions(conn: Connection, organ_ids: list[str], years: set[int]) -> list[Stored]:
    """The stored versions of the organs' years (a superset of the batch's organ-years)."""
    rt = m.Report.__table__
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
    out: list[Stored] = []
    for chunk in chunks(organ_ids):
        for row in conn.execute(select(*cols).where(rt.c.organ_id.in_(chunk), rt.c.year.in_(sorted(years)))):
            out.append(Stored(**row._asdict()))
    return out


def _existing_results(conn: Connection, report_ids: list[int]) -> dict[int, list[dict]]:
    vt = m.ValidationResult.__table__
    out: dict[int, list[dict]] = {i: [] for i in report_ids}
    cols = [vt.c.report_id, *(vt.c[c] for c in RESULT_CMP)]
    for chunk in chunks(report_ids):
        for row in conn.execute(select(*cols).where(vt.c.report_id.in_(chunk))):
            out[row.report_id].append(row._asdict())
    return out


def _load(conn: Connection, items: list[LoadItem], run: RunInfo) -> LoadResult:
    from ogi.parse import PARSER_VERSION

    now = utcnow()
    res = LoadResult(run.run_id)
    ensure_run(conn, run, "load")
    _ensure_organs(conn, items)
    organ_ids = sorted({it.organ_id for it in items})
    types = _lock_organs(conn, organ_ids)
    stored = _stored_versions(conn, organ_ids, {it.year for it in items})
    statuses = [it.parsed.status if it.parsed else m.QUARANTINED for it in items]
    docs = [Incoming(it.organ_id, it.year, it.sha256, s) for it, s in zip(items, statuses, strict=True)]
    plan = plan_versions(docs, stored, PARSER_VERSION)

    new_rows: list[tuple[LoadItem, dict]] = []  # (item, report row) to insert
    row_of: dict[int, int] = {}  # position in the batch -> index into new_rows
    supersede: dict[int, int] = {}  # old current id -> index into new_rows
    supersede_new: list[tuple[int, int]] = []  # (index, index) of new rows: same batch, old -> new
    replace: list[tuple[LoadItem, int]] = []  # (item, existing id): content replaced in place
    check_results: list[tuple[LoadItem, int]] = []
    for pos, (it, d, status) in enumerate(zip(items, plan, statuses, strict=True)):
        if d.action == DUPLICATE:  # the same document twice in one batch
            res.unchanged.append(it.key)
            continue
        if d.action != INSERT:  # bytes already stored
            res.report_ids[it.key] = d.report_id
            res.documents[it.document_key] = {
                "report_id": d.report_id,
                "outcome": "unchanged",
                "supersedes": False,
            }
            if d.action == KEEP:
                log.warning("warehouse: %s %s no longer parses (%s); kept as loaded", it.key, it.sha256[:12],
                            it.quarantine_reason)  # fmt: skip
                res.unchanged.append(it.key)
            elif d.action == REPARSE:
                replace.append((it, d.report_id))
            else:
                check_results.append((it, d.report_id))
            continue
        row = report_row(it, types.get(it.organ_id), run.run_id, now)
        row |= {
            "organ_id": it.organ_id,
            "year": it.year,
            "version": d.version,
            "is_current": d.is_current,
            "superseded_by": None,
        }
        if d.supersedes_id is not None:
            supersede[d.supersedes_id] = len(new_rows)
            res.superseded.append(it.key)
        elif d.supersedes:  # superseded a version added earlier in this batch: it never becomes current
            supersede_new.append((row_of[d.supersedes_index], len(new_rows)))
        row_of[pos] = len(new_rows)
        new_rows.append((it, row))
        res.inserted.append(it.key)
        res.documents[it.document_key] = {
            "report_id": None,
            "outcome": "inserted",
            # it replaced the organ-year's current version (stored, or loaded earlier in this batch)
            "supersedes": d.supersedes,
        }
        if status == m.QUARANTINED:
            res.quarantined.append(it.key)
    for it, d in zip(items, plan, strict=True):  # after the whole batch: a later document may replace it
        if d.action != DUPLICATE:
            res.documents[it.document_key]["current"] = bool(d.is_current)

    rt, ft, st, vt = (m.Report.__table__, m.Fact.__table__, m.Section.__table__, m.ValidationResult.__table__)
    # 1. old current versions step down first (the partial unique index is checked per statement)
    for chunk in chunks(sorted(supersede)):
        conn.execute(update(rt).where(rt.c.id.in_(chunk)).values(is_current=False))
    # 2. new versions
    ids: list[int] = []
    if new_rows:
        stmt = rt.insert().returning(rt.c.id, sort_by_parameter_order=True)
        for chunk in chunks([r for _, r in new_rows]):
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
        for chunk in chunks(rids):
            for t in (ft, st, vt):
                conn.execute(delete(t).where(t.c.report_id.in_(chunk)))
        for it, rid in replace:
            row = report_row(it, types.get(it.organ_id), run.run_id, now)
            conn.execute(update(rt).where(rt.c.id == rid).values(**row))
            res.reparsed.append(it.key)
            res.documents[it.document_key]["outcome"] = "reparsed"
    # 4. same document, same parser: only validation results may have changed
    existing = _existing_results(conn, [rid for _, rid in check_results])
    for it, rid in check_results:
        rows = result_rows(rid, it.results, run.run_id)
        if result_signature(rows) == result_signature(existing[rid]):
            res.unchanged.append(it.key)
            continue
        conn.execute(delete(vt).where(vt.c.report_id == rid, ~vt.c.rule_id.startswith(CROSS_YEAR_PREFIX)))
        bulk_insert(conn, vt, rows)
        conn.execute(update(ft).where(ft.c.report_id == rid).values(imputed=False))
        imputed = imputed_cells(it.results)
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
                    {"t": ref.table, "r": ref.row, "c": ref.col}
                    for ref in (CellRef.parse(c) for c in imputed if c.count(".") == 2 and c[1:2].isdigit())
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
        results += result_rows(rid, it.results, run.run_id)
        if it.parsed is None:
            continue
        facts += fact_rows(rid, it.parsed, imputed_cells(it.results))
        sections += [(rid, k, v) for k, v in it.parsed.sections.items() if v]
    bulk_insert(conn, ft, facts, FACT_COLS, FACT_PG_TYPES)
    bulk_insert(conn, st, sections, ("report_id", "section_key", "body"))
    bulk_insert(conn, vt, results)
    res.n_facts = len(facts)
    res.n_results += len(results)
    finish_run(conn, run.run_id, len(items), res)
    return res


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
