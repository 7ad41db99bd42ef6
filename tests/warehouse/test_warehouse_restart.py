"""Fault tests beyond kill -9 (issue 13): PostgreSQL restarted during a load.

Each test runs on a throw-away cluster of its own (``pgcluster.Cluster``: own data folder and port),
never the shared server. The restart is injected at a fixed point of the load (synchronously, through
a wrapper around one of the loader's own steps), so every run of a test restarts the server at the
same place: before the first statement of the transaction, in the middle of it (before the facts'
COPY, after the report rows were inserted), and just before COMMIT; and a longer outage (the server
stopped, started again 3 s later from another thread, while the loader retries). The loader retries
the whole batch on a new connection and completes; the warehouse then equals the one an undisturbed
load of the same items made (every row of every table, surrogate ids replaced by natural keys, load
timestamps left out). Each test is bounded (< 60 s).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import threading
import time
import uuid

import pytest
import sqlalchemy as sa
from pgcluster import Cluster
from whkit import gen_registry, generated_reports, item_of, registry, replace

from ogi.model import FAILED, RuleResult
from ogi.warehouse import load as wl
from ogi.warehouse import write
from ogi.warehouse.db import get_engine, upgrade
from ogi.warehouse.load import RunInfo, load_batch
from ogi.warehouse.registry_sync import sync_registry

RUN = RunInfo("fault-run", started_at=dt.datetime(2026, 2, 1, 8, 0, tzinfo=dt.UTC))
#: columns that differ between two loads by design (when they ran) or are surrogate keys
_VOLATILE = {"loaded_at", "finished_at", "recorded_at"}
_PER_TEST_LIMIT = 60.0


@pytest.fixture(scope="module")
def cluster():
    c = Cluster()
    yield c
    c.remove()


@pytest.fixture
def fresh(cluster):
    """A function giving migrated engines on brand-new databases of the throw-away cluster."""
    engines = []
    cluster.ensure_running()

    def make():
        eng = get_engine(cluster.create_database(f"ogi_fault_{uuid.uuid4().hex[:10]}"))
        upgrade(eng)
        engines.append(eng)
        return eng

    yield make
    for eng in engines:
        eng.dispose()


def _items() -> list:
    """12 organ-years (6 organs x 2020/2021) plus a second document for one of them, with results."""
    reports = generated_reports(6)
    items = [item_of(o, d) for o, d in reports]
    failing = RuleResult(
        "x", "T3-H1", "error", FAILED, "t3.*.total", 5, 6, ("t3.new_received.total",), False, ""
    )
    items[0] = replace(items[0], results=(failing,))
    organ, d = reports[1]
    d2 = copy.deepcopy(d)
    d2["table4"] = {k: (v or 0) + 1 for k, v in d2["table4"].items()}
    items.append(item_of(organ, d2, salt="corrected"))
    return items


def natural_snapshot(engine) -> dict[str, list]:
    """Every row of every data table, report ids replaced by (organ, year, version), volatile columns
    dropped: equal for two warehouses that hold the same data whatever ids their sequences gave."""
    out: dict[str, list] = {}
    with engine.connect() as c:
        ids = {
            r.id: (r.organ_id, r.year, r.version)
            for r in c.execute(sa.text("SELECT id, organ_id, year, version FROM reports"))
        }
        tables = ("regions", "organs", "organ_names", "reports", "facts", "sections", "validation_results",
                  "runs", "run_outcomes")  # fmt: skip
        for t in tables:
            result = c.execute(sa.text(f"SELECT * FROM {t}"))
            cols = list(result.keys())
            rows = []
            for row in result:
                d = dict(zip(cols, row, strict=True))
                for k in _VOLATILE:
                    d.pop(k, None)
                if t == "validation_results":
                    d.pop("id")  # a surrogate key of its own
                if t == "reports":
                    d["id"] = ids[d["id"]]
                    d["superseded_by"] = ids.get(d["superseded_by"])
                if "report_id" in d:
                    d["report_id"] = ids[d["report_id"]]
                rows.append(json.dumps(d, sort_keys=True, default=str, ensure_ascii=False))
            out[t] = sorted(rows)
    return out


def _outcome(res) -> dict:
    return {
        k: sorted(getattr(res, k))
        for k in ("inserted", "superseded", "reparsed", "results_updated", "unchanged", "quarantined")
    } | {"n_facts": res.n_facts, "n_results": res.n_results}


class Fault:
    """Runs ``action`` once, when the wrapped loader step is called for the ``at``-th time."""

    def __init__(self, action, at: int = 1) -> None:
        self.action, self.at, self.calls, self.fired = action, at, 0, 0

    def wrap(self, fn, *, after: bool = False):
        def wrapper(*args, **kwargs):
            self.calls += 1
            hit = self.calls == self.at
            if hit and not after:
                self.fired += 1
                self.action()
            out = fn(*args, **kwargs)
            if hit and after:
                self.fired += 1
                self.action()
            return out

        return wrapper


#: where the restart happens: the loader step it is tied to, and whether it comes after that step
RESTART_POINTS = {
    "at_first_statement": ("ensure_run", False),  # the transaction's first statement is next
    "mid_transaction": ("bulk_insert", False),  # the report rows are written, the facts' COPY is next
    "before_commit": ("finish_run", True),  # every row is written, COMMIT is next
}


@pytest.mark.parametrize("point", list(RESTART_POINTS))
def test_restart_during_a_load_is_retried_and_the_warehouse_is_as_undisturbed(
    cluster, fresh, point, monkeypatch, caplog
):
    started = time.monotonic()
    items = _items()
    reference = fresh()
    sync_registry(reference, registry(gen_registry(6)))
    expected = _outcome(load_batch(reference, items, run=RUN))

    eng = fresh()
    sync_registry(eng, registry(gen_registry(6)))
    name, after = RESTART_POINTS[point]
    fault = Fault(cluster.restart)
    monkeypatch.setattr(wl, name, fault.wrap(getattr(wl, name), after=after))
    with caplog.at_level(logging.WARNING, logger="ogi.warehouse.write"):
        got = _outcome(load_batch(eng, items, run=RUN))
    assert fault.fired == 1 and fault.calls >= 2  # restarted once, then the batch ran again
    assert any("connection lost during the load" in r.getMessage() for r in caplog.records)
    assert got == expected
    assert natural_snapshot(eng) == natural_snapshot(reference)
    assert time.monotonic() - started < _PER_TEST_LIMIT


def test_an_outage_longer_than_one_attempt_is_waited_for(cluster, fresh, monkeypatch, caplog):
    """The server goes down mid-load and comes back 3 s later: connecting is refused meanwhile, the
    loader keeps retrying with backoff and completes once the server is back."""
    started = time.monotonic()
    items = _items()
    reference = fresh()
    expected = _outcome(load_batch(reference, items, run=RUN))
    eng = fresh()
    timers: list[threading.Timer] = []

    def outage():
        cluster.stop()
        timers.append(threading.Timer(3.0, cluster.start))
        timers[-1].start()

    fault = Fault(outage)
    monkeypatch.setattr(wl, "bulk_insert", fault.wrap(wl.bulk_insert))
    try:
        with caplog.at_level(logging.WARNING, logger="ogi.warehouse.write"):
            t0 = time.monotonic()
            got = _outcome(load_batch(eng, items, run=RUN))
            waited = time.monotonic() - t0
    finally:
        for t in timers:
            t.join(30)  # the server is back before anything else runs
    retries = [r for r in caplog.records if "connection lost during the load" in r.getMessage()]
    assert fault.fired == 1 and len(retries) >= 2  # refused at least once while the server was down
    assert waited >= 3.0
    assert got == expected
    assert natural_snapshot(eng) == natural_snapshot(reference)
    assert time.monotonic() - started < _PER_TEST_LIMIT


def test_an_outage_past_the_reconnect_budget_fails_and_writes_nothing(cluster, fresh, monkeypatch):
    """With ``OGI_WAREHOUSE_RECONNECT_SECONDS=2`` and the server down for good, the load gives up after
    about 2 s with the driver's error, and nothing of the batch is in the warehouse (the server rolled
    the transaction back); the same load then succeeds."""
    eng = fresh()
    sync_registry(eng, registry(gen_registry(6)))
    before = natural_snapshot(eng)
    monkeypatch.setenv("OGI_WAREHOUSE_RECONNECT_SECONDS", "2")
    fault = Fault(cluster.stop)
    monkeypatch.setattr(wl, "bulk_insert", fault.wrap(wl.bulk_insert))
    items = _items()
    t0 = time.monotonic()
    try:
        with pytest.raises(sa.exc.OperationalError):
            load_batch(eng, items, run=RUN)
        assert 2.0 <= time.monotonic() - t0 < 10.0
    finally:
        cluster.start()
    assert natural_snapshot(eng) == before
    assert load_batch(eng, items, run=RUN).inserted  # the server is back: the same load goes through


def test_reconnect_setting_is_checked(monkeypatch):
    monkeypatch.setenv("OGI_WAREHOUSE_RECONNECT_SECONDS", "soon")
    with pytest.raises(ValueError, match="OGI_WAREHOUSE_RECONNECT_SECONDS"):
        write.reconnect_seconds()
    monkeypatch.setenv("OGI_WAREHOUSE_RECONNECT_SECONDS", "0")
    assert write.reconnect_seconds() == 0
    monkeypatch.delenv("OGI_WAREHOUSE_RECONNECT_SECONDS")
    assert write.reconnect_seconds() == write.RECONNECT_SECONDS


def test_a_statement_error_is_not_taken_for_a_lost_connection(cluster, fresh):
    """Only a lost connection is retried: a statement the server refuses (a foreign key) raises at once."""
    eng = fresh()
    calls = []

    def work():
        calls.append(1)
        with eng.begin() as c:
            c.execute(sa.text("INSERT INTO reports (organ_id, year, version, is_current, sha256, status)"
                              " VALUES ('nobody', 2020, 1, true, 'x', 'parsed')"))  # fmt: skip

    with pytest.raises(sa.exc.IntegrityError) as info:
        write.with_reconnect(eng, work)
    assert calls == [1] and not write.connection_lost(info.value)


def _stored_batches(tmp_path, items) -> list[dict]:
    """The validated batches ``ogi.pipeline.load`` receives, for ``items`` (parses written as JSON)."""
    from ogi.pipeline import _document_key

    batches: dict[int, dict] = {}
    results = []
    for it in items:
        stored = it.parsed.to_dict()
        stored["_meta"]["sections"] = it.parsed.sections
        path = tmp_path / "parsed" / f"{it.sha256}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(stored, ensure_ascii=False), "utf-8")
        item = {"organ_id": it.organ_id, "organ_name": it.organ_id, "region_id": "d3", "year": it.year,
                "status": "found", "sha256": it.sha256, "url": it.source_url,
                "fetched_at": it.fetched_at.isoformat(), "parse": {"status": "parsed", "path": str(path)}}  # fmt: skip
        results += [{**r.to_dict(), "report": _document_key(item)} for r in it.results]
        b = batches.setdefault(it.year, {"batch_id": f"t-{it.year}-000", "registry": "r.yaml", "city": "t",
                                         "year": it.year, "items": []})  # fmt: skip
        b["items"].append(item)
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results, ensure_ascii=False), "utf-8")
    return [{**b, "results_path": str(path)} for b in batches.values()]


def test_the_load_task_survives_a_restart_between_its_transactions(cluster, tmp_path, monkeypatch, caplog):
    """``ogi.pipeline.load`` (the DAG's load task) loads one transaction per region-year: the server
    restarts at the start of the second one's COPY, after the first committed; the task completes and
    the warehouse, run outcomes included, equals an undisturbed run's."""
    from ogi import pipeline

    started = time.monotonic()
    batches = _stored_batches(tmp_path, _items())
    snaps = []
    for disturbed in (False, True):
        url = cluster.create_database(f"ogi_fault_{uuid.uuid4().hex[:10]}")
        monkeypatch.setenv("OGI_WAREHOUSE_URL", url)
        run = {"run_id": "fault-task-run", "run_dir": str(tmp_path / f"run-{disturbed}"), "registries": [],
               "started_at": RUN.started_at.isoformat()}  # fmt: skip
        fault = Fault(cluster.restart, at=4)  # bulk_insert: facts, sections, results of group 1; then group 2
        if disturbed:
            monkeypatch.setattr(wl, "bulk_insert", fault.wrap(wl.bulk_insert))
        with caplog.at_level(logging.WARNING, logger="ogi.warehouse.write"):
            out = pipeline.load(run, batches)
        assert [g["inserted"] for g in out["groups"]] == [6, 7]
        if disturbed:
            assert fault.fired == 1
            assert any("connection lost during the load" in r.getMessage() for r in caplog.records)
        eng = get_engine(url)
        snaps.append(natural_snapshot(eng))
        eng.dispose()
    assert snaps[0] == snaps[1]
    assert len(snaps[0]["run_outcomes"]) == 12 and len(snaps[0]["reports"]) == 13
    assert time.monotonic() - started < _PER_TEST_LIMIT
