"""DAG integrity: every task of every DAG has an ``execution_timeout``, taken from the one table of
``ogi.timeouts`` by its kind of work, and settable per kind from the environment (issue 13)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from test_dag_integrity import DAG_IDS

from ogi import timeouts

DAG_FILE = Path(__file__).resolve().parents[2] / "dags" / "ogi_annual_reports.py"

#: task id -> kind of work, for the yearly DAGs (both built by one factory)
ANNUAL_KINDS = {
    "plan": "plan",
    "collect.fetch_batch": "fetch",
    "collect.parse_batch": "parse",
    "check_and_load.validate_batch": "validate",
    "check_and_load.load": "load",
    "check_and_load.cross_year": "cross_year",
    "summarise": "summaries",
}


@pytest.mark.parametrize("dag_id", DAG_IDS)
def test_every_task_has_an_execution_timeout(dagbag, dag_id):
    dag = dagbag.dags[dag_id]
    assert dag.tasks
    for task in dag.tasks:
        t = task.execution_timeout
        assert t is not None, f"{dag_id}.{task.task_id} has no execution_timeout"
        assert timeouts.MINIMUM <= t <= timeouts.MAXIMUM, (task.task_id, t)
        assert t in timeouts.DEFAULTS.values(), f"{task.task_id}: {t} is not one of ogi.timeouts' kinds"


@pytest.mark.parametrize("dag_id", ["ogi_annual_reports", "ogi_annual_reports_late"])
def test_yearly_tasks_get_their_kinds_timeout(dagbag, dag_id):
    dag = dagbag.dags[dag_id]
    assert set(dag.task_ids) == set(ANNUAL_KINDS)  # a new task needs a kind here and in ogi.timeouts
    for task_id, kind in ANNUAL_KINDS.items():
        assert dag.get_task(task_id).execution_timeout == timeouts.DEFAULTS[kind], task_id
    # the idempotent warehouse steps retry (after a timeout or an outage longer than the loader's own retry)
    for task_id in ("check_and_load.load", "check_and_load.cross_year"):
        assert dag.get_task(task_id).retries >= 1, task_id


def test_a_kind_is_set_from_the_environment(monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("OGI_TASK_TIMEOUT_PARSE", "45m")
    monkeypatch.setenv("OGI_TASK_TIMEOUT_LOAD", "7200")
    bag = DagBag(dag_folder=str(DAG_FILE))
    assert bag.import_errors == {}
    dag = bag.dags["ogi_annual_reports"]
    assert dag.get_task("collect.parse_batch").execution_timeout == dt.timedelta(minutes=45)
    assert dag.get_task("check_and_load.load").execution_timeout == dt.timedelta(hours=2)
    assert dag.get_task("collect.fetch_batch").execution_timeout == timeouts.DEFAULTS["fetch"]

    monkeypatch.setenv("OGI_TASK_TIMEOUT_PARSE", "soon")  # a typo is a loud import error, not no timeout
    bad = DagBag(dag_folder=str(DAG_FILE))
    assert any("OGI_TASK_TIMEOUT_PARSE" in err for err in bad.import_errors.values())


def test_durations_are_read_and_bounded():
    assert timeouts.parse_duration("900", "X") == dt.timedelta(seconds=900)
    assert timeouts.parse_duration(" 45m ", "X") == dt.timedelta(minutes=45)
    assert timeouts.parse_duration("2H", "X") == dt.timedelta(hours=2)
    for bad in ("", "soon", "-5m", "10", "25h", "1d"):
        with pytest.raises(ValueError, match="X must be"):
            timeouts.parse_duration(bad, "X")
    with pytest.raises(KeyError, match="unknown task kind"):
        timeouts.execution_timeout("lunch")
    assert all(timeouts.MINIMUM <= t <= timeouts.MAXIMUM for t in timeouts.DEFAULTS.values())
