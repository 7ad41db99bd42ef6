"""``dag.test()`` end to end against a local synthetic portal: SQLite and PostgreSQL warehouses hold the
truth, a second run changes nothing, and failing organs do not stop the others."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from citykit import copy_city, counts, make_city, truth_facts, warehouse_facts

from ogi_dev.portal import serve_portal

YEAR = 2022
LOGICAL = dt.datetime(2023, 2, 1, tzinfo=dt.UTC)  # report year 2022 derived from the logical date


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    out = tmp_path_factory.mktemp("city") / "yunlan"
    return out, make_city(out)


def _run(dagbag, *, registry: Path, via: str, when: dt.datetime = LOGICAL, **conf):
    dag = dagbag.dags["ogi_annual_reports"]
    dr = dag.test(
        logical_date=when, run_conf={"registry": str(registry), "via": via, "batch_size": 3, **conf}
    )
    summary = next(Path(p) for p in _summaries(dr.run_id))
    return dr, json.loads(summary.read_text("utf-8"))


def _summaries(run_id: str):
    from ogi.pipeline import run_dir

    return [run_dir(run_id) / "summary.json"]


def _states(dr) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for ti in dr.get_task_instances():
        out.setdefault(ti.task_id, set()).add(str(ti.state))
    return out


def test_end_to_end_loads_the_truth_and_is_idempotent(airflow_db, dagbag, city, db_url, monkeypatch):
    city_dir, manifest = city
    monkeypatch.setenv("OGI_WAREHOUSE_URL", db_url)
    with serve_portal(city_dir / "portal") as portal:
        dr, summary = _run(dagbag, registry=city_dir / "registry.yaml", via=portal.base_url)
        assert str(dr.state) == "success", _states(dr)
        labels = {
            ti.rendered_map_index for ti in dr.get_task_instances() if ti.task_id == "collect.fetch_batch"
        }
        assert labels == {"yunlan-2022-000", "yunlan-2022-001"}  # 5 organs, batch size 3
        assert summary["years"] == [YEAR]
        n = len([e for e in manifest.entries if e.year == YEAR])
        assert summary["outcomes"] == {"parsed": n}
        assert summary["failures"] == []
        truth = truth_facts(city_dir, manifest, YEAR)
        assert truth and warehouse_facts(db_url, YEAR) == truth
        before = counts(db_url)

        dr2, summary2 = _run(
            dagbag,
            registry=city_dir / "registry.yaml",
            via=portal.base_url,
            when=LOGICAL + dt.timedelta(hours=1),
        )
    assert str(dr2.state) == "success"
    assert counts(db_url) == before
    assert [g["inserted"] for g in summary2["loaded"]] == [0] * len(summary2["loaded"])
    assert sum(g["unchanged"] for g in summary2["loaded"]) == n


def test_failing_organs_are_reported_and_the_others_loaded(
    airflow_db, dagbag, city, sqlite_url, tmp_path, monkeypatch
):
    """A listing answering 404 and a report replaced by garbage: both in the summary with reasons,
    every other organ loaded as its truth, the run itself succeeds."""
    from urllib.parse import urlsplit

    from ogi_dev.portal import page_path

    src, manifest = city
    city_dir = copy_city(src, tmp_path / "city")
    entries = [e for e in manifest.entries if e.year == YEAR]
    gone, garbled = entries[1], entries[2]
    page_path(city_dir / "portal", garbled.document_url).write_bytes(
        b"\x00\x01 not a report at all \xff" * 50
    )
    monkeypatch.setenv("OGI_WAREHOUSE_URL", sqlite_url)
    faults = {urlsplit(gone.listing_url).path: "404"}
    with serve_portal(city_dir / "portal", faults=faults) as portal:
        dr, summary = _run(dagbag, registry=city_dir / "registry.yaml", via=portal.base_url)
    assert str(dr.state) == "success", _states(dr)
    failed = {f["organ_id"]: f for f in summary["failures"]}
    assert set(failed) == {gone.organ_id, garbled.organ_id}
    assert failed[gone.organ_id]["outcome"] == "fetch_failed" and failed[gone.organ_id]["reason"]
    assert failed[garbled.organ_id]["outcome"] == "quarantined" and failed[garbled.organ_id]["reason"]
    assert summary["outcomes"]["parsed"] == len(entries) - 2
    others = {e.organ_id for e in entries} - set(failed)
    truth = {k: v for k, v in truth_facts(city_dir, manifest, YEAR).items() if k[0] in others}
    assert warehouse_facts(sqlite_url, YEAR) == truth
    # the run summary is in the warehouse too: every organ-year's outcome, failures with reasons
    import sqlalchemy as sa

    eng = sa.create_engine(sqlite_url)
    with eng.connect() as c:
        rows = c.execute(
            sa.text("SELECT organ_id, outcome, reason FROM run_outcomes WHERE run_id = :r"), {"r": dr.run_id}
        ).all()
    eng.dispose()
    stored = {o: (outcome, reason) for o, outcome, reason in rows}
    assert len(stored) == len(entries)
    assert stored[gone.organ_id] == ("fetch_failed", failed[gone.organ_id]["reason"])
    assert stored[garbled.organ_id] == ("quarantined", failed[garbled.organ_id]["reason"])
    assert {o for o, (outcome, _) in stored.items() if outcome == "parsed"} == others


def test_analyst_outputs_export_the_views(airflow_db, dagbag, city, sqlite_url, monkeypatch, tmp_path):
    """The downstream DAG (scheduled on the warehouse Assets) writes every view as CSV."""
    import csv

    city_dir, manifest = city
    monkeypatch.setenv("OGI_WAREHOUSE_URL", sqlite_url)
    monkeypatch.setenv("OGI_HOME", str(tmp_path / "home"))
    with serve_portal(city_dir / "portal") as portal:
        _run(
            dagbag,
            registry=city_dir / "registry.yaml",
            via=portal.base_url,
            when=LOGICAL + dt.timedelta(hours=2),
        )
    dag = dagbag.dags["ogi_analyst_outputs"]
    dr = dag.test(logical_date=LOGICAL)
    assert str(dr.state) == "success"
    with open(tmp_path / "home" / "outputs" / "v_current_reports.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert sorted((r["organ_id"], int(r["year"])) for r in rows) == sorted(
        (e.organ_id, e.year) for e in manifest.entries if e.year == YEAR
    )


def test_a_failed_run_notifies_when_configured(airflow_db, dagbag, tmp_path, monkeypatch):
    """A broken run (registry missing) fails in ``plan`` and the task's notifier reports it (the run-level
    notifier runs in the dag-processor, which ``dag.test`` does not use)."""
    out = tmp_path / "notify.jsonl"
    monkeypatch.setenv("OGI_NOTIFY", f"file:{out}")
    dag = dagbag.dags["ogi_annual_reports"]
    dr = dag.test(
        logical_date=LOGICAL - dt.timedelta(days=1), run_conf={"registry": str(tmp_path / "missing.yaml")}
    )
    assert str(dr.state) == "failed"
    messages = [json.loads(x) for x in out.read_text("utf-8").splitlines()]
    assert [(m["event"], m["dag_id"], m["run_id"], m["task_id"]) for m in messages] == [
        ("task_failed", dag.dag_id, dr.run_id, "plan")
    ]
    assert "missing.yaml" in messages[0]["exception"]
