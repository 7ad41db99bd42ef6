"""load_batch semantics on SQLite and PostgreSQL: idempotent re-loads, versions, all-or-nothing
batches, concurrent loaders (PostgreSQL), cross-year results, coverage and timeliness."""

from __future__ import annotations

import copy
import threading

import pytest
import sqlalchemy as sa
from whkit import (
    gen_registry,
    generated_reports,
    item_of,
    load_everything,
    migrated_engine,
    registry,
    replace,
    snapshot,
    truth_reports,
)

from ogi.model import FAILED, RuleResult
from ogi.warehouse import load as wl
from ogi.warehouse.crossyear import run_cross_year
from ogi.warehouse.db import get_engine, upgrade
from ogi.warehouse.load import RunInfo, load_batch
from ogi.warehouse.registry_sync import sync_registry


@pytest.fixture
def engine(db_url):
    yield from migrated_engine(db_url)


def _one(engine, sql: str, **params):
    with engine.connect() as c:
        return c.execute(sa.text(sql), params).fetchall()


def test_reload_changes_nothing(engine):
    reports, _ = load_everything(engine, n_gen=4)
    before = snapshot(engine)
    items = [item_of(o, d) for o, d in reports]
    res = load_batch(engine, items, run=RunInfo("run-again"))
    assert (
        res.inserted == [] and res.superseded == [] and sorted(res.unchanged) == sorted(i.key for i in items)
    )
    assert snapshot(engine) == before
    # the same document twice inside one batch counts once
    res = load_batch(engine, items[:1] * 2, run=RunInfo("run-dup"))
    assert res.inserted == [] and snapshot(engine) == before


def test_new_source_supersedes_and_old_version_stays_queryable(engine):
    organ, _, _, truth = truth_reports()[0]
    sync_registry(engine, registry())
    first = item_of(organ, truth)
    load_batch(engine, [first], run=RunInfo("v1"))
    changed = copy.deepcopy(truth)
    changed["table3"]["granted"]["total"] = (changed["table3"]["granted"]["total"] or 0) + 100
    second = item_of(organ, changed, salt="corrected")
    res = load_batch(engine, [second], run=RunInfo("v2"))
    assert res.inserted == [second.key] and res.superseded == [second.key]
    rows = _one(
        engine,
        "SELECT id, version, is_current, superseded_by, sha256 FROM reports WHERE organ_id = :o",
        o=organ,
    )
    by_version = {r.version: r for r in rows}
    assert set(by_version) == {1, 2}
    assert not by_version[1].is_current and by_version[1].superseded_by == by_version[2].id
    assert by_version[2].is_current and by_version[2].superseded_by is None
    old = _one(
        engine,
        "SELECT value_num FROM facts WHERE report_id = :r AND table_no = 3 AND row_key = 'granted'"
        " AND col_key = 'total'",
        r=by_version[1].id,
    )
    assert old[0][0] == truth["table3"]["granted"]["total"]
    cur = _one(engine, "SELECT total FROM v_t3_wide WHERE organ_id = :o AND row_key = 'granted'", o=organ)
    assert cur == [(changed["table3"]["granted"]["total"],)]
    # re-loading the old document does not bring it back (its sha256 is known: unchanged)
    res = load_batch(engine, [first], run=RunInfo("v1-again"))
    assert res.unchanged == [first.key]
    assert _one(engine, "SELECT version FROM reports WHERE organ_id = :o AND is_current", o=organ) == [(2,)]
    # a quarantined document never pushes out a parsed one, and keeps its reason
    bad = replace(first, parsed=None, sha256="f" * 64, quarantine_reason="needs_ocr")
    res = load_batch(engine, [bad], run=RunInfo("v3"))
    assert res.quarantined == [bad.key] and res.superseded == []
    rows = _one(
        engine,
        "SELECT version, is_current, status, status_reason FROM reports WHERE organ_id = :o ORDER BY version",
        o=organ,
    )
    assert [tuple(r) for r in rows][2] in {
        (3, False, "quarantined", "needs_ocr"),
        (3, 0, "quarantined", "needs_ocr"),
    }
    assert _one(engine, "SELECT version FROM reports WHERE organ_id = :o AND is_current", o=organ) == [(2,)]


