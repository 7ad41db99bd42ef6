"""Analyst outputs: the warehouse views as CSV files and the municipal report pages, refreshed whenever a
load changes the warehouse.

Scheduled on the warehouse Assets (``ogi.assets``) that ``ogi_annual_reports`` updates, so it runs after
every yearly run, backfill or re-run that loaded something, and never on a timer. Output:
``OGI_HOME/outputs/<view>.csv`` (one file per view of ``include/sql``, UTF-8 with BOM) and
``OGI_HOME/reports/<region>/<year>/index.html`` (every city and the regions directly below it, every
loaded year; docs/report.md). Thin: the work is ``ogi.pipeline.export_views`` and
``ogi.report.refresh_reports``.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task

from ogi import assets
from ogi.timeouts import execution_timeout


@dag(
    dag_id="ogi_analyst_outputs",
    description="Warehouse views as CSV and the municipal report pages for analysts, after every load.",
    schedule=assets.WAREHOUSE,
    start_date=pendulum.datetime(2020, 1, 1, tz="Asia/Shanghai"),
    catchup=False,
    max_active_runs=1,
    tags=["ogi", "analyst-outputs"],
    default_args={"owner": "ogi-data", "retries": 1},
    doc_md=__doc__,
)
def analyst_outputs():
    @task(execution_timeout=execution_timeout("outputs"))
    def export_views() -> dict:
        """Every view of include/sql as OGI_HOME/outputs/<view>.csv."""
        from ogi import pipeline

        return pipeline.export_views()

    @task(execution_timeout=execution_timeout("outputs"))
    def report() -> dict:
        """The municipal report pages: OGI_HOME/reports/<region>/<year>/index.html."""
        from ogi.report import refresh_reports

        return refresh_reports()

    export_views()
    report()


analyst_outputs()
