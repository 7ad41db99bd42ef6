"""The yearly OGI run: registry → fetch → parse → validate → load → cross-year → summaries.

Thin on purpose: only wiring and documentation live here. Every task calls a batch stage function of
``ogi.pipeline`` (imported inside the task, so parsing this file stays in milliseconds). Tasks hand each
other archive keys, organ ids and file paths under ``OGI_HOME`` — never parsed reports.

Two DAGs come from one factory (see ``docs/operations.md``):

- ``ogi_annual_reports``: 1 February (Asia/Shanghai). Departments must publish by 31 January.
- ``ogi_annual_reports_late``: 1 April. Governments' own reports (due 31 March) and late or corrected
  reports. Re-running a year is idempotent, so this run only changes what changed.

Two DAGs rather than one ``MultipleCronTriggerTimetable``: a backfill of N past years then makes N
runs (on the main DAG), not 2N, and each DAG's history shows one run per year.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import CronTriggerTimetable, Param, dag, get_current_context, task, task_group

from ogi import assets
from ogi.notify import OgiNotifier
from ogi.timeouts import execution_timeout

TZ = "Asia/Shanghai"
LABEL = "{{ batch_label }}"  # mapped task instances are named after their batch (city-year-NNN)
POOL = (
    "ogi_portal_requests"  # bounds concurrent fetch batches against the portals; `ogi airflow up` creates it
)

PARAMS = {
    "years": Param(
        [],
        type="array",
        items={"type": "integer", "minimum": 2008, "maximum": 2100},
        description="Report years to process. Empty: the year before the run's logical date.",
    ),
    "regions": Param(
        [], type="array", items={"type": "string"}, description="Region ids to process. Empty: all."
    ),
    "organs": Param(
        [],
        type="array",
        items={"type": "string"},
        description="Organ ids (or names) to process. Empty: every organ active in the year.",
    ),
    "registry": Param(
        None,
        type=["null", "string"],
        description="Registry YAML. Empty: $OGI_REGISTRY, else every file in include/registry/.",
    ),
    "force_fetch": Param(False, type="boolean", description="Download again even if the portal says 304."),
    "force_parse": Param(
        False,
        type="boolean",
        description="Parse again even if a parse of the same bytes by the same parser version is stored.",
    ),
    "dry_run": Param(
        False,
        type="boolean",
        description="Fetch, parse and validate; print what would change in the warehouse; load nothing.",
    ),
    "batch_size": Param(25, type="integer", minimum=1, maximum=1000, description="Organs per mapped task."),
    "via": Param(
        None,
        type=["null", "string"],
        description="Send every request to this local portal (http://127.0.0.1:PORT), keeping Host. "
        "Empty: $OGI_FETCH_VIA. For demos and tests only.",
    ),
}

DOC_FETCH = """
### discover and fetch, parse
One mapped task per **batch** of organs of one year (`batch_size` Param), never one per organ:
a 300-organ city is ~12 tasks, not 900. `fetch_batch` finds each organ's report on its portal and
archives the raw bytes (content-addressed, sha256) before anything parses them; it runs in the
`ogi_portal_requests` pool and retries with exponential backoff. `parse_batch` parses the archived bytes;
the parsed JSON is stored under `OGI_HOME/parsed/<parser version>/` keyed by sha256, and a document that
cannot be parsed is quarantined with its reason. One organ's failure never fails its batch.
"""

DOC_CHECK = """
### validate, load, cross-year checks
`validate_batch` runs Great Expectations once per batch (statutory identities T3-H1 …) and writes Data
Docs under `OGI_HOME/datadocs/`. `load` writes each region-year in one transaction (skipped on a dry
run, which prints what would change); `cross_year` compares each loaded report with the same organ's
previous year (X-1 …).
"""


def _label(batch: dict) -> None:
    """Name the mapped task instance after its batch in the UI (``map_index_template``)."""
    get_current_context()["batch_label"] = batch["batch_id"]


def _run() -> dict:
    """The run's plan (written by ``plan``), found by the run id: tasks share keys, not payloads."""
    from ogi import pipeline

    return pipeline.load_plan(get_current_context()["dag_run"].run_id)