def test_only_one_current_version_per_organ_year(engine):
    """The partial unique index itself refuses a second current version (not just the loader's logic)."""
    organ, _, _, truth = truth_reports()[0]
    load_batch(engine, [item_of(organ, truth)], run=RunInfo("v1"))
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as c:
        c.execute(
            sa.text(
                "INSERT INTO reports (organ_id, year, version, is_current, sha256, status)"
                " VALUES (:o, :y, 2, :t, 'x', 'parsed')"
            ),
            {"o": organ, "y": truth["year"], "t": True},
        )


def test_failing_batch_leaves_no_rows(engine, monkeypatch):
    reports = generated_reports(3)
    items = [item_of(o, d, region="d3") for o, d in reports]

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(wl, "finish_run", boom)  # fails after every row of the batch was written
    with pytest.raises(RuntimeError, match="disk full"):
        load_batch(engine, items, run=RunInfo("doomed"))
    for table in ("runs", "regions", "organs", "reports", "facts", "sections", "validation_results"):
        assert _one(engine, f"SELECT COUNT(*) FROM {table}") == [(0,)], table


def test_validation_results_stored_and_reloaded_idempotently(engine):
    organ, d = generated_reports(1)[0]
    results = (
        RuleResult(
            "x", "T3-H1", "error", FAILED, "t3.*.total", 5, 6, ("t3.new_received.total",), False, "5 ≠ 6"
        ),
        RuleResult("x", "T3-H3", "error", "passed", "t3.granted.*", 1, 1, ("t3.granted.total",), True, ""),
    )
    d["table3"]["granted"]["other_org"] = None
    item = replace(item_of(organ, d, region="d3"), results=results)
    load_batch(engine, [item], run=RunInfo("r1"))
    rows = _one(
        engine, "SELECT rule_id, status, lhs, rhs, cells, run_id FROM validation_results ORDER BY rule_id"
    )
    assert [tuple(r) for r in rows] == [
        ("T3-H1", "failed", 5.0, 6.0, "t3.new_received.total", "r1"),
        ("T3-H3", "passed", 1.0, 1.0, "t3.granted.total", "r1"),
    ]
    assert _one(engine, "SELECT rule_id, organ_id FROM v_hard_failures") == [("T3-H1", organ)]
    before = snapshot(engine)
    assert load_batch(engine, [item], run=RunInfo("r2")).unchanged == [item.key]
    assert snapshot(engine) == before
    fixed = replace(item, results=results[1:])
    assert load_batch(engine, [fixed], run=RunInfo("r3")).results_updated == [item.key]
    assert _one(engine, "SELECT COUNT(*) FROM v_hard_failures") == [(0,)]


def test_cross_year_results_are_stored(engine):
    reports = generated_reports(2)
    (o20, d20), (o21, d21) = reports[0], reports[1]
    assert o20 == o21 and (d20["year"], d21["year"]) == (2020, 2021)
    d21 = copy.deepcopy(d21)
    d21["table3"]["carried_over"] = dict(d20["table3"]["carried_forward"])  # X-1 holds on every column...
    d21["table3"]["carried_over"]["total"] += 1  # ...but the total
    load_batch(engine, [item_of(o20, d20, region="d3"), item_of(o21, d21, region="d3")], run=RunInfo("r"))
    results = run_cross_year(engine, [f"{o21}/2021"], run=RunInfo("x"))
    failed = [r for r in results if r.status == FAILED]
    assert [(r.rule, r.where) for r in failed if r.rule == "X-1"] == [("X-1", "t3.carried_over.total")]
    stored = _one(
        engine,
        "SELECT vr.rule_id, vr.where_, vr.status FROM validation_results vr JOIN reports r"
        " ON r.id = vr.report_id WHERE r.year = 2021 AND vr.rule_id = 'X-1' AND vr.status = 'failed'",
    )
    assert [tuple(r) for r in stored] == [("X-1", "t3.carried_over.total", "failed")]
    # a re-run replaces, never duplicates; re-loading the reports leaves cross-year rows alone
    n = _one(engine, "SELECT COUNT(*) FROM validation_results")
    run_cross_year(engine, [f"{o20}/2020"], run=RunInfo("x2"))  # also re-checks 2021 against 2020
    load_batch(engine, [item_of(o21, d21, region="d3")], run=RunInfo("r2"))
    assert _one(engine, "SELECT COUNT(*) FROM validation_results") == n


