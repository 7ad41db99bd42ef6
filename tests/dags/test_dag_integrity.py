"""DAG integrity: every DAG file imports, is thin (imports none of the heavy libraries at parse time), and
is documented. How long parsing takes is a benchmark figure (``ogi bench dags``), not a timed test."""

from __future__ import annotations

import copy
import datetime as dt
import os
import subprocess
import sys

import pytest
from testenv import REPO

DAG_IDS = ("ogi_annual_reports", "ogi_annual_reports_late", "ogi_analyst_outputs")


def test_every_dag_imports(dagbag):
    assert dagbag.import_errors == {}
    for dag_id in DAG_IDS:
        assert dag_id in dagbag.dags


#: what a DAG file must not import at parse time (the dag-processor parses every file every few seconds)
HEAVY_MODULES = ("great_expectations", "pdfplumber", "pdfminer", "pandas", "docx", "lxml",
                 "reportlab", "ogi_dev", "ogi.parse", "ogi.validate", "ogi.warehouse")  # fmt: skip


@pytest.mark.parametrize("dag_file", sorted(p.name for p in (REPO / "dags").glob("*.py")))
def test_every_dag_file_is_thin(dag_file):
    """Importing a DAG file (as the dag-processor does) loads none of the heavy libraries; checked in a
    fresh interpreter so nothing imported by other tests hides an import."""
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('dagfile', {str(REPO / 'dags' / dag_file)!r})\n"
        "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        f"heavy = {HEAVY_MODULES!r}\n"
        "print('HEAVY', sorted(m for m in sys.modules if any(m == h or m.startswith(h + '.') for h in heavy)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=os.environ, check=False
    )
    assert out.returncode == 0, out.stderr[-2000:]
    heavy = [ln for ln in out.stdout.splitlines() if ln.startswith("HEAVY ")]  # Airflow logs to stdout too
    assert heavy == ["HEAVY []"], f"{dag_file} imports at parse time: {heavy or out.stdout[-1000:]}"


def test_docs_tags_owners(dagbag):
    for dag_id, dag in dagbag.dags.items():
        assert dag.doc_md and len(dag.doc_md) > 200, dag_id
        assert dag.tags and "ogi" in dag.tags, dag_id
        assert dag.owner == "ogi-data", dag_id
        for group in dag.task_group_dict.values():
            assert group.doc_md, f"{dag_id}: task group {group.group_id} has no doc_md"


def test_flow_shape(dagbag):
    dag = dagbag.dags["ogi_annual_reports"]
    fetch = dag.get_task("collect.fetch_batch")
    assert fetch.pool == "ogi_portal_requests"
    assert fetch.retries >= 2 and fetch.retry_exponential_backoff
    load = dag.get_task("check_and_load.load")
    assert {a.uri for a in load.outlets} >= {"x-ogi://warehouse/reports", "x-ogi://warehouse/facts"}
    downstream = dagbag.dags["ogi_analyst_outputs"].timetable.asset_condition.objects
    assert {a.uri for a in downstream} == {a.uri for a in load.outlets}  # runs after every load
    assert dag.get_task("collect.parse_batch").upstream_task_ids == {"collect.fetch_batch"}
    assert dag.get_task("summarise").upstream_task_ids == {"check_and_load.cross_year"}


def test_params_are_validated(dagbag):
    from airflow.sdk.exceptions import ParamValidationError

    params = dagbag.dags["ogi_annual_reports"].params
    params.validate()  # defaults are valid
    good = {"years": [2022, 2023], "organs": ["pingtan-gov"], "dry_run": True}
    run = copy.deepcopy(params)
    run.update(good)
    assert run.validate()["years"] == [2022, 2023]
    for bad in ({"years": [1999]}, {"batch_size": 0}, {"regions": "pingtan"}, {"dry_run": "yes"}):
        with pytest.raises(ParamValidationError):
            run = copy.deepcopy(params)
            run.update(bad)
            run.validate()


@pytest.mark.parametrize(
    ("dag_id", "after", "expected_local"),
    [
        ("ogi_annual_reports", "2024-01-15T00:00:00+00:00", "2024-02-01T06:00:00+08:00"),
        ("ogi_annual_reports_late", "2024-02-15T00:00:00+00:00", "2024-04-01T06:00:00+08:00"),
    ],
)
def test_schedule_and_report_year(dagbag, dag_id, after, expected_local):
    """The cron timetable gives a zero-length data interval; the report year is derived explicitly."""
    from airflow.serialization.decoders import decode_timetable
    from airflow.serialization.encoders import encode_timetable
    from airflow.timetables.base import TimeRestriction

    from ogi.pipeline import report_year_for

    timetable = decode_timetable(encode_timetable(dagbag.dags[dag_id].timetable))  # as the scheduler has it
    start = dt.datetime.fromisoformat(after)
    info = timetable.next_dagrun_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(earliest=start, latest=None, catchup=True),
    )
    assert info.logical_date == dt.datetime.fromisoformat(expected_local)
    assert info.data_interval.start == info.data_interval.end  # zero-length in Airflow 3
    assert report_year_for(info.logical_date) == 2023


def test_report_year_uses_china_time():
    from ogi.pipeline import report_year_for

    # 1 Jan 2024 01:00 in Shanghai is still 2023 in UTC: the report year follows China time
    assert report_year_for(dt.datetime(2023, 12, 31, 17, 0, tzinfo=dt.UTC)) == 2023
    assert report_year_for(dt.datetime(2023, 12, 31, 15, 0, tzinfo=dt.UTC)) == 2022
    assert report_year_for(dt.date(2025, 2, 1)) == 2024