def build_dag(dag_id: str, cron: str, description: str):
    """One DAG of the yearly run, scheduled by ``cron`` in Asia/Shanghai time."""

    @dag(
        dag_id=dag_id,
        description=description,
        schedule=CronTriggerTimetable(cron, timezone=TZ),
        start_date=pendulum.datetime(2020, 1, 1, tz=TZ),
        catchup=False,
        max_active_runs=1,
        params=PARAMS,
        tags=["ogi", "annual-reports", "etl"],
        # notifiers are no-ops unless OGI_NOTIFY is set: one message per failed task (after its retries),
        # one per failed run (DAG callbacks run in the dag-processor, so not under `dags test`)
        default_args={"owner": "ogi-data", "retries": 0, "on_failure_callback": [OgiNotifier("task_failed")]},
        doc_md=__doc__ + f"\n\n**This DAG:** {description}\n\n" + DOC_RUN,
        on_failure_callback=[OgiNotifier("run_failed")],
    )
    def annual_reports():
        @task(execution_timeout=execution_timeout("plan"))
        def plan() -> list[dict]:
            """Report year(s) from the logical date or Params; the registry cut into organ batches."""
            from ogi import pipeline

            ctx = get_current_context()
            dr = ctx["dag_run"]
            when = ctx.get("logical_date") or dr.run_after  # manual runs may have no logical date
            run = pipeline.plan_run(dict(ctx["params"]), when, run_id=dr.run_id, dag_id=dr.dag_id)
            return run["batches"]

        @task_group(group_id="collect", tooltip="fetch and parse, mapped per organ batch", doc_md=DOC_FETCH)
        def collect(batches):
            @task(
                map_index_template=LABEL,
                pool=POOL,
                execution_timeout=execution_timeout("fetch"),
                retries=3,
                retry_delay=timedelta(seconds=30),
                retry_exponential_backoff=2.0,
                max_retry_delay=timedelta(minutes=10),
            )
            def fetch_batch(batch: dict) -> dict:
                """Find and archive each organ's report; per-organ outcomes, never an exception per organ."""
                from ogi import pipeline

                _label(batch)
                return pipeline.fetch_batch(_run(), batch)

            @task(  # idempotent (the parse store): a worker lost mid-parse is retried on another
                map_index_template=LABEL,
                execution_timeout=execution_timeout("parse"),
                retries=2,
                retry_delay=timedelta(seconds=30),
            )
            def parse_batch(fetched: dict) -> dict:
                """Parse archived bytes; store parsed JSON by sha + parser version; quarantine failures."""
                from ogi import pipeline

                _label(fetched)
                return pipeline.parse_batch(_run(), fetched)

            fetched = fetch_batch.expand(batch=batches)
            return parse_batch.expand(fetched=fetched)

        @task_group(group_id="check_and_load", tooltip="validate, load, cross-year", doc_md=DOC_CHECK)
        def check_and_load(parsed):
            @task(  # idempotent: a worker lost mid-validation is retried on another
                map_index_template=LABEL,
                execution_timeout=execution_timeout("validate"),
                retries=2,
                retry_delay=timedelta(seconds=30),
            )
            def validate_batch(parsed: dict) -> dict:
                """One GX run for the batch; rule results stored beside the run; Data Docs."""
                from ogi import pipeline

                _label(parsed)
                return pipeline.validate_batch(_run(), parsed)

            # idempotent (a re-run gives the identical warehouse): retried after a timeout or a warehouse
            # outage longer than the loader's own reconnect budget (OGI_WAREHOUSE_RECONNECT_SECONDS)
            @task(
                outlets=assets.WAREHOUSE,
                execution_timeout=execution_timeout("load"),
                retries=2,
                retry_delay=timedelta(minutes=2),
            )
            def load(validated: list) -> dict:
                """One transaction per region-year (nothing on a dry run)."""
                from ogi import pipeline

                return pipeline.load(_run(), list(validated))

            @task(
                execution_timeout=execution_timeout("cross_year"), retries=2, retry_delay=timedelta(minutes=2)
            )
            def cross_year(loaded: dict) -> dict:
                """X-1…X-3 against the same organ's previous year, from the warehouse."""
                from ogi import pipeline

                return pipeline.cross_year(_run(), loaded)

            validated = validate_batch.expand(parsed=parsed)
            loaded = load(validated)
            return cross_year(loaded)

        @task(outlets=[assets.SUMMARIES], execution_timeout=execution_timeout("summaries"))
        def summarise(checked: dict) -> dict:
            """Municipal summaries per region-year and the run summary (log + warehouse + OGI_HOME)."""
            from ogi import pipeline

            return pipeline.summarise(_run(), checked)

        summarise(check_and_load(collect(plan())))

    return annual_reports()


DOC_RUN = """
**Manual runs and re-runs** (UI "Trigger DAG w/ config" or
`airflow dags trigger ogi_annual_reports -c '{"years": [2023], "organs": ["pingtan-gov"]}'`):
Params choose years, regions, organs, force re-fetch / re-parse and dry run. Every task has an
`execution_timeout` per kind of task (`ogi.timeouts`, settable by `OGI_TASK_TIMEOUT_<KIND>`). Outputs: the warehouse
(`OGI_WAREHOUSE_URL` or the `ogi_warehouse` connection, else `OGI_HOME/warehouse.db`), Data Docs
(`OGI_HOME/datadocs/`), the run summary (task `summarise` log, `OGI_HOME/runs/<run id>/summary.json`).
See docs/operations.md.
"""

annual = build_dag(
    "ogi_annual_reports",
    "0 6 1 2 *",
    "After 31 January: departments' reports for the previous year.",
)
annual_late = build_dag(
    "ogi_annual_reports_late",
    "0 6 1 4 *",
    "After 31 March: governments' own reports and late or corrected reports for the previous year.",
)