def test_coverage_and_timeliness(engine):
    sync_registry(engine, registry(gen_registry(6)))
    reports = [r for r in generated_reports(6) if r[1]["year"] == 2021]
    items = [item_of(o, d) for o, d in reports[:5]]  # gen-005 publishes nothing
    items[4] = replace(items[4], parsed=None, quarantine_reason="needs_ocr")
    items[0] = replace(items[0], results=(RuleResult("x", "T4-H1", "error", FAILED, "t4.review", 1, 2),))
    load_batch(engine, items, run=RunInfo("r"))
    cov = _one(
        engine,
        "SELECT organs_registered, reports_found, reports_parsed, reports_quarantined,"
        " reports_with_hard_failures FROM v_coverage WHERE region_id = 'd3' AND year = 2021",
    )
    assert [tuple(r) for r in cov] == [(6, 5, 4, 1, 1)]
    # deadlines from ogi.templates.publication_deadline: government 31 Mar, others 31 Jan of Y+1
    rows = _one(
        engine,
        "SELECT organ_id, organ_type, published_on, deadline, on_time FROM v_report_compliance"
        " WHERE status <> 'quarantined' ORDER BY organ_id",
    )
    got = {r.organ_id: (r.organ_type, str(r.deadline), r.on_time) for r in rows}
    assert got["gen-000"] == ("department", "2022-01-31", 0)  # published 2022-02-15
    assert got["gen-002"] == ("government", "2022-03-31", 1)
    assert got["gen-001"] == ("township", "2022-01-31", 1)


@pytest.mark.parametrize("same_document", [True, False])
def test_concurrent_loaders_cannot_duplicate(pg_url, same_document):
    eng = get_engine(pg_url)
    upgrade(eng)
    base = generated_reports(8)
    batch_a = [item_of(o, d, region="d3") for o, d in base]
    batch_b = [item_of(o, d, region="d3", salt="" if same_document else "b") for o, d in reversed(base)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def loader(items, name):
        try:
            barrier.wait()
            load_batch(eng, items, run=RunInfo(name))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=loader, args=(b, n)) for b, n in ((batch_a, "a"), (batch_b, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    rows = _one(
        eng,
        "SELECT organ_id, year, COUNT(*) AS n, SUM(CASE WHEN is_current THEN 1 ELSE 0 END) AS cur,"
        " COUNT(DISTINCT version) AS nv FROM reports GROUP BY organ_id, year",
    )
    assert len(rows) == len(base)
    for r in rows:
        assert r.cur == 1 and r.nv == r.n == (1 if same_document else 2), r
    facts = _one(eng, "SELECT COUNT(*) FROM facts f JOIN reports r ON r.id = f.report_id WHERE r.is_current")
    assert facts[0][0] == sum(len(item.parsed.report.cells()) for item in batch_a)
    eng.dispose()


def test_new_parser_version_replaces_content_in_place(engine, monkeypatch):
    import ogi.parse

    organ, d = generated_reports(1)[0]
    item = item_of(organ, d, region="d3")
    first = load_batch(engine, [item], run=RunInfo("r1"))
    changed = copy.deepcopy(d)
    changed["table3"]["granted"]["natural_person"] += 1  # the better parser reads the same bytes differently
    monkeypatch.setattr(ogi.parse, "PARSER_VERSION", "99.0.0")
    res = load_batch(engine, [replace(item, parsed=item_of(organ, changed).parsed)], run=RunInfo("r2"))
    assert res.reparsed == [item.key] and res.inserted == [] and res.report_ids == first.report_ids
    rows = _one(engine, "SELECT version, parser_version FROM reports WHERE organ_id = :o", o=organ)
    assert [tuple(r) for r in rows] == [(1, "99.0.0")]
    got = _one(
        engine, "SELECT natural_person FROM v_t3_wide WHERE organ_id = :o AND row_key = 'granted'", o=organ
    )
    assert got == [(changed["table3"]["granted"]["natural_person"],)]


def test_parser_regression_never_erases_parsed_content(engine, monkeypatch):
    import ogi.parse

    organ, d = generated_reports(1)[0]
    item = item_of(organ, d, region="d3")
    load_batch(engine, [item], run=RunInfo("r1"))
    before = snapshot(engine)
    monkeypatch.setattr(ogi.parse, "PARSER_VERSION", "99.0.0")
    res = load_batch(engine, [replace(item, parsed=None, quarantine_reason="corrupt")], run=RunInfo("r2"))
    assert res.unchanged == [item.key] and snapshot(engine) == before
